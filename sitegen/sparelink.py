"""The spare folder made while a build loads its content: every file output/'s
record names, hard-linked into the spare by another process (writer.py).

A build makes its site in a spare folder beside output/ in which each unchanged
file is output/'s very file (a hard link). After a swap the previous site is the
next build's spare, already nearly right; but after a cold build there is no
spare (it became output/), and the first rebuild would link every file at its
commit, in series (~1.4 s at 10k papers). So a rebuild that finds no listed
spare starts this linker as it starts loading: a process that makes the spare
a tree of links of output/'s recorded files, on the build's other core, while
the build loads, relates, plans and compares. The build joins it before it
first touches the spare, and then proceeds as with a spare whose listing says
every file is output/'s own.

The linker is a fresh Python (forked, then exec'd: ``BOOT``) that reads the
record from its file a megabyte at a time (manifest.RecordPaths), so that it
holds none of the build's memory. A forked linker shared the build's pages:
iterating the build's 427k path strings wrote their reference counts, and so
copied their pages, and each page the build wrote while the linker lived was
then counted twice (~130 MB more of summed PSS at 100k papers, at the load's
peak). It writes what it made to a file, and exits as soon as it is done.

Safety: nothing here writes into output/ or into a file; the spare is not
trusted until the build has joined a linker that finished (there is no listing
on disk until the build's own swap writes one), so a linker killed or failed
at any point leaves a spare that the build (or the next) walks and completes as
it does any unlisted spare. The linker holds the build's lock (every descriptor
of the build is kept through the exec) and dies with the build
(processes.die_with, set before the exec); a build that stops kills it first.
It links what the record file names only if that file is the record the build
read (the same tree and fingerprint, as many files, written as sitegen writes
it): else it fails, and the build links at its commit.
"""

from __future__ import annotations

import gc
import json
import marshal
import os
import signal
import sys
import tempfile
from collections.abc import Collection, Iterable
from pathlib import Path

from . import tree
from .manifest import RecordPaths

Made = tuple[list[str], list[str]]  # the files linked, the folders made
# The linker's program: sitegen from the build's own package folder, nothing else (-I -S).
BOOT = "import sys; sys.path.insert(0, sys.argv[1]); from sitegen.sparelink import main; main(sys.argv[2:])"


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
    """``SpareLinker(live, spare, record, head, paths)`` starts linking at once
    the files the manifest file ``record`` names, which must have the fields
    ``head`` and as many files as ``paths``, those the build holds; ``join()``
    says what the spare holds, or None if the linker did not finish."""

    def __init__(self, live: str, spare: str, record: str, head: dict, paths: Collection[str]) -> None:
        if not sys.executable or getattr(sys, "frozen", False):
            raise OSError("no Python to run the linker")
        self._paths = paths
        self._result = tempfile.TemporaryFile()  # what the linker made: read at join
        package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        args = [live, spare, record, json.dumps(head), str(len(paths)), str(self._result.fileno())]
        command = [sys.executable, "-I", "-S", "-c", BOOT, package, *args]
        parent = os.getpid()
        self.pid = os.fork()
        if self.pid == 0:  # the linker: never returns
            _exec(parent, command)

    def join(self) -> Made | None:
        """Wait for the linker: the files it linked (those of ``paths`` that
        output/ still has, in their order) and the folders it made; None if it
        failed or was killed (the spare is then partly made, and unlisted)."""
        try:
            try:
                status = os.waitpid(self.pid, 0)[1]
            except ChildProcessError:  # reaped by someone else: its word is not known
                return None
            if status != 0:
                return None
            self._result.seek(0)
            skipped, folders = marshal.load(self._result)
        except (OSError, EOFError, ValueError, TypeError):
            return None
        finally:
            self._result.close()
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
        self._result.close()
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass


def _exec(parent: int, command: list[str]) -> None:
    """In the forked process: die with the build, keep its descriptors (its
    lock among them: lock.py), and become the linker; exit if that fails."""
    gc.disable()  # a collection would touch, and so copy, every page of the build's heap
    try:
        from .processes import die_with  # the build has it: not imported by the linker

        die_with(parent)  # kept through the exec
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        for name in os.listdir("/proc/self/fd" if os.path.isdir("/proc/self/fd") else "/dev/fd"):
            try:
                os.set_inheritable(int(name), True)
            except OSError:  # the listing's own, closed
                pass
        os.execv(command[0], command)
    finally:
        os._exit(1)


def main(argv: list[str]) -> None:
    """The linker (``BOOT``): make the spare, write what it skipped and the
    folders it made to the build's file, exit."""
    code = 1
    try:
        live, spare, record, head, count, out = argv
        made = marshal.dumps(link_tree(live, spare, RecordPaths(record, json.loads(head), int(count))))
        with os.fdopen(int(out), "wb") as result:
            result.write(made)
        code = 0
    except BaseException:  # any failure: the build walks the spare itself
        pass
    finally:
        os._exit(code)


def link_tree(live: str, spare: str, paths: Iterable[str]) -> tuple[list[str], list[str]]:
    """Make ``spare`` hold each of ``paths`` (sorted, as a record lists them;
    iterated twice if the spare exists) as a hard link to ``live``'s file,
    and nothing else. An existing spare (one no listing describes: a killed
    build's) is walked: what is already right stays, the rest goes. Returns
    the paths skipped (no longer in ``live``, or not a plain relative path)
    and every folder made, each after its parent. Plain strings and os calls,
    a path at a time: 427k files at 100k papers."""
    have: set[str] = set()
    if os.path.isdir(spare):
        safe = [path for path in paths if tree.is_inside(path)]
        have = _keep_right(live, spare, safe, tree.folders_of(safe))
        del safe
    else:
        os.mkdir(spare)
    skipped: list[str] = []
    folders: list[str] = []
    chain: list[str] = []  # the folders of the last path, outermost first
    for path in paths:
        if not tree.is_inside(path):  # never outside the spare: the commit links these, checked
            skipped.append(path)
            continue
        folder = path.rpartition("/")[0]
        if folder != (chain[-1] if chain else ""):
            _enter(spare, folder, chain, folders)
        if path in have:
            continue
        try:
            os.link(f"{live}/{path}", f"{spare}/{path}", follow_symlinks=False)
        except (FileNotFoundError, NotADirectoryError):  # gone from output/ since its build
            skipped.append(path)
    return skipped, folders


def _enter(spare: str, folder: str, chain: list[str], made: list[str]) -> None:
    """Make ``folder`` and those of its parents not in ``chain`` (the last
    path's folders): sorted paths bring each folder's files together, so each
    folder is made once."""
    while chain and not f"{folder}/".startswith(f"{chain[-1]}/"):
        chain.pop()
    at = len(chain[-1]) + 1 if chain else 0
    while folder and at <= len(folder):
        end = folder.find("/", at)
        if end < 0:
            end = len(folder)
        name = folder[:end]
        try:
            os.mkdir(f"{spare}/{name}")
        except FileExistsError:  # kept from the spare as it was
            pass
        chain.append(name)
        made.append(name)
        at = end + 1


def _keep_right(live: str, spare: str, paths: Iterable[str], folders: Iterable[str]) -> set[str]:
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
