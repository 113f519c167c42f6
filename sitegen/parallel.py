"""Render outputs across processes when there is enough work to pay for it.

Workers are forked after the site is built, so they inherit the papers, the
Jinja environment and the renderer without pickling any of it. Two phases:
first every paper's view and card are made once, spread over the workers,
and handed back; then the pages, lists and feeds that reuse them are
rendered and written by the workers, each returning what it wrote.
"""

from __future__ import annotations

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


def _make_fragments(paper_ids: list[str]) -> list[tuple[str, Any, Any]]:
    assert _renderer is not None
    return [(pid, _renderer.view(pid), _renderer.card(pid)) for pid in paper_ids]


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
        ids = [p.id for p in renderer.site.papers]
        with context.Pool(workers) as pool:
            for done in pool.imap_unordered(_make_fragments, _chunks(ids, _CHUNK)):
                renderer.adopt(done)
        # A second pool, forked after adoption, so every worker has every card.
        with context.Pool(workers) as pool:
            for done in pool.imap_unordered(_render_chunk, _chunks(todo, _CHUNK // 4)):
                writer.merge(done)
                progress(len(done[0]))
    finally:
        _renderer = _writer = None
