"""Content files -> a validated list of Paper values.

Every file under ``content/papers/`` is parsed and every entry checked; all
problems from all files are collected and raised together as one
ContentError, each with its file, line and field. The happy path is kept
cheap (a dict dispatch per field, no line lookups): sites hold 100k papers.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import routes
from .cache import ParseCache, content_digest, pickle_papers, read_papers, write_papers
from .config import Config
from .documents import DOCUMENT_SUFFIXES, Document, KeyPath, load_document
from .entries import Entry, File, kind
from .errors import ContentError, Problem
from .limits import Limits
from .model import Paper
from .processes import chunks, fork_context
from .safefiles import UnsafeFile, read_regular, real_roots, walk

if TYPE_CHECKING:  # the no-change path imports this module and need not pay for it
    import multiprocessing.pool

PAPERS_DIR = "papers"


# Below this many files to parse, starting worker processes costs more than it saves.
PARALLEL_PARSE_FILES = 64


def load_papers(
    config: Config,
    cache: ParseCache | None = None,
    workers: int = 1,
    meanwhile: Callable[[], object] | None = None,
) -> list[Paper]:
    """All papers of the site, in file order then in-file order.

    Raises ContentError listing every problem in every file. With a ``cache``,
    files whose bytes are unchanged since the last load are not parsed again;
    with ``workers`` > 1, many files are parsed across processes, and
    ``meanwhile`` runs here once they have started (else after loading).
    """
    loader = _Loader(config, cache)
    paths = _listing(config, loader.problems)
    with _checker_pool(config, workers, len(paths), cache) as pool:
        if pool is not None:
            _load_in_workers(loader, paths, pool, meanwhile)
            meanwhile = None
        else:
            _load_here(loader, paths)
    if meanwhile is not None:
        meanwhile()
    loader.report_duplicates()
    if loader.problems:
        raise ContentError(loader.problems)
    return loader.papers


@dataclass
class Checked:
    """One content file parsed and every entry validated, in whichever process
    did it: the papers (pickled, ready for the parse cache) or the problems."""

    # Pickled [(KeyPath, Paper)]; None if the file had problems, or if a worker left them only in slot.
    papers: bytes | None
    ids: list[tuple[KeyPath, str]]  # every id given, for duplicate checks across files
    problems: list[Problem]
    cached: bool = False  # the papers were written to the parse cache
    slot: Path | None = None  # where they were written, when a worker left them only there
    digest: str = ""  # of the file's bytes, when a worker read them


def check_file(config: Config, path: Path, shown: str, raw: bytes, slot: Path | None = None) -> Checked:
    """Parse one file and validate its entries; problems name the file, line and field.

    A file without problems has its papers written to the parse cache ``slot``
    right here: in a worker, that is parallel, and the parent need not hold
    every file's pickle until the build ends (memory at 100k papers)."""
    doc = load_document(path, shown, raw, config.limits)
    if doc.problems and doc.data is None:
        return Checked(None, [], doc.problems)
    data = doc.data
    # Problems that left data to check (an unquoted impossible date): the rest is checked too.
    problems: list[Problem] = list(doc.problems)
    loaded: list[tuple[KeyPath, Paper]] = []
    ids: list[tuple[KeyPath, str]] = []
    file = File(path, doc, config, problems)

    def entry(at: KeyPath, item: dict, source: str | None = None) -> None:
        checker = Entry(file, at)
        paper = checker.check(item, source)
        if checker.id is not None:
            ids.append((at, checker.id))
        if paper is not None:
            loaded.append((at, paper))

    if isinstance(data, dict):
        entry((), data)
    elif isinstance(data, list):
        sources = doc.entry_texts or [None] * len(data)
        for index, item in enumerate(data):
            if isinstance(item, dict):
                entry((index,), item, sources[index])
            else:
                message = f"expected a mapping (one paper), got {kind(item)}"
                problems.append(Problem(message, shown, doc.line_at((index,))))
    elif data is not None:
        message = f"expected a mapping (one paper) or a list of papers, got {kind(data)}"
        problems.append(Problem(message, shown, doc.line_at(())))
    if problems:  # only files without problems are cached: errors are always found afresh
        if doc.problems:  # a field the document refused is not reported again by its entry
            said = {(p.line, p.field) for p in doc.problems}
            problems[len(doc.problems) :] = [
                p for p in problems[len(doc.problems) :] if (p.line, p.field) not in said
            ]
        return Checked(None, ids, problems)
    papers = pickle_papers(loaded)
    return Checked(papers, ids, problems, slot is not None and write_papers(slot, papers))


