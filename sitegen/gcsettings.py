"""The cyclic garbage collector's settings for a build.

A build makes millions of objects that live to its end (papers, the site)
and, while rendering, many short-lived ones that form no reference cycles.
Left at its defaults, the GC rescans the first again and again and runs
every 700 allocations of the second: a third of the load time at 100k
papers, and ~0.15 s of CPU in a 10k build's rendering."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
from collections.abc import Callable, Iterator

BUILD_GC_THRESHOLD = 50_000  # new objects between two runs of the cyclic GC (Python's default: 700)


@contextlib.contextmanager
def build_gc(exiting: bool = False) -> Iterator[None]:
    """For a whole build: the GC runs every 50,000 new objects, not every 700.
    Rendering makes no reference cycles (a page's objects die with it), but
    cycles a theme might make are still collected. Afterwards the defaults
    return, and what the build froze is handed back, so a long-running
    process (the preview server) can free it; unless the process is
    ``exiting`` with the build's objects (`sitegen build`, build()'s ``keep``):
    then they stay frozen, since the first collection after would scan every
    one for nothing, on one core after the build (~0.7 s at 30k papers)."""
    threshold = gc.get_threshold()
    gc.set_threshold(BUILD_GC_THRESHOLD, *threshold[1:])
    try:
        yield
    finally:
        if not exiting:
            gc.unfreeze()
        gc.set_threshold(*threshold)


@contextlib.contextmanager
def long_lived() -> Iterator[None]:
    """Around making objects that live for the rest of the build (the papers,
    the site model): no collection while they are made, then frozen out of the
    GC's sight (``gc.freeze``), so later collections do not rescan them."""
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def release_free_memory() -> None:
    """Hand the heap's free pages back to the OS (glibc's ``malloc_trim``),
    before a fork: the load and the related lists peak and then free hundreds
    of MB that the allocator keeps. Kept, a forked process allocating into
    them would copy them; released, it gets fresh zero pages only for what
    it uses. Does nothing where the C library has no ``malloc_trim``."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS)
        return None
