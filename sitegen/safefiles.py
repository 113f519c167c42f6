"""Reading files a site may not control: regular files inside allowed folders only.

A symbolic link in a site can point anywhere (/proc/self/environ, /dev/zero),
and a named pipe blocks whoever opens it. So a file is opened without following
a final link and without blocking, checked to be a regular file, and read up
to a size limit; a link is followed only when its target lies inside one of
the allowed roots (the site folder, the built-in themes). Messages name the
path and what is wrong with it, never what the file holds.
"""

from __future__ import annotations

import os
import stat
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

# O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer.
_FLAGS = (
    os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
)


OUTSIDE = "is a symbolic link to outside the site folder; not read"


class UnsafeFile(Exception):
    """A file sitegen will not read; ``str()`` says why, without its contents."""


def kind_of(mode: int) -> str:
    """What a file that is not a regular file is, for messages."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "an unknown kind of file"


def too_big(size: int, limit: int) -> str:
    return f"file is {size:,} bytes, more than limits.file_size ({limit:,}); split it or raise the limit"


def read_regular(path: str | Path, limit: int) -> bytes:
    """The bytes of the regular file at ``path`` (not a link to one), at most ``limit`` of them."""
    fd, size = _open_regular(path, limit)
    return _read_open(fd, size, limit)


def _open_regular(path: str | Path, limit: int) -> tuple[int, int]:
    """An open descriptor of the regular file at ``path`` and its size, else
    UnsafeFile: opened without following a final link and without waiting (a
    FIFO), and checked (fstat) before anything is read."""
    try:
        fd = os.open(path, _FLAGS)
    except OSError as exc:
        if os.path.islink(path):
            raise UnsafeFile("is a symbolic link; not read") from None  # made one since it was listed
        raise UnsafeFile(f"cannot read file: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeFile(f"is {kind_of(info.st_mode)}, not a regular file")
        if info.st_size > limit:
            raise UnsafeFile(too_big(info.st_size, limit))
    except OSError as exc:
        os.close(fd)
        raise UnsafeFile(f"cannot read file: {exc.strerror}") from None
    except UnsafeFile:
        os.close(fd)
        raise
    return fd, info.st_size


def _read_open(fd: int, size: int, limit: int) -> bytes:
    """What _open_regular opened, read (up to ``limit``) and closed."""
    try:
        data = os.read(fd, size + 1)
        if len(data) > size:  # it grew since fstat: read on, up to the limit
            parts = [data]
            total = len(data)
            while chunk := os.read(fd, 1 << 20):
                total += len(chunk)
                if total > limit:
                    raise UnsafeFile(too_big(total, limit))
                parts.append(chunk)
            data = b"".join(parts)
        return data
    except OSError as exc:
        raise UnsafeFile(f"cannot read file: {exc.strerror}") from None
    finally:
        os.close(fd)


# How many files read_ahead keeps open and asked for ahead of the one read.
AHEAD = 32
_WILLNEED = getattr(os, "POSIX_FADV_WILLNEED", None)


def read_ahead(
    paths: Iterable[str | Path], limit: int, ahead: int | None = None
) -> Iterator[bytes | UnsafeFile]:
    """read_regular of each path in turn: its bytes, or the UnsafeFile it
    would raise. The next ``ahead`` files are opened and checked as
    read_regular does, and those it would read are asked of the kernel
    (``POSIX_FADV_WILLNEED``, which returns at once), so that the disk fetches
    many small files at a time while the caller works on one: a folder of
    one-paper files is otherwise read one disk wait at a time. Nothing is
    asked for a file that read_regular would refuse (a link, a pipe, a device,
    a file above ``limit``). ``ahead`` is AHEAD unless given."""
    ahead = AHEAD if ahead is None else max(1, ahead)
    waiting: deque[tuple[int, int] | UnsafeFile] = deque()
    pending = iter(paths)

    def open_next() -> bool:
        path = next(pending, None)
        if path is None:
            return False
        try:
            fd, size = _open_regular(path, limit)
        except UnsafeFile as refused:
            waiting.append(refused)
            return True
        if size and _WILLNEED is not None:
            try:
                os.posix_fadvise(fd, 0, size, _WILLNEED)
            except OSError:
                pass  # only advice: the read finds out
        waiting.append((fd, size))
        return True

    try:
        while len(waiting) < ahead and open_next():
            pass
        while waiting:
            item = waiting.popleft()
            open_next()
            if isinstance(item, UnsafeFile):
                yield item
                continue
            try:
                data = _read_open(*item, limit)
            except UnsafeFile as refused:
                yield refused
                continue
            yield data
    finally:  # the caller stopped early: close what was opened ahead
        for item in waiting:
            if not isinstance(item, UnsafeFile):
                os.close(item[0])


def real_roots(roots: Iterable[str | Path]) -> tuple[str, ...]:
    return tuple(os.path.realpath(root) for root in roots)


def is_inside(real: str, roots: tuple[str, ...]) -> bool:
    """Whether the resolved path ``real`` is one of ``roots`` (resolved) or below one."""
    return any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def resolve_inside(path: str | Path, roots: tuple[str, ...]) -> str:
    """``path`` with its links resolved, if that lies inside ``roots``; else UnsafeFile."""
    real = os.path.realpath(path)
    if not is_inside(real, roots):
        raise UnsafeFile(OUTSIDE)
    return real


def read_inside(path: str | Path, roots: tuple[str, ...], limit: int) -> bytes:
    """A regular file found at ``path``, through links that stay inside ``roots``."""
    return read_regular(resolve_inside(path, roots), limit)


Found = tuple[tuple[str, ...], Path]  # (names relative to the folder walked, path to open)
Refused = tuple[tuple[str, ...], str]  # (names relative to the folder walked, why)


def walk(
    folder: Path,
    roots: tuple[str, ...],
    wanted: Callable[[str], bool] | None = None,
    hidden_folders: bool = False,
    sizes: int | None = None,
    path_type: Callable[[str], Any] = Path,
) -> tuple[list[Found], list[Refused]]:
    """Every regular file below ``folder`` whose name ``wanted(name)`` accepts
    (all, if None), hidden files skipped, sorted by their names; and every
    wanted entry refused, with why.

    Links are followed when they resolve inside ``roots``; a file reached
    through a link is given by its resolved path, which read_regular opens. A
    folder reached twice (through links) is read once. With ``sizes``, a larger
    file is refused here (one lstat per wanted file). Paths found are made by
    ``path_type``: ``str`` spares a caller that only opens them a Path each."""
    found: list[Found] = []
    refused: list[Refused] = []
    top = os.path.realpath(folder)
    if not is_inside(top, roots):
        return found, [((), OUTSIDE)]
    seen = {top}
    stack: list[tuple[tuple[str, ...], str, str]] = [((), str(folder), top)]
    while stack:
        prefix, current, real = stack.pop()
        try:
            entries = sorted(os.scandir(current), key=lambda entry: entry.name, reverse=True)
        except OSError as exc:
            refused.append((prefix, f"cannot read folder: {exc.strerror}"))
            continue
        for entry in entries:
            name = entry.name
            parts = (*prefix, name)
            hidden = name.startswith(".")
            # d_type answers these without a system call on Linux.
            if entry.is_dir(follow_symlinks=False):
                inner = os.path.join(real, name)
                if (not hidden or hidden_folders) and inner not in seen:
                    seen.add(inner)
                    stack.append((parts, entry.path, inner))
            elif hidden:
                continue
            elif entry.is_symlink():
                _follow(entry.path, parts, roots, seen, stack, found, refused, sizes, wanted, path_type)
            elif wanted is not None and not wanted(name):
                continue
            elif entry.is_file(follow_symlinks=False):
                size = entry.stat(follow_symlinks=False).st_size if sizes is not None else 0
                if sizes is not None and size > sizes:
                    refused.append((parts, too_big(size, sizes)))
                else:
                    found.append((parts, path_type(entry.path)))
            else:
                mode = entry.stat(follow_symlinks=False).st_mode
                refused.append((parts, f"is {kind_of(mode)}, not a regular file; not read"))
    found.sort()
    refused.sort()
    return found, refused


def _follow(
    path: str,
    parts: tuple[str, ...],
    roots: tuple[str, ...],
    seen: set[str],
    stack: list[tuple[tuple[str, ...], str, str]],
    found: list[Found],
    refused: list[Refused],
    sizes: int | None,
    wanted: Callable[[str], bool] | None,
    path_type: Callable[[str], Any],
) -> None:
    """A link met while walking: a folder or wanted file inside the roots, or refused."""
    real = os.path.realpath(path)
    try:
        info = os.stat(real)  # what the target is, not what it holds
    except OSError:
        info = None
    is_dir = info is not None and stat.S_ISDIR(info.st_mode)
    if not is_dir and wanted is not None and not wanted(parts[-1]):
        return  # a link by a name that is not read, as a file by that name would be
    if not is_inside(real, roots):
        refused.append((parts, OUTSIDE))
    elif info is None:
        refused.append((parts, "is a broken symbolic link"))
    elif is_dir:
        if real not in seen:
            seen.add(real)
            stack.append((parts, real, real))
    elif not stat.S_ISREG(info.st_mode):
        refused.append((parts, f"is a symbolic link to {kind_of(info.st_mode)}; not read"))
    elif sizes is not None and info.st_size > sizes:
        refused.append((parts, too_big(info.st_size, sizes)))
    else:
        found.append((parts, path_type(real)))
