"""File-level work on the spare folder a build makes its site in (writer.py).

The spare may hold an older site whose files are hard links to output/'s, so
a file in it is never written into: it is unlinked and made anew. Paths are
plain strings and os calls, not pathlib: these run for every file of a site.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path


def is_inside(path: str) -> bool:
    """Whether ``path`` names a file inside the folder it is relative to: no
    backslash, no ``..`` part, no empty part (so no leading, doubled or trailing
    ``/``). String checks, not pathlib: this runs for every file of every build
    (writer.py, sparelink.py)."""
    parts = path.split("/")
    return "\\" not in path and ".." not in parts and "" not in parts


def write_file(path: str, data: bytes) -> None:
    """Create ``path`` with ``data``: bare system calls, because open() adds
    fstat, ioctl and lseek calls to every one of 150k files. O_EXCL: a file
    still there (perhaps output/'s, through a link) is an error, never overwritten."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    try:
        done = os.write(fd, data)  # all of it, nearly always
        if done < len(data):
            view = memoryview(data)
            while done < len(data):
                done += os.write(fd, view[done:])
    finally:
        os.close(fd)


def replace_text(path: Path, text: str) -> None:
    """``text`` at ``path``, replaced whole (never half-written); raises OSError."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def write_json(path: Path, data: dict) -> None:
    """``data`` as compact JSON at ``path``, replaced whole (never half-written); raises OSError."""
    replace_text(path, json.dumps(data, separators=(",", ":")))


def clear(path: str) -> None:
    """Remove whatever is at ``path``, if anything."""
    try:
        os.unlink(path)
    except (FileNotFoundError, NotADirectoryError):
        pass
    except IsADirectoryError:
        shutil.rmtree(path)


def make_folder(folder: str) -> None:
    """Make ``folder`` and its parents, removing files that stand where a folder
    must go (a page that became a folder of pages since the spare's site)."""
    try:
        os.mkdir(folder)  # the usual case: one new folder a page, its parent made
    except FileExistsError:
        if os.path.isdir(folder) and not os.path.islink(folder):
            return
        clear(folder)
        make_folder(folder)
    except (FileNotFoundError, NotADirectoryError):
        make_folder(os.path.dirname(folder))
        try:
            os.mkdir(folder)
        except FileExistsError:  # another worker made it meanwhile
            pass


def walk(root: str) -> tuple[list[str], list[str], list[str]]:
    """Below ``root``: files (and symlinks, not followed), empty folders, all folders."""
    files: list[str] = []
    empty: list[str] = []
    folders: list[str] = []
    stack = [""]
    while stack:
        rel = stack.pop()
        with os.scandir(os.path.join(root, rel) if rel else root) as entries:
            found = False
            for entry in entries:
                found = True
                path = f"{rel}/{entry.name}" if rel else entry.name
                if entry.is_dir(follow_symlinks=False):
                    folders.append(path)
                    stack.append(path)
                else:
                    files.append(path)
        if rel and not found:
            empty.append(rel)
    return files, empty, folders


def parents(path: str):
    while "/" in path:
        path = path.rpartition("/")[0]
        yield path


def folders_of(paths) -> set[str]:
    """Every folder holding one of ``paths``, at any depth: each file's own
    folder, then its parents until one already found (most files share theirs)."""
    folders: set[str] = set()
    for leaf in {path.rpartition("/")[0] for path in paths}:
        while leaf and leaf not in folders:
            folders.add(leaf)
            leaf = leaf.rpartition("/")[0]
    return folders


def _link(live: str, spare: str, path: str, fresh: bool, made: set[str]) -> None:
    """Make spare/path the very file live/path is (same inode, same mtime)."""
    source, target = os.path.join(live, path), os.path.join(spare, path)
    if not fresh:
        try:
            mine, theirs = os.lstat(target), os.lstat(source)
        except (FileNotFoundError, NotADirectoryError):
            pass
        else:
            if (mine.st_ino, mine.st_dev) == (theirs.st_ino, theirs.st_dev):
                return  # the usual case once a spare exists: nothing to do
            clear(target)
    folder = os.path.dirname(target)
    if folder not in made:
        make_folder(folder)
        made.add(folder)
    os.link(source, target, follow_symlinks=False)


Listing = tuple[list[str], list[str]]  # a folder's files and folders, as walk() finds them


def complete(
    live: str,
    spare: str,
    same: list[str],
    wanted: dict,
    previous: dict,
    spare_listing: Listing | None,
    fresh: bool,
    skip: str,
    spare_same: set[str] = frozenset(),
) -> tuple[int, Listing]:
    """Make the spare the whole new site: ``wanted`` are its outputs, those in
    ``same`` are output/'s files as they are; add the user's own files from
    output/ (those no build recorded in ``previous``) and, unless the spare is
    ``fresh``, remove everything else from it: what ``spare_listing`` says it
    held before this build, or else what a walk finds. Paths in ``spare_same``
    are known to be output/'s very files in the spare already: not even checked.

    Returns how many stale outputs go, and what output/ holds: once the two
    are swapped, the listing of the next build's spare."""
    made: set[str] = set()
    for path in same:
        if path not in spare_same:
            _link(live, spare, path, fresh, made)
    kept = set(wanted)
    folders = folders_of(wanted)
    removed = 0
    listing: Listing = ([], [])
    if os.path.isdir(live):
        files, empty, all_folders = walk(live)
        listing = (files, all_folders)
        for path in files:
            if path in wanted or path.partition("/")[0] == skip:
                continue
            if path in previous:
                removed += 1  # a page a build made and this one does not: stale
            elif path not in folders and not any(p in wanted for p in parents(path)):
                _link(live, spare, path, fresh, made)  # the user's own file: kept
                kept.add(path)
                folders.update(parents(path))
        for path in empty:
            if path.partition("/")[0] != skip and path not in kept:
                make_folder(os.path.join(spare, path))
                folders.add(path)
                folders.update(parents(path))
    if not fresh:
        if spare_listing is None:
            found = walk(spare)
            spare_listing = (found[0], found[2])
        # What this build wrote or linked is kept; a listed path may since have
        # become a folder of kept files, or a kept file: those stay too.
        for path in spare_listing[0]:
            if path not in kept and path not in folders:
                clear(os.path.join(spare, path))
        for path in sorted(spare_listing[1], key=len, reverse=True):  # deepest first
            if path not in folders and path not in kept:
                clear(os.path.join(spare, path))
    return removed, listing
