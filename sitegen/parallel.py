"""Render outputs across processes when there is enough work to pay for it.

Workers are forked after the site is built, so they inherit the papers and
the Jinja environment without pickling any of it. Two phases:

1. per paper: each worker takes a run of papers, renders and writes their
   pages, and sends back each paper's card (and, for the few papers a feed
   shows, its Markdown HTML) as plain strings, then forgets them: no process
   holds every paper's rendered abstract at once (memory at 100k papers);
2. everything else (lists, feeds, indexes): workers forked once the parent
   holds every card render and write a share each.

Each worker returns only the record of what it wrote.
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
_feed_ids: set[str] = set()
Done = tuple[dict[str, list], list[str], int]


def _render_into(writer: Writer, renderer: Renderer, items: list[tuple[Output, str | None]]) -> None:
    for output, key in items:
        writer.add(output.path, renderer.render(output), key or renderer.key(output))


def _paper_chunk(task: tuple[list[str], list[tuple[Output, str | None]]]) -> tuple[list[Any], Done]:
    assert _renderer is not None and _writer is not None
    paper_ids, pages = task
    writer = _writer.fork()
    _render_into(writer, _renderer, pages)
    fragments = [_renderer.fragments(paper_id, paper_id in _feed_ids) for paper_id in paper_ids]
    _renderer.forget()
    return fragments, writer.export()


def _render_chunk(chunk: list[tuple[Output, str | None]]) -> Done:
    assert _renderer is not None and _writer is not None
    writer = _writer.fork()
    _render_into(writer, _renderer, chunk)
    return writer.export()


def render_outputs(
    renderer: Renderer,
    writer: Writer,
    todo: list[tuple[Output, str | None]],
    workers: int,
    progress: Callable[[int], None] = lambda n: None,
) -> None:
    """Render and write every (output, key) of ``todo``."""
    context = fork_context()
    if workers <= 1 or len(todo) < PARALLEL_THRESHOLD or context is None:
        for item in todo:
            _render_into(writer, renderer, [item])
            progress(1)
        return

    global _renderer, _writer, _feed_ids
    _renderer, _writer, _feed_ids = renderer, writer, renderer.feed_paper_ids()
    try:
        pages = {output.key[0]: (output, key) for output, key in todo if output.kind == "paper"}
        rest = [(output, key) for output, key in todo if output.kind != "paper"]
        ids = [paper.id for paper in renderer.site.papers]
        tasks = [(run, [pages[i] for i in run if i in pages]) for run in chunks(ids, _CHUNK)]
        gc.freeze()  # keep the collector from touching (and so copying) inherited objects
        with context.Pool(workers) as pool:
            for fragments, done in pool.imap_unordered(_paper_chunk, tasks):
                renderer.adopt(fragments)
                writer.merge(done)
                progress(len(done[0]))
        gc.freeze()
        with context.Pool(workers) as pool:
            for done in pool.imap_unordered(_render_chunk, chunks(rest, _CHUNK // 4)):
                writer.merge(done)
                progress(len(done[0]))
    finally:
        _renderer = _writer = None
        _feed_ids = set()