def _read_and_check(config: Config, cache: ParseCache | None, shown: str, path: Path) -> Checked:
    """``check_file`` in a worker, from the file's name: the worker reads and
    hashes the file itself, and leaves the papers in their parse-cache slot for
    the parent to read there.

    Handing ~0.4 MB of files out and ~0.6 MB of pickles back through the
    pool's pipes, 64 KB at a time, kept each worker waiting ~15% of a cold
    load for the parent's threads, which take turns at the GIL."""
    problems: list[Problem] = []
    raw = _read(shown, path, problems, config.limits.file_size)
    if raw is None:
        return Checked(None, [], problems)
    digest = content_digest(raw)
    slot = cache.slot_of(shown, digest) if cache is not None else None
    checked = check_file(config, path, shown, raw, slot)
    checked.digest = digest
    if checked.cached:
        checked.papers, checked.slot = None, slot
    return checked


def _check_batch(items: list[tuple[str, Path]]) -> list[Checked]:
    assert _worker_config is not None
    return [_read_and_check(_worker_config, _worker_cache, shown, path) for shown, path in items]


# What a forked checker inherits.
_worker_config: Config | None = None
_worker_cache: ParseCache | None = None


@contextlib.contextmanager
def _checker_pool(
    config: Config, workers: int, files: int, cache: ParseCache | None
) -> Iterator[multiprocessing.pool.Pool | None]:
    """Worker processes to check files with, when most of many files will need it
    (no parse cache, or an empty one); otherwise None.

    Forked before any content file is read: a fork keeps its own copy of all
    the parent held, and workers forked after reading kept every file's bytes
    (1.4 GiB summed over the processes at 100k papers)."""
    global _worker_config, _worker_cache
    context = fork_context()
    cold = cache is None or not cache.has_entries()
    if workers <= 1 or files < PARALLEL_PARSE_FILES or context is None or not cold:
        yield None
        return
    _worker_config, _worker_cache = config, cache
    try:
        # The build keeps the cyclic GC off while the parent loads (its papers all
        # live on); a worker's garbage does not, and it inherits "off".
        with context.Pool(workers, initializer=gc.enable) as pool:
            yield pool
    finally:
        _worker_config = _worker_cache = None


def _read(shown: str, path: Path, problems: list[Problem], limit: int) -> bytes | None:
    try:
        return read_regular(path, limit)  # a FIFO put there since the listing does not block
    except UnsafeFile as exc:
        problems.append(Problem(str(exc), shown))
        return None


def _load_here(loader: _Loader, paths: list[tuple[str, Path]]) -> None:
    """Load every file in this process, from the parse cache where it can."""
    for shown, path in paths:
        raw = _read(shown, path, loader.problems, loader.config.limits.file_size)
        if raw is not None:
            loader.load_file(path, shown, raw)


def _load_in_workers(
    loader: _Loader,
    paths: list[tuple[str, Path]],
    pool: multiprocessing.pool.Pool,
    meanwhile: Callable[[], object] | None,
) -> None:
    """Read, parse and validate every file in ``pool`` (a cold load: the cache
    has nothing), taking the results in file order."""
    batches = chunks(paths, 8)
    for batch, results in zip(batches, pool.imap(_check_batch, batches), strict=True):
        for (shown, path), checked in zip(batch, results, strict=True):
            loader.load_checked(path, shown, checked)
            if meanwhile is not None:
                meanwhile()  # the workers are busy now: this process would only wait
                meanwhile = None
    if meanwhile is not None:
        meanwhile()


def content_files(config: Config) -> list[tuple[str, Path]]:
    """(name shown to the user, path to read) of every paper file of the site, in
    load order; ContentError if any is one sitegen will not read (see _listing)."""
    problems: list[Problem] = []
    files = _listing(config, problems)
    if problems:
        raise ContentError(problems)
    return files


