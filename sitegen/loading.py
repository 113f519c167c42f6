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
from typing import Any

from . import dates, simpleyaml
from .cache import ParseCache, content_digest, pickle_papers
from .cacherows import vouched
from .config import Config
from .documents import DOCUMENT_SUFFIXES, KeyPath, load_document
from .entries import ENTRY_DIGEST, Entry, File, kind
from .errors import ContentError, Problem
from .loader import Loader, same_citation_keys
from .model import Paper, sharing, unflatten
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
    with loader.unpickling():  # papers from the cache or a fork: made of shared values as unpickled
        meanwhile = _load(loader, config, cache, workers, meanwhile, seen)
    simpleyaml.forget()  # the build keeps no table of the reader's or the checks' past the load
    dates.forget()
    if cache is not None:
        cache.flush()
    if meanwhile is not None:
        meanwhile()
    loader.report_duplicates()
    loader.problems += same_citation_keys(loader.papers)
    if loader.problems:
        raise ContentError(loader.problems)
    return loader.papers


def _load(
    loader: Loader,
    config: Config,
    cache: ParseCache | None,
    workers: int,
    meanwhile: Callable[[], object] | None,
    seen: Seen | None,
) -> Callable[[], object] | None:
    """Every file's papers and problems into ``loader``; ``meanwhile``, if it is still to run."""
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
    return meanwhile


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
    shared: bool = False  # unpickled during a load (model.sharing): made of its shared values


def check_file(
    config: Config, path: Path, shown: str, raw: bytes, flat: bool = False, digest: str = ""
) -> Checked:
    """Parse one file and validate its entries; problems name the file, line and
    field. With ``flat``, each paper is a model.Flat, to be pickled. ``digest``:
    content_digest(raw), if the caller made it (a one-paper file's paper digest
    is made from it, not from hashing the same text again)."""
    doc = load_document(path, shown, raw, config.limits)
    if doc.problems and doc.data is None:
        return Checked(None, [], doc.problems)
    data = doc.data
    # Problems that left data to check (an unquoted impossible date): the rest is checked too.
    problems: list[Problem] = list(doc.problems)
    loaded: list[tuple[KeyPath, Paper]] = []
    ids: list[tuple[KeyPath, str]] = []
    file = File(path, doc, config, problems, flat)

    def entry(at: KeyPath, item: dict, source: str | None = None, digest: str | None = None) -> None:
        checker = Entry(file, at)
        paper = checker.check(item, source, digest)
        if checker.id is not None:
            ids.append((at, checker.id))
        if paper is not None:
            loaded.append((at, paper))

    if isinstance(data, dict):
        # The file is the entry: the digest of its bytes is the entry's.
        entry((), data, doc.text, (digest or content_digest(raw))[:ENTRY_DIGEST])
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
    if cached is not None and vouched(cached):
        return _from_cache(cached, digest)
    # Made as they pickle (the cache row), then each a Paper as unpickling makes
    # it: once, of the load's shared values, as a fork's papers are (loadforks).
    checked = check_file(config, path, shown, raw, flat=True, digest=digest)
    checked.digest = digest
    if checked.papers is not None:
        cache.add(shown, digest, pickle_papers(checked.papers))
        checked.papers = [(at, unflatten(flat)) for at, flat in checked.papers]
        checked.shared = sharing()
    return checked


def _from_cache(papers: list[tuple[KeyPath, Paper]], digest: str) -> Checked:
    return Checked(papers, [(at, paper.id) for at, paper in papers], [], digest, True, sharing())


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
        if cached is not None and vouched(cached):
            checked.append(_from_cache(cached, digest))
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
