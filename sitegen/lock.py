"""One build at a time per site and per output folder.

Two builds writing one output folder, or one parse cache, would interleave
their files. A build holds an exclusive flock on ``.sitegen-cache/build.lock``
and on the output folder's lock file beside it (``.output.sitegen-lock``, next
to its spare folder: see writer.py, and unlinked as the build ends); a second
build waits for both, saying so once. Builds into other folders of the same
parent do not wait. The kernel releases a flock when the last process holding
it dies, however it dies, so a killed build never leaves a stale lock behind
(its lock file stays, and the next build takes it). (Its forked workers share
the lock, and die with it: see processes.py.) Without fcntl (Windows) builds
are not serialised.
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


def out_lock_of(out_dir: Path) -> Path:
    """The lock file of an output folder: beside it, as its spare and twin
    are (writer.py), so that builds into other folders of the same parent
    do not wait for each other; there only while a build holds it. Resolved,
    so that the folder named any other way (``x/../output``, through a link)
    has the same lock."""
    out_dir = out_dir.resolve()
    return out_dir.with_name(f".{out_dir.name}.sitegen-lock")


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
        self._said: set[str] = set()
        # The output's lock file, to unlink on release, and the process that may.
        self._unlink: tuple[Path | None, int] = (None, 0)

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
                self._take_file(out_lock_of(self.out_dir), f"{self.out_dir}")
        except BaseException:
            self.__exit__()
            raise
        return self

    def _take(self, fd: int, what: str) -> None:
        self._fds.append(fd)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if what not in self._said:
                self._said.add(what)
                self.say(f"waiting for another build of {what}{_holder(fd)} to finish...")
            fcntl.flock(fd, fcntl.LOCK_EX)

    def _take_file(self, path: Path, what: str) -> None:
        """Lock the file at ``path`` (made if missing). The build that holds it
        unlinks it as it ends, so that nothing is left beside output/: one that
        waited may then hold a file no longer at ``path``, and tries again."""
        while True:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)
            except OSError as error:
                raise OutputError(Problem(f"cannot lock: {error.strerror}", path)) from None
            self._take(fd, what)
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(path, follow_symlinks=False))
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(self._fds.pop())
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._unlink = (path, os.getpid())

    def __exit__(self, *exc: object) -> None:
        path, pid = self._unlink
        self._unlink = (None, 0)
        if path is not None and pid == os.getpid():  # not in a forked worker
            try:
                path.unlink()  # while it is held: see _take_file
            except OSError:
                pass  # left behind, as by a killed build: the next build takes it
        while self._fds:
            os.close(self._fds.pop())  # closing the last descriptor releases the lock
