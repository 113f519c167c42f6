"""Render outputs across processes when there is enough work to pay for it.

Workers are forked after the site is built and every paper's view and card
are made, so they inherit the papers, the Jinja environment and the cards
without pickling any of it; each renders and writes a share of the pages and
returns only the record of what it wrote. (Making the cards in the workers
and sending them back was measured slower: pickling them costs more than
making them.)
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Sequence
from typing import Any

from .render import Output, Renderer
from .writer import Writer

# Below this many outputs, starting processes costs more than it saves.
PARALLEL_THRESHOLD = 2000
_CHUNK = 256

_renderer: Renderer | None = None
_writer: Writer | None = None


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _fork_context() -> Any | None:
    try:
        return multiprocessing.get_context("fork")
    except ValueError:  # Windows: no fork, render in one process
        return None


def _render_chunk(chunk: list[tuple[Output, str]]) -> tuple[dict[str, list], list[str], int]:
    assert _renderer is not None and _writer is not None
    writer = _writer.fork()
    for output, key in chunk:
        writer.add(output.path, _renderer.render(output), key)
    return writer.export()


def _chunks(items: Sequence[Any], size: int) -> list[Any]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def render_outputs(
    renderer: Renderer,
    writer: Writer,
    todo: list[tuple[Output, str]],
    workers: int,
    progress: Callable[[int], None] = lambda n: None,
) -> None:
    """Render and write every (output, key) of ``todo``."""
    context = _fork_context()
    if workers <= 1 or len(todo) < PARALLEL_THRESHOLD or context is None:
        for output, key in todo:
            writer.add(output.path, renderer.render(output), key)
            progress(1)
        return

    global _renderer, _writer
    _renderer, _writer = renderer, writer
    try:
        for paper in renderer.site.papers:
            renderer.card(paper.id)  # and its view, shared by pages, lists and feeds
        gc.freeze()  # keep the collector from touching (and so copying) inherited objects
        with context.Pool(workers) as pool:
            for done in pool.imap_unordered(_render_chunk, _chunks(todo, _CHUNK // 4)):
                writer.merge(done)
                progress(len(done[0]))
    finally:
        _renderer = _writer = None
