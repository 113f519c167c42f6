"""The spare folder made while a build loads its content: every file output/'s
record names, hard-linked into the spare by a forked process (writer.py).

A build makes its site in a spare folder beside output/ in which each unchanged
file is output/'s very file (a hard link). After a swap the previous site is the
next build's spare, already nearly right; but after a cold build there is no
spare (it became output/), and the first rebuild would link every file at its
commit, in series (~1.4 s at 10k papers). So a rebuild that finds no listed
spare starts this linker as it starts loading: a forked process that makes the
spare a tree of links of output/'s recorded files, on the build's other core,
while the build loads, relates, plans and compares. The build joins it before
it first touches the spare, and then proceeds as with a spare whose listing says
every file is output/'s own.

Safety: nothing here writes into output/ or into a file; the spare is not
trusted until the build has joined a linker that finished (there is no listing
on disk until the build's own swap writes one), so a linker killed or failed
at any point leaves a spare that the build (or the next) walks and completes as
it does any unlisted spare. The linker holds the build's lock (inherited) and
dies with the build (processes.die_with); a build that stops kills it first.
"""

from __future__ import annotations

import gc
import json
import marshal
import os
import signal
from collections.abc import Iterable
from pathlib import Path

from . import tree
from .processes import die_with

Made = tuple[list[str], list[str]]  # the files linked, the folders made


def read_listing(path: Path, spare: str) -> tuple[tree.Listing | None, set[str]]:
    """What the spare holds, as the last build's listing at ``path`` says if it
    names the folder there now (``spare``, swap.identity), and which of its
    files are output/'s very files (same inode): all but those the last build
    wrote anew ("differs")."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, set()
    if not isinstance(data, dict) or not data.get("tree") or data["tree"] != spare:
        return None, set()
    files, folders, differs = data.get("files"), data.get("folders"), data.get("differs")
    if not isinstance(files, list) or not isinstance(folders, list):
        return None, set()
    same = set(files).difference(differs) if isinstance(differs, list) else set()
    return (files, folders), same


class SpareLinker:
    """``SpareLinker(live, spare, paths)`` starts linking at once; ``join()``
    says what the spare holds, or None if the linker did not finish."""

    def __init__(self, live: str, spare: str, paths: Iterable[str]) -> None:
        self._paths = paths
        reader, writer = os.pipe()
        parent = os.getpid()
        self.pid = os.fork()
        if self.pid == 0:  # the linker: never returns
            os.close(reader)
            _serve(parent, live, spare, paths, writer)
        os.close(writer)
        self._reader = reader

    def join(self) -> Made | None:
        """Wait for the linker: the files it linked (those of ``paths`` that
        output/ still has, in their order) and the folders it made; None if it
        failed or was killed (the spare is then partly made, and unlisted)."""
        chunks = []
        try:
            while chunk := os.read(self._reader, 1 << 20):
                chunks.append(chunk)
        finally:
            os.close(self._reader)
            try:
                status = os.waitpid(self.pid, 0)[1]
            except ChildProcessError:  # reaped by someone else: its word is not known
                status = -1
        if status != 0 or not chunks:
            return None
        skipped, folders = marshal.loads(b"".join(chunks))
        if skipped:
            gone = set(skipped)
            return [path for path in self._paths if path not in gone], folders
        return list(self._paths), folders

    def stop(self) -> None:
        """Kill the linker and wait for it to end (a build that stops early)."""
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.close(self._reader)
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass


def _serve(parent: int, live: str, spare: str, paths: Iterable[str], out: int) -> None:
    """In the forked process: make the spare, send back what was skipped, exit."""
    code = 1
    gc.disable()  # a collection would touch, and so copy, every page of the build's heap
    try:
        die_with(parent)
        made = marshal.dumps(link_tree(live, spare, paths))
        view = memoryview(made)
        while view:
            view = view[os.write(out, view) :]
        code = 0
    except BaseException:  # any failure: the build walks the spare itself
        pass
    finally:
        os._exit(code)


def link_tree(live: str, spare: str, paths: Iterable[str]) -> tuple[list[str], list[str]]:
    """Make ``spare`` hold each of ``paths`` as a hard link to ``live``'s file,
    and nothing else. An existing spare (one no listing describes: a killed
    build's) is walked: what is already right stays, the rest goes. Returns
    the paths skipped (no longer in ``live``, or not a plain relative path)
    and every folder made. Plain strings and os calls: 427k files at 100k."""
    safe: list[str] = []
    skipped: list[str] = []
    for path in paths:  # never outside the spare: the commit links these, checked
        (safe if tree.is_inside(path) else skipped).append(path)
    folders = sorted(tree.folders_of(safe))  # each folder after its parent
    have: set[str] = set()
    if os.path.isdir(spare):
        have = _keep_right(live, spare, safe, folders)
    else:
        os.mkdir(spare)
    for folder in folders:
        try:
            os.mkdir(f"{spare}/{folder}")
        except FileExistsError:  # kept from the spare as it was
            pass
    for path in safe:
        if path in have:
            continue
        try:
            os.link(f"{live}/{path}", f"{spare}/{path}", follow_symlinks=False)
        except (FileNotFoundError, NotADirectoryError):  # gone from output/ since its build
            skipped.append(path)
    return skipped, folders


def _keep_right(live: str, spare: str, paths: Iterable[str], folders: list[str]) -> set[str]:
    """Clear from ``spare`` all but the files that are already ``live``'s own
    at one of ``paths``, and the folders among ``folders``; return those files."""
    wanted, keep_folders = set(paths), set(folders)
    have = set()
    files, _, all_folders = tree.walk(spare)
    for path in files:
        target = f"{spare}/{path}"
        if path in wanted:
            try:
                mine, theirs = os.lstat(target), os.lstat(f"{live}/{path}")
            except OSError:
                pass
            else:
                if (mine.st_ino, mine.st_dev) == (theirs.st_ino, theirs.st_dev):
                    have.add(path)
                    continue
        tree.clear(target)
    for path in sorted(all_folders, key=len, reverse=True):  # deepest first
        if path not in keep_folders:
            tree.clear(f"{spare}/{path}")
    return have
