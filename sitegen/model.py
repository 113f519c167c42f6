"""The values the pipeline passes along: frozen, no I/O."""

from __future__ import annotations

import contextlib
import copyreg
import operator
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .sourcepaths import source_path as _path
from .sourcepaths import table as _paths


@dataclass(frozen=True, slots=True)
class Author:
    name: str
    affiliation: str | None = None
    url: str | None = None

    def __reduce__(self) -> tuple[Any, tuple]:
        return _shared_author, (self.name, self.affiliation, self.url)  # see Paper.__reduce__


@dataclass(frozen=True, slots=True)
class Paper:
    """One validated paper entry.

    ``date`` is the timezone-aware moment the paper was listed; ``day`` is that
    moment's calendar day in the site's timezone (the archive bucket).
    """

    id: str
    title: str
    date: datetime
    day: date
    authors: tuple[Author, ...] = ()
    abstract: str = ""
    tags: tuple[str, ...] = ()
    # Ordered (name, url) pairs, in the order the entry gave them.
    links: tuple[tuple[str, str], ...] = ()
    upvotes: int | None = None
    published: datetime | None = None
    updated: datetime | None = None
    venue: str | None = None
    thumbnail: str | None = None
    note: str | None = None
    # A BibTeX key fixed by hand; else citation.assign_keys makes one.
    citation_key: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    # Where the entry came from, for error messages and ordering.
    source: Path | None = None
    line: int | None = None
    # Hash of the entry's source text, set by the loader: lets a rebuild tell
    # which pages must be rendered again without comparing whole papers.
    digest: str = ""

    @property
    def modified(self) -> datetime:
        """When the paper last changed, as far as content says: its update,
        else its publication, else its listing. Feeds, sitemaps and JSON-LD
        all report this one moment."""
        return self.updated or self.published or self.date

    def link(self, name: str) -> str | None:
        for key, url in self.links:
            if key == name:
                return url
        return None

    def __reduce__(self) -> tuple[Any, tuple]:
        # Rebuilt by _unpickled from plain values (_flat): a pickle names one function, not six classes.
        return _unpickled, _flat(self)


_paper_fields = operator.attrgetter(*(f.name for f in fields(Paper)))
_NAMES = [f.name for f in fields(Paper)]
_DATE, _DAY, _AUTHORS, _PUBLISHED, _UPDATED, _SOURCE = (
    _NAMES.index(name) for name in ("date", "day", "authors", "published", "updated", "source")
)
_MOMENTS = (_DATE, _PUBLISHED, _UPDATED)


def _flat(paper: Paper) -> tuple:
    """The paper's fields with no object a pickle must look a class up for (~1 µs each): each
    moment as its pickled state and its zone's name (when the zone has one), the day as its
    state, each author as (name, affiliation, url), the source as text."""
    return _flat_values(list(_paper_fields(paper)))


class Flat:
    """A paper as _flat gives it, made without the Paper and its Authors (each
    author given as its state): a fork's papers are only pickled, and a Flat
    pickles as its Paper would (~4 µs a paper less for the fork to make)."""

    __slots__ = ("values",)

    def __init__(self, values: tuple) -> None:
        self.values = values

    def __reduce__(self) -> tuple[Any, tuple]:
        return _unpickled, self.values


def unflatten(flat: Flat) -> Paper:
    """The Paper ``flat`` stands for, as unpickling it makes it (within a load: of its shared values)."""
    return _sharing[-1].unflat(*flat.values) if _sharing else _unpickled(*flat.values)


_DEFAULTS = [f.default for f in fields(Paper)]
_EXTRA = _NAMES.index("extra")


_FIELD_DEFAULTS = dict(zip(_NAMES, _DEFAULTS, strict=True))
_ROW = operator.itemgetter(*_NAMES)


def flat_entry(values: dict[str, Any], day: Any, source: Any, digest: str) -> Flat:
    """Flat(_flat(Paper(day=day, source=source, digest=digest, **values))), without the Paper:
    an entry's checked values (each a field; its authors flat_author's), picked in C."""
    row = list(_ROW({**_FIELD_DEFAULTS, **values, "day": day, "source": source, "digest": digest}))
    if "extra" not in values:
        row[_EXTRA] = {}
    return Flat(_flat_values(row, False))


def flat_author(name: str, affiliation: str | None = None, url: str | None = None) -> tuple:
    """An author as _flat gives it: the state Author(name, affiliation, url) would have."""
    return (name, affiliation, url)


def _flat_values(values: list, authors: bool = True) -> tuple:
    for at in _MOMENTS:
        moment = values[at]
        if type(moment) is datetime:
            key = _zone_name(moment.tzinfo)
            if key is not None:
                values[at] = (moment.__reduce_ex__(5)[1][0], key)  # the state, with the fold
    if type(values[_DAY]) is date:
        values[_DAY] = values[_DAY].__reduce_ex__(5)[1][0]
    if authors:  # else each is its state already
        values[_AUTHORS] = tuple(map(_author_state, values[_AUTHORS]))
    if values[_SOURCE] is not None:
        values[_SOURCE] = str(values[_SOURCE])
    return tuple(values)


