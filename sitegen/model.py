"""The values the pipeline passes along: frozen, no I/O."""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any


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
        # Rebuilt through __init__, not dataclass's generated __setstate__: a
        # third cheaper to load and half to dump, and every paper crosses a
        # process boundary and the parse cache. The source goes as text, so
        # that the papers of one file share one Path again (see _unpickled).
        values = _paper_fields(self)
        if self.source is not None:
            values = (*values[:_SOURCE], str(self.source), *values[_SOURCE + 1 :])
        return _unpickled, values


_paper_fields = operator.attrgetter(*(f.name for f in fields(Paper)))
_SOURCE = [f.name for f in fields(Paper)].index("source")

# Unpickling makes every object anew: at 100k papers that was 100k Path objects
# for 2.5k files and 450k Author objects for 33k authors, ~90 MB in the process
# that holds them all. Equal values are shared again as they are loaded (both
# are frozen). The tables hold each file name and author once per process.
_paths: dict[str, Path] = {}
_authors: dict[tuple[str, str | None, str | None], Author] = {}


def _unpickled(*values: Any) -> Paper:
    source = values[_SOURCE]
    if source is not None:
        path = _paths.get(source)
        if path is None:
            path = _paths[source] = Path(source)
        values = (*values[:_SOURCE], path, *values[_SOURCE + 1 :])
    return Paper(*values)


def _shared_author(name: str, affiliation: str | None, url: str | None) -> Author:
    key = (name, affiliation, url)
    author = _authors.get(key)
    if author is None:
        author = _authors[key] = Author(name, affiliation, url)
    return author
