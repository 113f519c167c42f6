"""Content files -> a validated list of Paper values.

Every file under ``content/papers/`` is parsed and every entry checked; all
problems from all files are collected and raised together as one
ContentError, each with its file, line and field. The happy path is kept
cheap (a dict dispatch per field, no line lookups): sites hold 100k papers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from . import routes, simpleyaml
from .cache import ParseCache, content_digest, pickle_papers
from .config import Config
from .documents import DOCUMENT_SUFFIXES, Document, KeyPath, load_document
from .entries import Entry, File, kind
from .errors import ContentError, Problem
from .limits import Limits
from .model import Paper, SharedValues
from .processes import fork_context
from .safefiles import UnsafeFile, read_ahead, read_regular, real_roots, walk

PAPERS_DIR = "papers"


# Below this many files to parse, starting worker processes costs more than it saves.
PARALLEL_PARSE_FILES = 64


def load_papers(
    config: Config,
    cache: ParseCache | None = None,
    workers: int = 1,
    meanwhile: Callable[[], object] | None = None,
    seen: Seen | None = None,
) -> list[Paper]:
    """All papers of the site, in file order then in-file order.

    Raises ContentError listing every problem in every file. With a ``cache``,
    files whose bytes are unchanged since the last load are not parsed again;
    with ``workers`` > 1, many files are parsed across processes, and
    ``meanwhile`` runs here once they have started (else after loading).
    With ``seen`` (the files as the up-to-date check listed, read and hashed
    them), those files are loaded, not listed again, and each one's papers are
    taken from the cache by the digest the check took, unread; ``seen.changed``
    gets the digest of each file the load found changed since.
    """
    assert seen is None or cache is not None, "only a load that hashes its files can tell what changed"
    loader = Loader(config, cache, seen)
    if _in_forks(workers, config, cache):
        from .loadforks import load_in_workers  # only a parallel load needs it

        load_in_workers(loader, workers, meanwhile)  # lists the files in a fork, unless seen
        meanwhile = None
    elif seen is not None:
        assert cache is not None
        for start in range(0, len(seen.files), KNOWN_BATCH):
            batch = seen.files[start : start + KNOWN_BATCH]
            for (shown, path), checked in zip(
                batch, check_known(config, batch, seen.digests, cache), strict=True
            ):
                loader.take(path, shown, checked)
    else:
        paths = load_listing(config, loader.problems)
        for (shown, path), got in zip(paths, reads(config, paths), strict=True):
            loader.take(path, shown, check_read(config, shown, path, got, cache))
    simpleyaml.forget()  # the build keeps no table of the reader's past the load
    if cache is not None:
        cache.flush()
    if meanwhile is not None:
        meanwhile()
    loader.report_duplicates()
    loader.problems += _same_citation_keys(loader.papers)
    if loader.problems:
        raise ContentError(loader.problems)
    return loader.papers


@dataclass
class Seen:
    """The content files as the up-to-date check listed them (content_files:
    (name, path) in load order) and the digest of each one's bytes as it read
    them (cache.file_digests). ``changed``: name -> digest of the bytes the
    load took, for each file whose bytes the load found other than the check's."""

    files: list[tuple[str, Any]]
    digests: dict[str, str]
    changed: dict[str, str] = field(default_factory=dict)

    def loaded(self) -> dict[str, str]:
        """Name -> digest of each file as the load took it."""
        return {**self.digests, **self.changed}


@dataclass
class Checked:
    """One content file parsed and every entry validated, in whichever process
    did it: the papers, or the problems."""

    # [(KeyPath, Paper)]; None if the file had problems.
    papers: list[tuple[KeyPath, Paper]] | None
    ids: list[tuple[KeyPath, str]]  # every id given, for duplicate checks across files
    problems: list[Problem]
    digest: str = ""  # of the file's bytes, when read for the parse cache
    cached: bool = False  # the papers came from the parse cache


def check_file(config: Config, path: Path, shown: str, raw: bytes, flat: bool = False) -> Checked:
    """Parse one file and validate its entries; problems name the file, line and
    field. With ``flat``, each paper is a model.Flat, to be pickled."""
    doc = load_document(path, shown, raw, config.limits)
    if doc.problems and doc.data is None:
        return Checked(None, [], doc.problems)
    data = doc.data
    # Problems that left data to check (an unquoted impossible date): the rest is checked too.
    problems: list[Problem] = list(doc.problems)
    loaded: list[tuple[KeyPath, Paper]] = []
    ids: list[tuple[KeyPath, str]] = []
    file = File(path, doc, config, problems, flat)

    def entry(at: KeyPath, item: dict, source: str | None = None) -> None:
        checker = Entry(file, at)
        paper = checker.check(item, source)
        if checker.id is not None:
            ids.append((at, checker.id))
        if paper is not None:
            loaded.append((at, paper))

    if isinstance(data, dict):
        entry((), data, doc.text)  # the file is the entry: its text is the entry's text
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
    return Checked(loaded, ids, problems)


