"""Content files -> a validated list of Paper values.

Every file under ``content/papers/`` is parsed and every entry checked; all
problems from all files are collected and raised together as one
ContentError, each with its file, line and field. The happy path is kept
cheap (a dict dispatch per field, no line lookups): sites hold 100k papers.
"""

from __future__ import annotations

import contextlib
import difflib
import gc
import hashlib
import os
import pickle
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import routes
from .cache import ParseCache, content_digest, pickle_papers, read_papers, write_papers
from .config import Config
from .documents import DOCUMENT_SUFFIXES, Document, KeyPath, field_name, load_document
from .errors import ContentError, Problem
from .limits import Limits, character_problem, nested_problem, show
from .model import Author, Paper
from .processes import chunks, fork_context
from .safefiles import UnsafeFile, read_regular, real_roots, walk
from .urls import check_url

if TYPE_CHECKING:  # the no-change path imports this module and need not pay for it
    import multiprocessing.pool

PAPERS_DIR = "papers"

# What browsers strip around a URL, and drop inside one, before finding its scheme.
_URL_STRIP = "".join(map(chr, range(0x21)))
_DATE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?\s*([Zz]|[+-]\d{2}:?\d{2})?)?"
)
_INVALID = object()  # a checker's "already reported" result


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
    if doc.problems:
        return Checked(None, [], doc.problems)
    data = doc.data
    problems: list[Problem] = []
    loaded: list[tuple[KeyPath, Paper]] = []
    ids: list[tuple[KeyPath, str]] = []
    file = _File(path, doc, config, problems)

    def entry(at: KeyPath, item: dict, source: str | None = None) -> None:
        checker = _Entry(file, at)
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
                message = f"expected a mapping (one paper), got {_kind(item)}"
                problems.append(Problem(message, shown, doc.line_at((index,))))
    elif data is not None:
        message = f"expected a mapping (one paper) or a list of papers, got {_kind(data)}"
        problems.append(Problem(message, shown, doc.line_at(())))
    if problems:  # only files without problems are cached: errors are always found afresh
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


class _File:
    """What every entry of one file shares."""

    __slots__ = ("path", "doc", "source", "tz", "limits", "problems", "short")

    def __init__(self, path: Path, doc: Document, config: Config, problems: list[Problem]) -> None:
        self.path = path  # on disk
        self.doc = doc
        self.source = Path(doc.path)  # as shown to the user
        self.tz = config.timezone
        self.limits = config.limits
        self.problems = problems
        # A string no longer than this, in a clean file (or printable), needs no
        # closer look: a comparison or two a string, and sites hold millions.
        lengths = config.limits
        self.short = min(lengths.name_length, lengths.field_length, lengths.text_length)


class _Entry:
    """Checks one paper mapping; problems go to the shared list."""

    __slots__ = ("file", "doc", "at", "tz", "limits", "clean", "short", "problems", "id")

    def __init__(self, file: _File, at: KeyPath) -> None:
        self.file = file
        self.doc = file.doc
        self.at = at
        self.tz = file.tz
        self.limits = file.limits
        self.clean = file.doc.clean  # no string of the file can hold a forbidden character
        self.short = file.short
        self.problems = file.problems
        self.id: str | None = None

    def report(self, where: KeyPath, message: str) -> None:
        line = self.doc.line_at(self.at + where)
        self.problems.append(Problem(message, self.doc.path, line, field_name(where) or None))

    def check(self, data: dict, source: str | None = None) -> Paper | None:
        """The paper, or None once its problems are reported; ``source`` is the
        entry's text as written, if known (its digest is made from that)."""
        before = len(self.problems)
        values: dict[str, Any] = {}
        for key, raw in data.items():
            checker = _FIELDS.get(key) if isinstance(key, str) else None
            if checker is None:
                self.report((str(key),), f"unknown field{_suggest(str(key))}")
                continue
            if raw is None:
                if key in _REQUIRED:
                    self.report((key,), "must not be empty")
                continue  # an empty optional field ("note:") means not given
            value = checker(self, (key,), raw)
            if value is not _INVALID:
                values[key] = value
        for key in _REQUIRED:
            if key not in data:
                line = self.doc.line_at(self.at)
                self.problems.append(Problem("required field is missing", self.doc.path, line, key))
        self.id = values.get("id")
        if len(self.problems) > before:
            return None
        when = values["date"]
        # The entry's own text (or data), so editing one paper of a daily file
        # changes only its pages. Hashing the text is ~15 µs cheaper than repr().
        digest = hashlib.blake2b(
            (source if source is not None else repr(data)).encode("utf-8"), digest_size=12
        ).hexdigest()
        return Paper(day=when.astimezone(self.tz).date(), source=self.file.source, digest=digest, **values)


