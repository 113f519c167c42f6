"""Worker processes: how many, and forked so they inherit what the parent built."""

from __future__ import annotations

import collections
import ctypes
import ctypes.util
import multiprocessing
import os
import queue
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


def _die_with(parent: int, initializer: Callable[..., Any] | None, initargs: tuple) -> None:
    """In a new worker: stop at once when ``parent`` dies. A worker outliving a
    killed build would go on writing into the spare folder the next build
    uses, and hold its lock (lock.py)."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the check below and the pool's own pipe are left
    if os.getppid() != parent:  # died before prctl took hold
        os._exit(1)
    if initializer is not None:
        initializer(*initargs)


class _Context:
    """A fork context whose pools' workers die with the process that made them."""

    def __init__(self, context: Any) -> None:
        self._context = context

    def Pool(self, processes=None, initializer=None, initargs=(), *args: Any, **kwargs: Any):  # noqa: N802
        start = (os.getpid(), initializer, initargs)
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


def share(
    pool: multiprocessing.pool.Pool,
    size: int,
    work: Callable[[T], R],
    tasks: list[T],
    handle: Callable[[R], None],
    work_in_pool: Callable[[T], R] | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> None:
    """Run ``work`` on every task, in the pool's ``size`` workers and in this
    process too, which takes the next task whenever no result is waiting.
    Workers run ``work_in_pool`` instead if given. This process first runs
    ``meanwhile``, if given, while the workers start on the tasks.

    This process working instead of a third worker waiting means one process
    fewer sharing its memory: a page touched after a fork is copied at most
    once, not once per worker (the build's peak memory at 100k papers).

    A worker gets its next task as soon as it hands back a result (from the
    pool's result thread), not when this process is next free: else it would
    sit idle whenever this process's own task outlasted the worker's queue."""
    pending = collections.deque(tasks)
    results: queue.SimpleQueue[Any] = queue.SimpleQueue()
    stop = False  # once set, no more tasks go out: the pool is being torn down

    def take() -> T | None:
        try:  # popleft is atomic: this thread and the pool's may both take
            return pending.popleft()
        except IndexError:
            return None

    def send() -> None:
        task = None if stop else take()
        if task is None:
            return
        try:
            pool.apply_async(work_in_pool or work, (task,), callback=done, error_callback=fail)
        except ValueError:  # the pool closed meanwhile: this call is failing anyway
            pass

    def done(result: R) -> None:
        results.put(result)
        send()

    def fail(error: BaseException) -> None:
        nonlocal stop
        stop = True
        results.put(error)

    for _ in range(min(len(pending), 2 * size)):  # two each: a worker never waits for its next
        send()
    finished = 0
    try:
        if meanwhile is not None:
            meanwhile()  # the workers' next tasks go out from the pool's thread meanwhile
        while finished < len(tasks):
            try:
                result = results.get_nowait()
            except queue.Empty:
                task = take()
                if task is not None:
                    handle(work(task))
                    finished += 1
                    continue
                result = results.get()
            if isinstance(result, BaseException):
                raise result
            handle(result)
            finished += 1
    finally:
        stop = True
