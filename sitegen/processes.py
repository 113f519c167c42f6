"""Worker processes: how many, and forked so they inherit what the parent built."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from typing import Any


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def fork_context() -> Any | None:
    """A fork-based multiprocessing context, or None where there is no fork (Windows)."""
    try:
        return multiprocessing.get_context("fork")
    except ValueError:
        return None


def chunks(items: Sequence[Any], size: int) -> list[list[Any]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]