# --- field checkers: (entry, where, raw value) -> value, or _INVALID once reported ---


def _show(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return show(value)


def _kind(value: Any) -> str:
    """'a string', 'a list', ...: for values of the wrong shape where a whole paper was expected."""
    if isinstance(value, str):
        return f"a string ({_show(value)})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool) or value is None:
        return _show(value)
    return f"{type(value).__name__} {_show(value)}"


def _suggest(key: str) -> str:
    close = difflib.get_close_matches(key, list(_FIELDS), n=1, cutoff=0.6)
    if close:
        return f" (did you mean '{close[0]}'?)"
    return "; custom data goes under 'extra'"


def _id(entry: _Entry, where: KeyPath, raw: Any) -> Any:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        # YAML/JSON read 2403.09630 as the number 2403.0963: the id would silently change.
        text = entry.doc.source_at(entry.at + where) or "2403.09629"
        entry.report(where, f'expected a string, got a number; quote arXiv ids such as "{text}"')
        return _INVALID
    if not isinstance(raw, str):
        entry.report(where, f"expected a string, got {_show(raw)}")
        return _INVALID
    paper_id = raw.strip()
    if not paper_id:
        entry.report(where, "must not be empty")
        return _INVALID
    if not routes.is_valid_id(paper_id):
        entry.report(
            where,
            f"invalid id {_show(paper_id)}: use letters, digits, '.', '_' and '-', starting with a letter "
            "or digit (or an old arXiv id such as 'hep-th/9901001')",
        )
        return _INVALID
    return paper_id


def _bad_text(entry: _Entry, where: KeyPath, text: str, limit: str) -> bool:
    """Report ``text`` if it is longer than limits.<limit> or holds a forbidden character."""
    most = getattr(entry.limits, limit)
    if len(text) > most:
        entry.report(where, f"{len(text):,} characters, more than limits.{limit} ({most:,})")
        return True
    problem = None if entry.clean else character_problem(text)
    if problem:
        entry.report(where, problem)
    return problem is not None


def _one_line(entry: _Entry, where: KeyPath, raw: Any, limit: str) -> Any:
    if not isinstance(raw, str):
        entry.report(where, f"expected a string, got {_show(raw)}")
        return _INVALID
    if (len(raw) > entry.short or not (entry.clean or raw.isprintable())) and _bad_text(
        entry, where, raw, limit
    ):
        return _INVALID
    title = " ".join(raw.split())  # titles come wrapped across lines
    if not title:
        entry.report(where, "must not be empty")
        return _INVALID
    return title


def _title(entry: _Entry, where: KeyPath, raw: Any) -> Any:
    return _one_line(entry, where, raw, "field_length")


def _name(entry: _Entry, where: KeyPath, raw: Any) -> Any:
    return _one_line(entry, where, raw, "name_length")


def _text(entry: _Entry, where: KeyPath, raw: Any, limit: str = "field_length") -> Any:
    if not isinstance(raw, str):
        entry.report(where, f"expected a string, got {_show(raw)}")
        return _INVALID
    return (
        _INVALID
        if (len(raw) > entry.short or not (entry.clean or raw.isprintable()))
        and _bad_text(entry, where, raw, limit)
        else raw
    )


def _long_text(entry: _Entry, where: KeyPath, raw: Any) -> Any:
    return _text(entry, where, raw, "text_length")


def _date(entry: _Entry, where: KeyPath, raw: Any) -> Any:
    moment = _to_datetime(raw, entry.tz)
    if isinstance(moment, str):
        entry.report(where, moment)
        return _INVALID
    return moment


def _to_datetime(raw: Any, tz: tzinfo) -> datetime | str:
    """An aware datetime, or a message. Date-only and naive values mean the site's timezone."""
    if isinstance(raw, datetime):
        return raw if raw.tzinfo is not None else raw.replace(tzinfo=tz)
    if isinstance(raw, date):
        return datetime(raw.year, raw.month, raw.day, tzinfo=tz)
    if not isinstance(raw, str):
        return f"expected a date such as 2025-03-14 or 2025-03-14T09:30:00Z, got {_show(raw)}"
    text = raw.strip()
    match = _DATE.fullmatch(text)
    if not match:
        return f"expected a date such as 2025-03-14 or 2025-03-14T09:30:00Z, got {_show(raw)}"
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        zone = _offset(offset) if offset else tz
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0").ljust(6, "0")),
            tzinfo=zone,
        )
    except ValueError as exc:
        return f"impossible date '{text}' ({exc})"


