"""The cache folder (.sitegen-cache/) as a build finds it, made safe to read and write in.

It is sitegen's own, but it sits in the site folder, where a repository or a pull request
can put anything. So before a build reads a record in it or writes one: the folder must be
a folder, not a symbolic link (its records would be read, and written, wherever the link
points); and any entry in it that is neither a regular file nor a folder (a link to
/dev/zero or to a file elsewhere, a FIFO, a device) is removed, as anything in the cache is
safe to delete. No read of a record can then hang a build, exhaust its memory or reach
outside the site. (Rows and papers.bib's entries are checked where they are read:
cacherows.py, writer.py.)
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import OutputError, Problem
from .tree import clear


def make_safe(folder: Path) -> None:
    """Refuse a cache folder that is a link or not a folder; remove what is neither a
    regular file nor a folder inside it. Nothing to do if there is none yet."""
    try:
        mode = os.lstat(folder).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(mode):
        what = "a symbolic link" if stat.S_ISLNK(mode) else "not a folder"
        message = (
            f"is {what}: sitegen keeps its cache in a folder of its own; remove it (it is safe to delete)"
        )
        raise OutputError(Problem(message, folder))
    with os.scandir(folder) as entries:
        odd = [
            entry.path
            for entry in entries
            if not (entry.is_file(follow_symlinks=False) or entry.is_dir(follow_symlinks=False))
        ]
    for path in odd:
        try:
            clear(path)
        except OSError as error:  # one line naming it, not a traceback
            raise OutputError(Problem(f"cannot remove it: {error.strerror or error}", path)) from None
