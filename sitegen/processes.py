"""Worker processes: how many, and forked so they inherit what the parent built."""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_PR_SET_PDEATHSIG = 1


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


_libc: list[Any] = []  # the C library, once found: [] until then, [None] if it cannot be


def _find_libc() -> Any | None:
    """The C library, looked up once per process, before a pool forks: the
    symbols this process has loaded (Python's own link to it: ~0.05 ms), else
    by name, which runs ``ldconfig`` (2-7 ms, that each fork's start waited for)."""
    if not _libc:
        try:
            loaded = ctypes.CDLL(None, use_errno=True)
            loaded.prctl  # noqa: B018  # found here, or the library by its name
            _libc.append(loaded)
        except (OSError, AttributeError):
            try:
                _libc.append(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True))
            except OSError:
                _libc.append(None)
    return _libc[0]


def _die_with(parent: int, initializer: Callable[..., Any] | None, initargs: tuple) -> None:
    """In a new worker: stop at once when ``parent`` dies. A worker outliving a
    killed build would go on writing into the spare folder the next build
    uses, and hold its lock (lock.py)."""
    if sys.platform.startswith("linux"):
        try:
            _find_libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the check below and the pool's own pipe are left
    if os.getppid() != parent:  # died before prctl took hold
        os._exit(1)
    if initializer is not None:
        initializer(*initargs)


def die_with(parent: int) -> None:
    """In a process forked from ``parent`` by hand (sparelink.py): as a worker does."""
    _die_with(parent, None, ())


class _Context:
    """A fork context whose pools' workers die with the process that made them."""

    def __init__(self, context: Any) -> None:
        self._context = context

    def Pool(self, processes=None, initializer=None, initargs=(), *args: Any, **kwargs: Any):  # noqa: N802
        start = (os.getpid(), initializer, initargs)
        if sys.platform.startswith("linux"):
            _find_libc()  # here, once, not in every worker
        return self._context.Pool(processes, _die_with, start, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)


def fork_context() -> Any | None:
    """A fork-based multiprocessing context, or None where there is no fork (Windows)."""
    try:
        return _Context(multiprocessing.get_context("fork"))
    except ValueError:
        return None


def chunks(items: Sequence[Any], size: int) -> list[list[Any]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


# A forked worker's results pipe holds this much, so that it rarely waits for
# this process to read (Linux's default is 64 KB: a batch of one-paper files).
_RESULTS_PIPE_BYTES = 1 << 20


def share_forked(
    count: int,
    work: Callable[[T], R],
    tasks: Sequence[T],
    handle: Callable[[R], None],
    work_in_fork: Callable[[T], R] | None = None,
    meanwhile: Callable[[], object] | None = None,
    initializer: Callable[[], object] | None = None,
    last_in_fork: Callable[[], T] | None = None,
    last: Callable[[T], None] | None = None,
) -> None:
    """Run ``work`` on every task, in ``count`` forked processes and in this
    one; ``handle`` gets each result, in this thread. Forks run ``work_in_fork``
    instead if given, after ``initializer``; ``meanwhile`` runs in a thread of
    this process while the tasks are worked on. With ``last_in_fork``, each
    fork runs it once no task is left, and ``last`` gets what it returns.

    Unlike a multiprocessing Pool, no thread hands tasks out or takes results
    in: the tasks are inherited (forked after they are made), each process
    claims the next through a shared counter, and each fork writes its results
    to a pipe of its own that this process reads between its own tasks. A
    Pool's worker-handler thread wakes on every result still in the pipe, and
    spun for ~0.25 s of CPU (and of the GIL) per 10k one-paper files."""
    import multiprocessing.connection
    import threading

    context = multiprocessing.get_context("fork")
    claimed = context.Value("q", 0)  # the next task's index, for every process

    def claim() -> int | None:
        with claimed.get_lock():
            index = claimed.value
            claimed.value = index + 1
        return index if index < len(tasks) else None

    forks: list[tuple[Any, Any]] = []  # (process, its results pipe)
    parent = os.getpid()
    finished = 0
    expected = sys.maxsize  # len(tasks) once the forks run: a lazy ``tasks`` may be made in one
    if sys.platform.startswith("linux"):
        _find_libc()  # here, once, not in every fork
    try:
        for _ in range(count):
            reader, writer = context.Pipe(duplex=False)
            _widen(writer)
            process = context.Process(
                target=_fork_serves,
                args=(parent, claim, tasks, work_in_fork or work, writer, initializer, last_in_fork),
                daemon=True,
            )
            process.start()
            writer.close()
            forks.append((process, reader))
        errors: list[BaseException] = []
        side = None
        if meanwhile is not None:
            side = threading.Thread(target=_catching, args=(meanwhile, errors), name="meanwhile")
            side.start()
        open_pipes = [reader for _, reader in forks]
        expected = len(tasks) + (len(forks) if last_in_fork is not None else 0)
        while finished < expected:
            ready = multiprocessing.connection.wait(open_pipes, timeout=0) if open_pipes else []
            if not ready:
                index = claim()
                if index is not None:
                    handle(work(tasks[index]))
                    finished += 1
                    continue
                if not open_pipes:
                    raise RuntimeError("a worker process ended before handing back its results")
                ready = multiprocessing.connection.wait(open_pipes)
            for reader in ready:
                try:
                    done, result = reader.recv()
                except EOFError:  # this fork has ended (and sent all it had)
                    open_pipes.remove(reader)
                    continue
                if done is None:  # the fork's last word
                    if last is not None:
                        last(result)
                elif not done:
                    raise result
                else:
                    handle(result)
                finished += 1
        if side is not None:
            side.join()
            if errors:
                raise errors[0]
    finally:
        for process, reader in forks:
            if process.is_alive() and finished < expected:
                process.kill()
            process.join()
            reader.close()


def _widen(pipe: Any) -> None:
    try:
        import fcntl

        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, _RESULTS_PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass  # not Linux, or above /proc/sys/fs/pipe-max-size: the default pipe


def _catching(function: Callable[[], object], errors: list[BaseException]) -> None:
    try:
        function()
    except BaseException as error:  # re-raised in the thread that waits for this one
        errors.append(error)


def _fork_serves(
    parent: int,
    claim: Callable[[], int | None],
    tasks: Sequence[Any],
    work: Callable[[Any], Any],
    results: Any,
    initializer: Callable[[], object] | None,
    last: Callable[[], object] | None,
) -> None:
    """A fork's life: claim tasks and send back each result, until none is left;
    then what ``last`` returns, if given."""
    _die_with(parent, initializer, ())
    try:
        while (index := claim()) is not None:
            results.send((True, work(tasks[index])))
        if last is not None:
            results.send((None, last()))
    except BaseException as error:
        results.send((False, error))
    results.close()
