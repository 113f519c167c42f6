"""Render outputs across processes when there is enough work to pay for it.

Workers are forked after the site is built, so they inherit the papers and
the Jinja environment without pickling any of it; this process works
alongside them (processes.share_forked: no Pool, no thread of this process
handing out tasks or taking results in). Two phases:

1. per paper: each takes a run of papers (whole content files where it can,
   read back from the parse cache, so it renders from its own copies and
   leaves the shared ones untouched), renders and writes their pages and
   cite files (siteplan.WITH_PAPER), and hands back each paper's card as
   plain values, and for a paper a feed or a
   digest shows, writes what they show of it to the build's record file (one
   with no name, so nothing outlives the build: feedrecords.py) and hands back
   where, then forgets them: no process holds every paper's
   rendered abstract at once (memory at 100k papers);
2. everything else (lists, feeds, indexes), once this process holds every
   card: each renders and writes a share; feeds and digests read the records.

A worker returns only the record of what it wrote.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from . import feedrecords
from .buildfile import Handed, RecordFile
from .cache import Slot, read_papers
from .errors import Problem, SitegenError, ThemeError
from .feedentries import EntryBytes
from .feedrecords import RECORDS, Records
from .gcsettings import release_free_memory
from .model import Paper, forget_paths
from .outputs import Output
from .processes import chunks, fork_context, share_forked
from .render import Renderer
from .setaside import SetAside
from .siteplan import WITH_PAPER
from .writer import Writer

# Below this many outputs, starting processes costs more than it saves.
PARALLEL_THRESHOLD = 500
# From this many papers on, paper pages render from copies read back from the
# parse cache (~40 µs a paper to unpickle), which keeps the forked processes
# from copying each other's memory (~180 MB a worker at 100k papers). Smaller
# sites have too little memory at stake to pay for it.
COPIES_FROM = 20_000
_CHUNK = 256
_LAST_CHUNK = 32  # the shortest run of papers (~20 ms of work)
_COSTLY = frozenset({"feed", "sitemap", "sitemap_index", "bibliography"})

_renderer: Renderer | None = None
_writer: Writer | None = None
_wanted: dict[str, int] = {}  # paper id -> what feeds and digests show of it (feedrecords.wanted)
_records: RecordFile | None = None
_entry_maker = EntryBytes()  # makes records' Atom and RSS bytes (feedxml.py)
Done = tuple[dict[str, list], list[str], int]
Fragments = list[tuple[str, Any, bytes]]  # Renderer.fragments of a run's papers
Taken = tuple[Fragments, Handed]  # and where their feed records are


@contextlib.contextmanager
def template_errors():
    """Whatever a template raises while it renders (``{{ 1/0 }}``, a filter
    given a wrong type) as a ThemeError naming the template file and line:
    Jinja puts the template's own frames in the traceback. An error with no
    template frame is sitegen's own bug, and goes on as it is."""
    try:
        yield
    except ThemeError as error:
        # Renderer.render words Jinja's own errors, but an undefined name has no file or line.
        where, line = _template_frame(error.__context__)
        if where is None or error.problems[0].line is not None or len(error.problems) != 1:
            raise
        raise ThemeError(Problem(error.problems[0].message, where, line)) from None
    except SitegenError:
        raise
    except Exception as error:
        where, line = _template_frame(error)
        if where is None:
            raise
        message = f"template error: {type(error).__name__}: {error}"
        raise ThemeError(Problem(message, where, line)) from None


def _template_frame(error: BaseException | None) -> tuple[str | None, int | None]:
    """The template file and line the innermost template frame of ``error`` shows."""
    where, line = None, None
    frame = error.__traceback__ if error is not None else None
    while frame is not None:
        name = frame.tb_frame.f_code.co_filename
        if not name.endswith(".py") and not name.startswith("<"):
            where, line = name, frame.tb_lineno
        frame = frame.tb_next
    return where, line


def _render_into(writer: Writer, renderer: Renderer, items: list[tuple[Output, str | None]]) -> None:
    """Render ``items``, then key them, then write them: a kind of work at a
    time keeps its code in the CPU's caches (see Renderer.prepare_views)."""
    with template_errors():
        renderer.prepare_views(output for output, _ in items)
        pages = [renderer.render(output) for output, _ in items]
    _write_all(writer, renderer, items, pages)


def _write_all(
    writer: Writer, renderer: Renderer, items: list[tuple[Output, str | None]], pages: list[bytes]
) -> None:
    keys = [key or renderer.key(output) for output, key in items]
    for (output, _), page, key in zip(items, pages, keys, strict=True):
        writer.add(output.path, page, key)


PaperTask = tuple[list[Slot], list[str], list[tuple[Output, str | None]]]