def reads(config: Config, files: list[tuple[str, Any]]) -> Iterator[bytes | UnsafeFile]:
    """Each file's bytes, in order, or why it is not read (safefiles.read_ahead:
    the next files are asked of the disk while this one is checked)."""
    return read_ahead([path for _, path in files], config.limits.file_size)


def refused(shown: str, why: UnsafeFile) -> Checked:
    """A file the load would not read (a link, a pipe, too big...), as its one problem."""
    return Checked(None, [], [Problem(str(why), shown)])


def check_read(
    config: Config, shown: str, path: Path, got: bytes | UnsafeFile, cache: ParseCache | None
) -> Checked:
    """Take one file's papers from the parse cache, else check its bytes (and
    add its papers to the cache); ``got`` is what reads() gave for it."""
    if isinstance(got, UnsafeFile):
        return refused(shown, got)
    raw = got
    if cache is None:
        return check_file(config, path, shown, raw)
    digest = content_digest(raw)
    cached = cache.get(shown, digest)
    if cached is not None:
        return Checked(cached, [(at, paper.id) for at, paper in cached], [], digest, cached=True)
    checked = check_file(config, path, shown, raw)
    checked.digest = digest
    if checked.papers is not None:
        cache.add(shown, digest, pickle_papers(checked.papers))
    return checked


# Files whose cache rows are asked for in one query (their pickled papers held meanwhile).
KNOWN_BATCH = 256


def check_known(
    config: Config, files: list[tuple[str, Any]], digests: dict[str, str], cache: ParseCache
) -> list[Checked]:
    """check_read of each of ``files`` (name, path), whose bytes the up-to-date
    check read and hashed (``digests``): its papers from the parse cache by
    that digest, the file not read again; else the file is read again, and its
    bytes as read now are checked (check_read: from the cache by their own
    digest, or parsed), with every problem reading it raises (safefiles: a
    link, a pipe, too big...)."""
    known = [(shown, digests[shown]) for shown, _ in files]
    checked = []
    for (shown, path), (_, digest), cached in zip(files, known, cache.get_many(known), strict=True):
        if cached is not None:
            checked.append(Checked(cached, [(at, paper.id) for at, paper in cached], [], digest, cached=True))
            continue
        try:
            got: bytes | UnsafeFile = read_regular(path, config.limits.file_size)
        except UnsafeFile as why:
            got = why
        checked.append(check_read(config, shown, path, got, cache))
    return checked


def _in_forks(workers: int, config: Config, cache: ParseCache | None) -> bool:
    """Whether to check files in forked processes too, besides this one: when
    most of many files will need it (no parse cache, or an empty one). Told
    before the listing, which a fork makes: from the papers folder's own
    entries (a folder in it, or PARALLEL_PARSE_FILES files)."""
    cold = cache is None or not cache.has_entries()
    return workers > 1 and cold and fork_context() is not None and _many_files(config)


def _many_files(config: Config) -> bool:
    count = 0
    try:
        with os.scandir(config.site_dir / config.content_dir / PAPERS_DIR) as entries:
            for entry in entries:
                count += 1
                if count >= PARALLEL_PARSE_FILES or entry.is_dir():
                    return True
    except OSError:
        return False  # the listing says why
    return count >= PARALLEL_PARSE_FILES


def load_listing(config: Config, problems: list[Problem]) -> list[tuple[str, str]]:
    """The load's listing: neither a size check nor a Path a file (the reads
    check sizes, with the same message)."""
    return _listing(config, problems, sizes=False, path_type=str)


def listing_roots(config: Config) -> tuple[str, str]:
    """(the papers folder's path, its name as shown): a file the listing finds
    under it, not through a link, has the path ``path + shown[len(name):]``."""
    root = config.site_dir / config.content_dir / PAPERS_DIR
    return str(root), _shown(root, config.site_dir)