# Unpickling makes every object anew: at 100k papers 450k Authors for 33k authors and 100k
# Paths for 2.5k files, ~90 MB. Equal values are shared again as they are loaded (both are
# frozen): this table and sourcepaths.py's hold each author, file and folder once per process.
_authors: dict[tuple[str, str | None, str | None], Author] = {}


def _unpickled(
    id: str, title: str, moment: Any, day: Any, authors: tuple, abstract: str,  # noqa: A002
    tags: tuple[str, ...], links: tuple[tuple[str, str], ...], upvotes: int | None, published: Any,
    updated: Any, venue: str | None, thumbnail: str | None, note: str | None,
    citation_key: str | None, extra: Mapping[str, Any], source: str | None, line: int | None,
    digest: str,
) -> Paper:  # fmt: skip  # Paper's fields, in order, as _flat made them
    if _sharing:  # a load is taking these papers in: made of its shared values at once
        return _sharing[-1].unflat(
            id, title, moment, day, authors, abstract, tags, links, upvotes, published, updated,
            venue, thumbnail, note, citation_key, extra, source, line, digest,
        )  # fmt: skip
    shared = tuple(map(_authors.get, authors))  # each author made once per process
    return _made(
        id, title,
        datetime(moment[0], ZoneInfo(moment[1])) if type(moment) is tuple else moment,  # type: ignore[call-overload]
        date(day) if type(day) is bytes else day,
        shared if all(shared) else tuple(map(_author, authors)),
        abstract, tags, links, upvotes,
        _moment(published) if type(published) is tuple else published,
        _moment(updated) if type(updated) is tuple else updated,
        venue, thumbnail, note, citation_key, extra,
        None if source is None else _paths.get(source) or _path(source), line, digest,
    )  # fmt: skip


(_set_id, _set_title, _set_date, _set_day, _set_authors, _set_abstract, _set_tags, _set_links,
 _set_upvotes, _set_published, _set_updated, _set_venue, _set_thumbnail, _set_note,
 _set_citation_key, _set_extra, _set_source, _set_line, _set_digest) = (
    getattr(Paper, name).__set__ for name in _NAMES
)  # fmt: skip  # each field's slot's setter (a paper is frozen for everyone else)
_new = object.__new__
_set_name, _set_affiliation, _set_url = (getattr(Author, f.name).__set__ for f in fields(Author))


def _made(
    id, title, moment, day, authors, abstract, tags, links, upvotes, published, updated,  # noqa: A002
    venue, thumbnail, note, citation_key, extra, source, line, digest,
) -> Paper:  # fmt: skip
    """``Paper(...)``, each field set through its slot's descriptor (~15k instructions; the dataclass's
    ``__init__``, by name, ~28k). A field added to Paper fails the setters' unpacking at import."""
    paper = _new(Paper)
    _set_id(paper, id)
    _set_title(paper, title)
    _set_date(paper, moment)
    _set_day(paper, day)
    _set_authors(paper, authors)
    _set_abstract(paper, abstract)
    _set_tags(paper, tags)
    _set_links(paper, links)
    _set_upvotes(paper, upvotes)
    _set_published(paper, published)
    _set_updated(paper, updated)
    _set_venue(paper, venue)
    _set_thumbnail(paper, thumbnail)
    _set_note(paper, note)
    _set_citation_key(paper, citation_key)
    _set_extra(paper, extra)
    _set_source(paper, source)
    _set_line(paper, line)
    _set_digest(paper, digest)
    return paper


# A pickle names _unpickled by a number (copyreg's extensions; 240-255 for private use,
# PEP 307), found in a dict: by name, ~6k instructions a pickle (a content file's row) more.
with contextlib.suppress(ValueError):  # the number is another's: named as before
    copyreg.add_extension(__name__, "_unpickled", 0xF3)


def _moment(value: tuple[bytes, str]) -> datetime:
    """A datetime from its pickled state and its zone's name, as pickle makes
    one (``datetime(state, tzinfo)``, ``ZoneInfo(key)``)."""
    return datetime(value[0], ZoneInfo(value[1]))  # type: ignore[call-overload]


def _zone_name(zone: Any) -> str | None:
    """The name of a time zone that ``ZoneInfo(name)`` gives back, else None (a fixed offset,
    a zone made with ``ZoneInfo.no_cache`` or from a file): those are pickled as they are."""
    if type(zone) is not ZoneInfo or not zone.key:
        return None
    try:
        return zone.key if ZoneInfo(zone.key) is zone else None
    except Exception:  # a name given to a zone read from a file  # noqa: BLE001
        return None


def _author_state(author: Any) -> Any:
    return (author.name, author.affiliation, author.url) if type(author) is Author else author


def _author(value: Any) -> Author:
    if type(value) is not tuple:
        return value
    author = _authors.get(value)
    if author is None:  # Author(*value), its slots set as _made sets a Paper's (~2k instructions less)
        author = _authors[value] = _new(Author)
        _set_name(author, value[0])
        _set_affiliation(author, value[1])
        _set_url(author, value[2])
    return author


