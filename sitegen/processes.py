"""Worker processes: how many, and forked so they inherit what the parent built."""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any

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