def _offset(text: str) -> timezone:
    if text in ("Z", "z"):
        return timezone.utc
    digits = text[1:].replace(":", "")
    delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    if delta >= timedelta(hours=24) or int(digits[2:]) >= 60:
        raise ValueError("time zone offset out of range")
    return timezone(-delta if text[0] == "-" else delta)


def _strings(entry: _Entry, where: KeyPath, raw: Any, what: str) -> list[str] | None:
    """A list of stripped, non-empty strings; None once a problem is reported."""
    if not isinstance(raw, list):
        entry.report(where, f"expected a list of {what}, got {_show(raw)}")
        return None
    result: list[str] = []
    ok = True
    for index, item in enumerate(raw):
        if not isinstance(item, str) or not item.strip():
            got = "an empty string" if isinstance(item, str) else _show(item)
            entry.report(where + (index,), f"expected a non-empty string, got {got}")
            ok = False
        elif (len(item) > entry.short or not (entry.clean or item.isprintable())) and _bad_text(
            entry, where + (index,), item, "name_length"
        ):
            ok = False
        else:
            result.append(item.strip())
    return result if ok else None


def _too_many(entry: _Entry, where: KeyPath, raw: list, limit: str) -> None:
    """Report a list of more than limits.<limit> items."""
    most = getattr(entry.limits, limit)
    entry.report(where, f"{len(raw):,} {limit}, more than limits.{limit} ({most:,})")


def _tags(entry: _Entry, where: KeyPath, raw: Any) -> Any:
    if isinstance(raw, list) and len(raw) > entry.limits.tags:  # each is a page and a feed
        _too_many(entry, where, raw, "tags")
        return _INVALID
    tags = _strings(entry, where, raw, "strings")
    return _INVALID if tags is None else tuple(dict.fromkeys(tags))  # first of each kept, in order


def _authors(entry: _Entry, where: KeyPath, raw: Any) -> Any:
    if not isinstance(raw, list):
        hint = "; give one name per item, e.g. [Ada Lovelace, Alan Turing]" if isinstance(raw, str) else ""
        entry.report(where, f"expected a list of names, got {_show(raw)}{hint}")
        return _INVALID
    if len(raw) > entry.limits.authors:
        _too_many(entry, where, raw, "authors")
        return _INVALID
    authors = [_author(entry, where + (index,), item) for index, item in enumerate(raw)]
    return tuple(authors) if all(author is not _INVALID for author in authors) else _INVALID