def _shared_author(name: str, affiliation: str | None, url: str | None) -> Author:
    return _author((name, affiliation, url))


# The SharedValues of the load running in this process (SharedValues.unpickling).
_sharing: list[SharedValues] = []


def sharing() -> bool:
    """Whether papers unpickled now are made of a load's shared values (SharedValues.unpickling)."""
    return bool(_sharing)


class SharedValues:
    """Equal small values of many papers made one object each, as papers are taken in
    (loading.Loader): tag and link names, authors, listing days and moments, empty ``extra``
    mappings. Each paper made its own (at 100k papers ~300k tag and link names, ~450k authors
    and 100k days and moments for ~30k authors, ~100 names and a few thousand days), which a
    build holds to its end and every forked render worker copies as it reads them. Values are
    equal, so no output changes; the papers are frozen for everyone else."""

    def __init__(self) -> None:
        self._values: dict[Any, Any] = {}
        self._moments: dict[tuple, datetime] = {}
        self._empty: dict[str, Any] = {}
        self._states: dict[Any, Any] = {}  # a moment's or day's pickled state (_flat) -> its shared value
        self._bylines: dict[int, tuple] = {}  # by its states' hash: in C (an Author's, Python)

    @contextlib.contextmanager
    def unpickling(self) -> Iterator[None]:
        """Papers unpickled meanwhile here are made of these shared values (unflat): a load's."""
        _sharing.append(self)
        try:
            yield
        finally:
            _sharing.remove(self)

    def unflat(
        self, id: str, title: str, moment: Any, day: Any, authors: tuple, abstract: str,  # noqa: A002
        tags: tuple[str, ...], links: tuple[tuple[str, str], ...], upvotes: int | None,
        published: Any, updated: Any, venue: str | None, thumbnail: str | None, note: str | None,
        citation_key: str | None, extra: Mapping[str, Any], source: str | None, line: int | None,
        digest: str,
    ) -> Paper:  # fmt: skip
        """share(_unpickled(...)), without making what share would replace: a
        moment, day or byline seen before is found by its pickled state."""
        values = self._values
        if tags:
            shared = values.get(tags)
            if shared is None:
                shared = values[tags] = tuple([values.setdefault(tag, tag) for tag in tags])
            tags = shared
        if authors:  # each Author made once per process (_authors), the tuple shared here
            made = tuple(map(_authors.get, authors))
            if not all(made):
                made = tuple(map(_author, authors))
            shared = self._bylines.setdefault(hash(authors), made)  # see _bylines
            authors = shared if shared == made else made
        if links:
            links = tuple([(values.setdefault(name, name), url) for name, url in links])
        states = self._states
        if type(day) is bytes:
            day = states.get(day) or states.setdefault(day, values.setdefault(date(day), date(day)))
        elif type(day) is date:
            day = values.setdefault(day, day)
        moment = states.get(moment) or self._moment(moment)
        if published is not None:
            published = states.get(published) or self._moment(published)
        if updated is not None:
            updated = states.get(updated) or self._moment(updated)
        if type(extra) is dict and not extra:
            extra = self._empty
        return _made(
            id, title, moment, day, authors, abstract, tags, links, upvotes, published, updated,
            venue, thumbnail, note, citation_key, extra,
            None if source is None else _paths.get(source) or _path(source), line, digest,
        )  # fmt: skip

    def _moment(self, value: Any) -> Any:
        """The shared moment of a pickled state not seen yet, or of a moment pickled as itself."""
        state = value if type(value) is tuple else None
        if state is not None:
            value = _moment(state)
        if type(value) is datetime:
            value = self._moments.setdefault((value, value.tzinfo, value.fold), value)
            if state is not None:
                self._states[state] = value
        return value

    def share(self, paper: Paper) -> Paper:
        values = self._values
        tags = paper.tags
        if tags:
            shared = values.get(tags)
            if shared is None:
                shared = values[tags] = tuple([values.setdefault(tag, tag) for tag in tags])
            object.__setattr__(paper, "tags", shared)
        if paper.authors:
            authors = tuple([values.setdefault(author, author) for author in paper.authors])
            shared = self._bylines.setdefault(hash(authors), authors)
            object.__setattr__(paper, "authors", shared if shared == authors else authors)
        if paper.links:
            links = tuple([(values.setdefault(name, name), url) for name, url in paper.links])
            object.__setattr__(paper, "links", links)
        if type(paper.day) is date:
            object.__setattr__(paper, "day", values.setdefault(paper.day, paper.day))
        for name in ("date", "published", "updated"):
            moment = getattr(paper, name)
            if type(moment) is datetime:
                # Equal datetimes of other zones are not the same value here.
                key = (moment, moment.tzinfo, moment.fold)
                object.__setattr__(paper, name, self._moments.setdefault(key, moment))
        if type(paper.extra) is dict and not paper.extra:
            object.__setattr__(paper, "extra", self._empty)
        return paper
