"""One build at a time per site and per output folder.

Two builds writing one output folder, or one parse cache, would interleave
their files. A build holds an exclusive flock on ``.sitegen-cache/build.lock``
and on the output folder's parent (where its spare folder lives: see
writer.py); a second build waits for both, saying so once. The kernel
releases a flock when the last process holding it dies, however it dies, so a
killed build never leaves a stale lock behind. (Its forked workers share the
lock, and die with it: see processes.py.) Without fcntl (Windows) builds are
not serialised.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from .errors import OutputError, Problem

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = "build.lock"


def _holder(fd: int) -> str:
    try:
        pid = os.pread(fd, 32, 0).decode().strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f" (process {pid})" if pid.isdigit() else ""


class BuildLock:
    """``with BuildLock(cache_dir, out_dir, say):`` around everything a build writes."""

    def __init__(self, cache_dir: Path, out_dir: Path | None, say: Callable[[str], None]) -> None:
        self.cache_dir = cache_dir
        self.out_dir = out_dir
        self.say = say
        self._fds: list[int] = []

    def __enter__(self) -> BuildLock:
        if fcntl is None:
            return self
        try:
            try:
                self.cache_dir.mkdir(parents=True, exist_ok=True)
                path = self.cache_dir / LOCK_NAME
                cache_fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
            except OSError as error:
                message = f"cannot lock the cache: {error.strerror}"
                raise OutputError(Problem(message, error.filename)) from None
            self._take(cache_fd, "this site")
            os.ftruncate(cache_fd, 0)
            os.pwrite(cache_fd, str(os.getpid()).encode(), 0)
            if self.out_dir is not None:
                parent = self.out_dir.absolute().parent
                try:
                    parent.mkdir(parents=True, exist_ok=True)
                    out_fd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
                except OSError as error:
                    raise OutputError(Problem(f"cannot lock: {error.strerror}", parent)) from None
                self._take(out_fd, f"{self.out_dir}")
        except BaseException:
            self.__exit__()
            raise
        return self

    def _take(self, fd: int, what: str) -> None:
        self._fds.append(fd)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.say(f"waiting for another build of {what}{_holder(fd)} to finish...")
            fcntl.flock(fd, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        while self._fds:
            os.close(self._fds.pop())  # closing the last descriptor releases the lock
