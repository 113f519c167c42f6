"""Swap two folders in one step, and put a half-done swap right.

The new site is built in a spare folder beside output/ and then exchanged with
it: Linux's renameat2(RENAME_EXCHANGE) swaps two names at once, so output/ is
at every instant either the whole previous site or the whole new one. The
previous site then sits in the spare folder, where the next build brings it
up to date (see writer.py) instead of copying every file again.

Where renameat2 is missing (not Linux, an old kernel, a file system without
it) three renames do the swap through an aside name. For the moment between
the first two, output/ is missing (never half old, half new), and the next
build's ``recover`` finishes or undoes the swap.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import functools
import os
import shutil
from pathlib import Path

from .errors import OutputError, Problem

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


@functools.lru_cache(maxsize=1)
def _renameat2():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        function = libc.renameat2  # glibc 2.28 and later
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


def exchange_in_place(a: Path, b: Path) -> bool:
    """Swap the folders ``a`` and ``b`` atomically; False if this system cannot."""
    function = _renameat2()
    if function is None:
        return False
    if function(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):  # kernel or file system without it
        return False
    raise OSError(code, os.strerror(code), str(a))


def aside_of(live: Path) -> Path:
    return live.with_name(f".{live.name}.sitegen-aside")


def swap(live: Path, spare: Path) -> None:
    """Make ``spare`` the new ``live`` and the old ``live`` the spare."""
    if not live.exists():
        os.rename(spare, live)
        return
    if exchange_in_place(live, spare):
        return
    aside = aside_of(live)
    os.rename(live, aside)
    os.rename(spare, live)
    os.rename(aside, spare)


def recover(live: Path, spare: Path, is_complete) -> None:
    """Finish a fallback swap a killed build left half done. ``is_complete(path)``
    says whether the folder at ``path`` is the finished tree the swap was for."""
    aside = aside_of(live)
    if not aside.exists():
        return
    if not live.exists():
        if spare.exists() and is_complete(spare):
            os.rename(spare, live)  # roll forward
        else:
            os.rename(aside, live)  # roll back
            return
    if spare.exists():  # the swap had finished bar its last rename's clean-up
        remove_tree(aside)
    else:
        os.rename(aside, spare)


def remove_tree(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def check_swappable(live: Path) -> None:
    """A mount point cannot be swapped with a folder beside it (another file system)."""
    if live.is_dir() and os.path.ismount(live):
        raise OutputError(
            Problem(
                f"cannot build into {live}: it is a mount point, and sitegen replaces the output "
                "folder as a whole; mount its parent, or give --output a folder inside it",
                None,
                None,
                "output",
            )
        )


def identity(path: Path | str) -> str:
    """Which folder is at ``path`` now: device and inode, as records name trees."""
    try:
        st = os.stat(path)
    except OSError:
        return ""
    return f"{st.st_dev}:{st.st_ino}"