def _listing(config: Config, problems: list[Problem]) -> list[tuple[str, Path]]:
    """The paper files, sorted by their names (a folder's files together), hidden
    files and folders skipped; links that lead out of the site, pipes, devices
    and files above limits.file_size go to ``problems`` instead, unread."""
    root = config.site_dir / config.content_dir / PAPERS_DIR
    shown_root = _shown(root, config.site_dir)
    if not os.path.lexists(root):
        return []
    if not root.is_dir():
        problems.append(Problem("expected a folder of paper files", shown_root))
        return []
    roots = real_roots([config.site_dir])
    found, refused = walk(root, roots, _is_document, sizes=config.limits.file_size)
    problems += [Problem(why, "/".join((shown_root, *parts))) for parts, why in refused]
    return [("/".join((shown_root, *parts)), path) for parts, path in found]


def _is_document(name: str) -> bool:
    return name.lower().endswith(DOCUMENT_SUFFIXES)


def _shown(path: Path, site_dir: Path) -> str:
    try:
        return path.relative_to(site_dir).as_posix()
    except ValueError:
        return path.as_posix()


@dataclass(frozen=True)
class _Place:
    """Where an id was first given; the line is looked up only if it is duplicated."""

    path: Path
    shown: str
    at: KeyPath
    id: str


class _Loader:
    """Collects papers and problems across all files of one site."""

    def __init__(self, config: Config, cache: ParseCache | None = None) -> None:
        self.config = config
        self.cache = cache
        self.papers: list[Paper] = []
        self.problems: list[Problem] = []
        self.ids: dict[str, _Place] = {}
        self.duplicates: list[tuple[_Place, _Place]] = []  # (first, again)

    def load_file(self, path: Path, shown: str, raw: bytes) -> None:
        """Take in one file: from the cache, else checked here."""
        cached = self.cache.get(shown, raw) if self.cache is not None else None
        if cached is not None:
            for at, paper in cached:
                self.register(path, shown, at, paper.id)
                self.papers.append(paper)
            return
        # The cache lacks the file, or its pickle could not be read.
        slot = self.cache.slot(shown, raw) if self.cache is not None else None
        checked = check_file(self.config, path, shown, raw, slot)
        self._take(path, shown, checked, pickle.loads(checked.papers) if checked.papers is not None else None)
        if self.cache is not None:
            if checked.cached:
                self.cache.written(shown, raw)
            else:
                self.cache.forget(shown)

    def load_checked(self, path: Path, shown: str, checked: Checked) -> None:
        """Take in one file a worker read and checked (see _read_and_check)."""
        loaded = None
        if checked.papers is not None:
            loaded = pickle.loads(checked.papers)
        elif checked.slot is not None:
            loaded = read_papers(checked.slot)
            if loaded is None:  # the slot went meanwhile (another build pruned it)
                raw = _read(shown, path, self.problems, self.config.limits.file_size)
                if raw is not None:
                    self.load_file(path, shown, raw)
                return
        self._take(path, shown, checked, loaded)
        if self.cache is not None and checked.cached:
            self.cache.written_digest(shown, checked.digest)

    def _take(self, path: Path, shown: str, checked: Checked, loaded: list | None) -> None:
        for at, paper_id in checked.ids:
            self.register(path, shown, at, paper_id)
        self.problems.extend(checked.problems)
        if loaded is not None:
            self.papers.extend(paper for _, paper in loaded)

    def register(self, path: Path, shown: str, at: KeyPath, paper_id: str) -> None:
        place = _Place(path, shown, at, paper_id)
        key = routes.paper_slug(paper_id).casefold()
        first = self.ids.setdefault(key, place)
        if first is not place:
            self.duplicates.append((first, place))

    def report_duplicates(self) -> None:
        """One problem per repeated id, at the repeat, naming the first place."""
        docs: dict[Path, Document] = {}
        for first, again in self.duplicates:
            first_line = _reload(docs, first, self.config.limits).line_at(first.at + ("id",))
            where = f"{first.shown}:{first_line}" if first_line else first.shown
            if first.id == again.id:
                message = f"duplicate id '{again.id}' (also in {where})"
            else:
                message = f"duplicate id '{again.id}' (same page as '{first.id}' in {where})"
            line = _reload(docs, again, self.config.limits).line_at(again.at + ("id",))
            self.problems.append(Problem(message, again.shown, line, "id"))


def _reload(docs: dict[Path, Document], place: _Place, limits: Limits) -> Document:
    # Documents are not kept for the whole load (memory at 100k papers); this is the rare error path.
    if place.path not in docs:
        docs[place.path] = load_document(place.path, place.shown, limits=limits)
    return docs[place.path]