def _author(entry: _Entry, where: KeyPath, raw: Any) -> Any:
    if isinstance(raw, str):
        if (len(raw) > entry.short or not (entry.clean or raw.isprintable())) and _bad_text(
            entry, where, raw, "name_length"
        ):
            return _INVALID
        name = " ".join(raw.split())
        if name:
            return Author(name)
        entry.report(where, "expected a name, got an empty string")
        return _INVALID
    if not isinstance(raw, dict):
        entry.report(where, f"expected a name or a mapping with 'name', got {_show(raw)}")
        return _INVALID
    values: dict[str, Any] = {}
    ok = True
    for key, value in raw.items():
        checker = _AUTHOR_FIELDS.get(key) if isinstance(key, str) else None
        if checker is None:
            close = difflib.get_close_matches(str(key), list(_AUTHOR_FIELDS), n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else " (use name, affiliation, url)"
            entry.report(where + (str(key),), f"unknown field{hint}")
            ok = False
        elif value is not None or key == "name":
            values[key] = checker(entry, where + (key,), value)
            ok = ok and values[key] is not _INVALID
    if "name" not in raw:
        entry.report(where + ("name",), "required field is missing")
        ok = False
    return Author(**values) if ok else _INVALID


def _url(entry: _Entry, where: KeyPath, raw: Any) -> Any:
    if not isinstance(raw, str):
        entry.report(where, f"expected a URL string, got {_show(raw)}")
        return _INVALID
    if (len(raw) > entry.short or not (entry.clean or raw.isprintable())) and _bad_text(
        entry, where, raw, "text_length"
    ):
        return _INVALID
    problem = check_url(raw)
    if problem:
        entry.report(where, problem)
        return _INVALID
    return raw.strip(_URL_STRIP)


def _links(entry: _Entry, where: KeyPath, raw: Any) -> Any:
    if not isinstance(raw, dict):
        entry.report(where, f"expected a mapping of name: URL, got {_show(raw)}")
        return _INVALID
    links: list[tuple[str, str]] = []
    ok = True
    for name, value in raw.items():
        if not isinstance(name, str) or not name.strip():
            entry.report(where + (str(name),), f"link name must be a non-empty string, got {_show(name)}")
            ok = False
            continue
        if (len(name) > entry.short or not (entry.clean or name.isprintable())) and _bad_text(
            entry, where + (name,), name, "field_length"
        ):
            ok = False
            continue
        url = _url(entry, where + (name,), value)
        if url is _INVALID:
            ok = False
        else:
            links.append((name.strip(), url))
    return tuple(links) if ok else _INVALID


def _upvotes(entry: _Entry, where: KeyPath, raw: Any) -> Any:
    if isinstance(raw, bool) or not isinstance(raw, int):
        entry.report(where, f"expected a whole number, got {_show(raw)}")
        return _INVALID
    if raw < 0:
        entry.report(where, f"must not be negative, got {raw}")
        return _INVALID
    return raw


def _extra(entry: _Entry, where: KeyPath, raw: Any) -> Any:
    if not isinstance(raw, dict):
        entry.report(where, f"expected a mapping, got {_show(raw)}")
        return _INVALID
    found = nested_problem(raw, entry.limits, entry.clean)
    if found is not None:
        entry.report(where + found[0], found[1])
        return _INVALID
    return raw


def _pinned(entry: _Entry, where: KeyPath, raw: Any) -> Any:
    names = _strings(entry, where, raw, "field names")
    for index, name in enumerate(names or ()):
        if name not in _FIELDS or name in ("id", "pinned"):
            hint = _suggest(name) if name not in _FIELDS else ""
            entry.report(where + (index,), f"cannot pin {name!r}{hint}")
    # Only `sitegen import` reads pinned (from the file itself); the site has no use for it.
    return _INVALID


_Checker = Callable[[_Entry, KeyPath, Any], Any]
_FIELDS: dict[str, _Checker] = {
    "id": _id,
    "title": _title,
    "date": _date,
    "authors": _authors,
    "abstract": _long_text,
    "tags": _tags,
    "links": _links,
    "upvotes": _upvotes,
    "published": _date,
    "updated": _date,
    "venue": _text,
    "thumbnail": _url,
    "note": _long_text,
    "extra": _extra,
    "pinned": _pinned,
}
_AUTHOR_FIELDS: dict[str, _Checker] = {"name": _name, "affiliation": _text, "url": _url}
_REQUIRED = ("id", "title", "date")
