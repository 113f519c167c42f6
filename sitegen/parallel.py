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
from .cache import ParseCache, Slot, read_many
from .errors import Problem, SitegenError, ThemeError
from .feedentries import EntryBytes
from .feedrecords import RECORDS, Records
from .gcsettings import release_free_memory
from .model import Paper
from .outputs import Output
from .processes import chunks, fork_context, share_forked
from .render import Renderer
from .setaside import SetAside
from .siteplan import WITH_PAPER
from .sourcepaths import forget_paths, path_names
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
_slot: Callable[[str, str], Slot] = Slot  # a content file's parse-cache slot (ParseCache.slot)
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


FileRef = tuple[str, str]  # a content file's name and the digest of its bytes: its parse-cache slot
PaperTask = tuple[list[FileRef], list[str], list[tuple[Output, str | None]]]


def _run_size(left: int, processes: int) -> int:
    """Full runs while there is plenty left, then shorter ones: every process
    waits for the phase's last run, so the last runs should be short."""
    return min(_CHUNK, max(_LAST_CHUNK, left // (2 * processes)))


def _paper_tasks(
    papers: Sequence[Paper],
    pages: Mapping[str, list[tuple[Output, str | None]]],
    files: Mapping[str, str],
    processes: int,
    names: Mapping[int, str] | None = None,
) -> list[PaperTask]:
    """Runs of about _CHUNK papers, shorter towards the end, each with the
    content files that hold them (``files``: name -> the digest the load took,
    which with the name finds a file's parse-cache slot; ``names``: a source
    Path's id -> its name, sourcepaths.path_names). Whole files go together, so a
    worker reads each file once; a file bigger than a run, or not in the
    cache, is read from the parent's papers.

    One pass, the papers grouped by their source object (one a content file)
    and named once a file: ~0.6 s at 100k papers on the one core before the
    fork, when it hashed Paths and looked each up in a map of Paths."""
    by_file: dict[int, list[str]] = {}  # id of a paper's source -> its papers' ids
    sources: list[Path | None] = []  # each file's source, in the order first seen
    for paper in papers:
        source = paper.source
        ids = by_file.get(id(source))
        if ids is None:
            ids = by_file[id(source)] = []
            sources.append(source)
        ids.append(paper.id)
    names = names or {}
    runs: list[tuple[list[FileRef], list[str]]] = []
    blobs: list[FileRef] = []
    ids: list[str] = []
    left = len(papers)
    size = _run_size(left, processes)
    for source, file_ids in zip(sources, by_file.values(), strict=True):
        name = None if source is None else names.get(id(source)) or str(source)
        digest = files.get(name) if name is not None else None
        ids += file_ids
        if digest is not None and len(file_ids) <= size:
            blobs.append((name, digest))  # type: ignore[arg-type]
        else:  # no copies: cut anywhere, and a big file over several runs
            while len(ids) > size:
                runs.append((blobs, ids[:size]))
                blobs, ids, left = [], ids[size:], left - size
                size = _run_size(left, processes)
        if len(ids) >= size:
            runs.append((blobs, ids))
            blobs, left = [], left - len(ids)
            ids = []
            size = _run_size(left, processes)
    if ids:
        runs.append((blobs, ids))
    empty: tuple = ()
    get = pages.get
    return [(blobs, run, [item for i in run for item in get(i, empty)]) for blobs, run in runs]


def _paper_chunk(task: PaperTask) -> tuple[Taken, Done]:
    assert _renderer is not None and _writer is not None and _records is not None
    blobs, paper_ids, pages = task
    slot = _slot
    read = read_many([slot(name, digest) for name, digest in blobs])  # one query a run
    copies = [paper for papers in read for _, paper in papers or ()]
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
    parse_cache: ParseCache | None = None,
    later: Callable[[], list[tuple[Output, str | None]]] | None = None,
) -> None:
    """Render and write every (output, key) of ``todo``, and of ``later()``:
    outputs that need not be planned before the paper pages start rendering.
    ``parse_cache`` holds each content file's papers (the load's)."""
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

    global _renderer, _writer, _wanted, _records, _slot
    _renderer, _writer, _wanted = renderer, writer, feedrecords.wanted(renderer)
    _records = RecordFile(context)
    records = renderer.memo[RECORDS] = Records(_records.fd)
    renderer.keep_cards_in(_records)  # read back where a list shows them, not held by any process
    try:
        pages: dict[str, list[tuple[Output, str | None]]] = {}  # paper id -> its outputs (WITH_PAPER)
        rest: list[tuple[Output, str | None]] = []
        for item in todo:
            output = item[0]
            if output.kind in WITH_PAPER:
                paper_id = output.key[0]
                got = pages.get(paper_id)
                if got is None:
                    pages[paper_id] = [item]
                else:
                    got.append(item)
            else:
                rest.append(item)
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

        copies = parse_cache is not None and len(renderer.site.papers) >= COPIES_FROM
        names = path_names() if copies else {}
        files = parse_cache.digests() if parse_cache is not None and copies else {}
        tasks = _paper_tasks(renderer.site.papers, pages, files, workers, names)
        del files  # a name a content file: let go before the fork (the runs hold theirs)
        if parse_cache is not None:
            _slot = parse_cache.slot
        if copies:  # the pages render from copies: abstracts, links and sources read back where shown
            renderer.set_aside = SetAside(_records)
            renderer.set_aside.set_aside(renderer.site.papers, names)
            forget_paths()  # the loader's table of the sources' Paths
        del names
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
        _wanted, _slot = {}, Slot