def _run_size(left: int, processes: int) -> int:
    """Full runs while there is plenty left, then shorter ones: every process
    waits for the phase's last run, so the last runs should be short."""
    return min(_CHUNK, max(_LAST_CHUNK, left // (2 * processes)))


def _paper_tasks(
    papers: Sequence[Paper],
    pages: dict[str, list[tuple[Output, str | None]]],
    papers_files: Mapping[Path, Slot],
    processes: int,
) -> list[PaperTask]:
    """Runs of about _CHUNK papers, shorter towards the end, each with the
    parse-cache files that hold them. Whole files go together, so a worker
    reads each file once; a file bigger than a run, or not in the cache, is
    read from the parent's papers."""
    by_file: dict[Path | None, list[str]] = {}
    for paper in papers:
        by_file.setdefault(paper.source, []).append(paper.id)
    runs: list[tuple[list[Slot], list[str]]] = []
    files: list[Slot] = []
    ids: list[str] = []
    left = len(papers)

    def cut(n: int) -> None:
        nonlocal files, ids, left
        runs.append((files, ids[:n]))
        files, ids, left = [], ids[n:], left - n

    for source, file_ids in by_file.items():
        blob = papers_files.get(source) if source is not None else None
        ids += file_ids
        if blob is not None and len(file_ids) <= _run_size(left, processes):
            files.append(blob)
        else:  # no copies: cut anywhere, and a big file over several runs
            while len(ids) > _run_size(left, processes):
                cut(_run_size(left, processes))
        if len(ids) >= _run_size(left, processes):
            cut(len(ids))
    if ids:
        cut(len(ids))
    return [(blobs, run, [item for i in run for item in pages.get(i, ())]) for blobs, run in runs]


def _paper_chunk(task: PaperTask) -> tuple[Taken, Done]:
    assert _renderer is not None and _writer is not None and _records is not None
    blobs, paper_ids, pages = task
    copies = [paper for blob in blobs for _, paper in read_papers(blob) or ()]
    if blobs:
        forget_paths()  # the copies' sources: not kept in a table for the rest of the build
    if _renderer.set_aside is not None:  # those without a copy, with their abstract, links and source back
        have = {paper.id for paper in copies}
        copies += [_renderer.whole(paper_id) for paper_id in paper_ids if paper_id not in have]
    writer = _writer.fork()
    with _renderer.lend(copies):
        with template_errors():
            _renderer.prepare_views((output for output, _ in pages), paper_ids)
            rendered = [_renderer.render(output) for output, _ in pages]
            # Cards right after the pages, while the template code is warm.
            fragments = [_renderer.fragments(paper_id, False) for paper_id in paper_ids]
        # What the feeds and digests show of these papers, from the views made for their pages.
        handed = _records.write(feedrecords.make(_renderer, _entry_maker, _wanted, paper_ids))
        _write_all(writer, _renderer, pages, rendered)
        _renderer.forget(paper_ids)
    return (fragments, handed), writer.export()


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
    papers_files: Mapping[Path, Slot] | None = None,
    later: Callable[[], list[tuple[Output, str | None]]] | None = None,
) -> None:
    """Render and write every (output, key) of ``todo``, and of ``later()``:
    outputs that need not be planned before the paper pages start rendering.
    ``papers_files`` says which parse-cache file holds each content file's papers."""
    context = fork_context()

    def worth_forking(outputs: int) -> bool:
        return workers > 1 and context is not None and outputs >= PARALLEL_THRESHOLD

    if later is not None and not worth_forking(len(todo)):
        todo, later = [*todo, *later()], None  # no workers to start first: plan it all now
    if not worth_forking(len(todo)):
        for batch in chunks(todo, _CHUNK // 4):
            _render_into(writer, renderer, batch)
            progress(len(batch))
        return

    def merge(done: Done) -> None:
        writer.merge(done)
        progress(len(done[0]))

    def adopt(result: tuple[Taken, Done]) -> None:
        (fragments, handed), done = result
        renderer.adopt(fragments)
        records.take(handed)
        merge(done)

    global _renderer, _writer, _wanted, _records
    _renderer, _writer, _wanted = renderer, writer, feedrecords.wanted(renderer)
    _records = RecordFile(context)
    records = renderer.memo[RECORDS] = Records(_records.fd)
    renderer.keep_cards_in(_records)  # read back where a list shows them, not held by any process
    try:
        pages: dict[str, list[tuple[Output, str | None]]] = {}  # paper id -> its outputs (WITH_PAPER)
        rest: list[tuple[Output, str | None]] = []
        for output, key in todo:
            if output.kind in WITH_PAPER:
                pages.setdefault(output.key[0], []).append((output, key))
            else:
                rest.append((output, key))
        planned = later is None

        def paper_chunk_here(task: PaperTask) -> tuple[Taken, Done]:
            """This process's share of the paper pages; before its first run, it
            plans the rest, while the workers render the first runs."""
            nonlocal planned
            if not planned:
                assert later is not None
                planned = True
                rest.extend(later())
            return _paper_chunk(task)

        copies = bool(papers_files) and len(renderer.site.papers) >= COPIES_FROM
        tasks = _paper_tasks(renderer.site.papers, pages, (papers_files if copies else None) or {}, workers)
        papers_files = None  # a Path a content file: let go before the fork (the runs hold their slots)
        if copies:  # the pages render from copies: abstracts, links and sources read back where shown
            renderer.set_aside = SetAside(_records)
            renderer.set_aside.set_aside(renderer.site.papers)
            forget_paths()  # the loader's table of the sources' Paths
        release_free_memory()  # what the load and the related lists freed: not copied into forks
        gc.freeze()  # keep the collector from touching (and so copying) inherited objects
        share_forked(workers - 1, paper_chunk_here, tasks, adopt, _paper_chunk)
        del tasks, pages  # the paper runs, and the parse cache's slots: not in the last fork
        if not planned:  # the workers took every run
            rest.extend(later())  # type: ignore[misc]
        # The costliest outputs first (a feed is ~20 pages' work, a sitemap of
        # 50k URLs more), so that none is left for one process at the very end.
        rest.sort(key=lambda item: item[0].kind not in _COSTLY)
        release_free_memory()
        gc.freeze()
        share_forked(workers - 1, _render_chunk, chunks(rest, _CHUNK // 4), merge)
    finally:
        renderer.memo.pop(RECORDS, None)
        if _records is not None:
            _records.close()
        _renderer = _writer = _records = None
        _wanted = {}
