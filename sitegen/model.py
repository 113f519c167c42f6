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
        return Author, (self.name, self.affiliation, self.url)  # see Paper.__reduce__


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
    extra: Mapping[str, Any] = field(default_factory=dict)
    # Where the entry came from, for error messages and ordering.
    source: Path | None = None
    line: int | None = None
    # Hash of the entry's source text, set by the loader: lets a rebuild tell
    # which pages must be rendered again without comparing whole papers.
    digest: str = ""

    def link(self, name: str) -> str | None:
        for key, url in self.links:
            if key == name:
                return url
        return None

    def __reduce__(self) -> tuple[Any, tuple]:
        # Rebuilt through __init__, not dataclass's generated __setstate__: a
        # third cheaper to load and half to dump, and every paper crosses a
        # process boundary and the parse cache.
        return Paper, _paper_fields(self)


_paper_fields = operator.attrgetter(*(f.name for f in fields(Paper)))
