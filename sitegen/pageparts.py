"""The small values templates show: feed links, runs of cards by day, the
archive's months, a pager. Made by the page kinds (sitegen/pages/)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from markupsafe import Markup

_FEED_TYPES = {"atom": "application/atom+xml", "rss": "application/rss+xml", "json": "application/feed+json"}
_FEED_TITLES = {"atom": "Atom", "rss": "RSS", "json": "JSON Feed"}

# Page numbers shown either side of the current one.
PAGER_WINDOW = 2


@dataclass(slots=True)  # not frozen: see DayGroup
class FeedLink:
    title: str
    label: str  # the format's name: "Atom", "RSS", "JSON Feed"
    type: str
    url: str


def feed_link(title: str, kind: str, url: str) -> FeedLink:
    label = _FEED_TITLES[kind]
    return FeedLink(f"{title} ({label})", label, _FEED_TYPES[kind], url)


# Template values are objects, not dicts: Jinja tries attribute access first, and
# a dict's failed getattr raises an exception for every {{ group.day }}, which
# cost a tag page more than its cards. Not frozen: a frozen dataclass sets each
# field through object.__setattr__, ~3x the instructions of a plain slots one
# (~5k an object; ~1M day groups, nearly one a card, at 100k papers).
@dataclass(slots=True)
class DayGroup:
    day: date | None
    url: str | None
    cards: list[Markup]
    # _group_head.html given ``day`` and ``url``, made once a day (partials.PerValue);
    # None: list.html includes it for this group.
    head: Markup | None = None


@dataclass(frozen=True, slots=True)
class DayLink:
    day: date
    url: str
    count: int


@dataclass(frozen=True, slots=True)
class Month:
    label: str
    days: list[DayLink]


@dataclass(slots=True)  # not frozen: see DayGroup
class PageLink:
    """One entry of a pager's run of page numbers."""

    number: int | None  # None: a gap ("…") standing for the pages left out
    url: str | None
    far: bool = False  # two away from the current page: themes may hide it on small screens


@dataclass(slots=True)  # not frozen: see DayGroup
class Pager:
    number: int
    total: int
    previous_url: str | None
    next_url: str | None
    pages: tuple[PageLink, ...]  # the first, the last, two either side of this one, and gaps