def content_files(config: Config, path_type: Callable[[str], Any] = Path) -> list[tuple[str, Any]]:
    """(name shown to the user, path to read, made by ``path_type``) of every
    paper file of the site, in load order; ContentError if any is one sitegen
    will not read (see _listing)."""
    problems: list[Problem] = []
    files = _listing(config, problems, path_type=path_type)
    if problems:
        raise ContentError(problems)
    return files


def _listing(
    config: Config, problems: list[Problem], sizes: bool = True, path_type: Callable[[str], Any] = Path
) -> list[tuple[str, Any]]:
    """The paper files, sorted by their names (a folder's files together), hidden
    files and folders skipped; links that lead out of the site, pipes, devices
    and (with ``sizes``) files above limits.file_size go to ``problems``
    instead, unread. Paths to read are made by ``path_type``."""
    root = config.site_dir / config.content_dir / PAPERS_DIR
    shown_root = _shown(root, config.site_dir)
    if not os.path.lexists(root):
        return []
    if not root.is_dir():
        problems.append(Problem("expected a folder of paper files", shown_root))
        return []
    roots = real_roots([config.site_dir])
    limit = config.limits.file_size if sizes else None
    found, refused = walk(root, roots, _is_document, sizes=limit, path_type=path_type)
    problems += [Problem(why, "/".join((shown_root, *parts))) for parts, why in refused]
    return [("/".join((shown_root, *parts)), path) for parts, path in found]


def _is_document(name: str) -> bool:
    return name.lower().endswith(DOCUMENT_SUFFIXES)


def _shown(path: Path, site_dir: Path) -> str:
    try:
        return path.relative_to(site_dir).as_posix()
    except ValueError:
        return path.as_posix()


class _Place(NamedTuple):
    """Where an id was first given; the line is looked up only if it is duplicated.
    (A tuple: one a paper, made in ~0.3 µs where a frozen dataclass took ~1.5.)"""

    path: Path
    shown: str
    at: KeyPath
    id: str


class Loader:
    """Collects papers and problems across all files of one site."""

    def __init__(self, config: Config, cache: ParseCache | None = None, seen: Seen | None = None) -> None:
        self.config = config
        self.cache = cache
        self.seen = seen
        self.papers: list[Paper] = []
        self.problems: list[Problem] = []
        self.ids: dict[str, _Place] = {}
        self.duplicates: list[tuple[_Place, _Place]] = []  # (first, again)
        self._shared = SharedValues()  # equal small values made one, as papers come in

    def take(self, path: Path, shown: str, checked: Checked) -> None:
        """Take in one file, checked or from the parse cache, in this process or a worker."""
        self._took(shown, checked.digest)
        for at, paper_id in checked.ids:
            self.register(path, shown, at, paper_id)
        self.problems.extend(checked.problems)
        if checked.papers is not None:
            share = self._shared.share
            self.papers.extend(share(paper) for _, paper in checked.papers)

    def take_papers(self, path: Path, shown: str, papers: list[tuple[KeyPath, Paper]], digest: str) -> None:
        """Take in the papers of a file without problems (a worker's), whose bytes had ``digest``."""
        self._took(shown, digest)
        for at, paper in papers:
            self.register(path, shown, at, paper.id)
            self.papers.append(self._shared.share(paper))

    def _took(self, shown: str, digest: str) -> None:
        """Note a file's digest as the load took it, if it is not the check's."""
        seen = self.seen
        if seen is not None and seen.digests.get(shown) != digest:
            seen.changed[shown] = digest

    def register(self, path: Path, shown: str, at: KeyPath, paper_id: str) -> None:
        place = _Place(path, shown, at, paper_id)
        key = routes.checked_id_key(paper_id)  # entries._id checked it: read, unpickled or cached
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


def _same_citation_keys(papers: list[Paper]) -> list[Problem]:
    """A ``citation_key`` fixed by hand on two papers (ignoring letter case)."""
    first: dict[str, Paper] = {}
    problems = []
    for paper in papers:
        if paper.citation_key:
            other = first.setdefault(paper.citation_key.casefold(), paper)
            if other is not paper:
                message = (
                    f"citation key '{paper.citation_key}' is also the key of '{other.id}' ({other.source})"
                )
                problems.append(Problem(message, str(paper.source), None, "citation_key"))
    return problems


def _reload(docs: dict[Path, Document], place: _Place, limits: Limits) -> Document:
    # Documents are not kept for the whole load (memory at 100k papers); this is the rare error path.
    if place.path not in docs:
        docs[place.path] = load_document(place.path, place.shown, limits=limits)
    return docs[place.path]
