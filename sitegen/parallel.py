"""Render outputs across processes when there is enough work to pay for it.

Workers are forked after the site is built, so they inherit the papers and
the Jinja environment without pickling any of it. Two phases: first the
workers make every paper's Markdown-derived HTML and its card, and send them
back as plain strings (sending whole view objects was measured slower than
making them); then a second set of workers, forked once the parent holds
every card, renders and writes a share of the pages each and returns only
the record of what it wrote.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

from .processes import chunks, fork_context
from .render import Output, Renderer
from .writer import Writer

# Below this many outputs, starting processes costs more than it saves.
PARALLEL_THRESHOLD = 500
_CHUNK = 256

_renderer: Renderer | None = None
_writer: Writer | None = None


def _make_fragments(paper_ids: list[str]) -> list[Any]:
    assert _renderer is not None
    return [_renderer.fragments(paper_id) for paper_id in paper_ids]


def _render_chunk(chunk: list[tuple[Output, str]]) -> tuple[dict[str, list], list[str], int]:
    assert _renderer is not None and _writer is not None
    writer = _writer.fork()
    for output, key in chunk:
        writer.add(output.path, _renderer.render(output), key)
    return writer.export()


def render_outputs(
    renderer: Renderer,
    writer: Writer,
    todo: list[tuple[Output, str]],
    workers: int,
    progress: Callable[[int], None] = lambda n: None,
) -> None:
    """Render and write every (output, key) of ``todo``."""
    context = fork_context()
    if workers <= 1 or len(todo) < PARALLEL_THRESHOLD or context is None:
        for output, key in todo:
            writer.add(output.path, renderer.render(output), key)
            progress(1)
        return

    global _renderer, _writer
    _renderer, _writer = renderer, writer
    try:
        ids = [paper.id for paper in renderer.site.papers]
        with context.Pool(workers) as pool:
            for fragments in pool.imap(_make_fragments, chunks(ids, _CHUNK)):
                renderer.adopt(fragments)
        gc.freeze()  # keep the collector from touching (and so copying) inherited objects
        with context.Pool(workers) as pool:
            for done in pool.imap_unordered(_render_chunk, chunks(todo, _CHUNK // 4)):
                writer.merge(done)
                progress(len(done[0]))
    finally:
        _renderer = _writer = None
