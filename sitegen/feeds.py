"""Atom and RSS 2.0 (the bytes feedgen wrote, written by feedxml.py) and JSON Feed 1.1
for a list of papers.

Pure functions from values to bytes. Nothing here reads the clock or depends on
base_url for identity, so a rebuild, or a move to another host, never makes a
feed reader show an old paper as new:

- an entry's id is :func:`entry_id` of the site's id (``id`` in site.yaml, see
  docs/feeds.md) and the paper id, never of a URL; a site without an ``id``
  keeps the shared ids sitegen always wrote (``ID_PREFIX``);
- an entry's dates come from the paper; the feed's own date is the newest of
  its entries' ``updated``, and for an empty feed the Unix epoch;
- the feed's Atom id comes from ``FeedInfo.id_base`` under the same prefix.

Every string is cleaned of what XML 1.0 cannot hold (most C0 controls, lone
surrogates, U+FFFE/U+FFFF) before it reaches the XML or the JSON encoder: the
loader rejects such characters in content, but no value must make a feed
raise.
"""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from operator import attrgetter
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import quote

from . import feedxml
from .markup import plain_text
from .model import Paper

if TYPE_CHECKING:
    from .feedentries import EntryBytes

__all__ = [
    "FeedInfo",
    "FeedEntry",
    "PreparedEntry",
    "prepare",
    "entry_id",
    "digest_entry_id",
    "feed_id",
    "render_atom",
    "render_rss",
    "render_json_feed",
]

# Ids are tag URIs (RFC 4151), not URLs: a URL-based id changes when base_url or
# the route scheme changes, and every reader would then show the whole feed as
# new. A tag URI is minted once from a fixed authority and date plus the paper id,
# and means the same paper forever. A site's own ``id`` (config.site_id) is the
# prefix of its ids; ID_PREFIX is the one every site without an ``id`` shares
# (so two such sites listing one paper give it one id). FROZEN: changing this
# prefix (or the quoting below) re-announces every paper in every subscriber's
# reader; tests/unit/test_feeds.py and tests/test_feed_identity.py pin exact values.
ID_PREFIX = "tag:sitegen.papers,2025:"

# The date an empty feed reports as its last change: fixed, so that building an
# empty feed twice gives the same bytes (no clock is read anywhere here).
EMPTY_FEED_UPDATED = datetime(1970, 1, 1, tzinfo=timezone.utc)

GENERATOR = "sitegen"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"

# RFC 3986 scheme: an id_base that already is a URI is used as it is.
_URI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
# Not XML 1.0 Chars: no XML document may hold them (lxml refused them), and in JSON a
# lone surrogate cannot be written as UTF-8.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# _NOT_XML's characters in UTF-8: its C0 controls are these bytes (no byte of a
# multi-byte character is below 0x80), a lone surrogate cannot be encoded, and
# U+FFFE and U+FFFF are these sequences (0xEF only ever starts a character).
_NOT_XML_BYTES = bytes(set(range(0x20)) - {0x09, 0x0A, 0x0D})
_NONCHARACTERS = (b"\xef\xbf\xbe", b"\xef\xbf\xbf")


def _text(value: str) -> str:
    """``value`` without the characters an XML document cannot contain (``value``
    itself when it has none, even a str subclass such as Markup: no copy). A
    printable text has none (controls, surrogates and noncharacters are not
    printable) and is asked no more: most are (names, tags, titles, URLs)."""
    return value if value.isprintable() or _is_xml(value) else _NOT_XML.sub("", value)


def _is_xml(value: str) -> bool:
    """Whether ``value`` has none of _NOT_XML's characters: asked of its UTF-8
    bytes, ~6x faster than the regex's search, which looks at each character
    in Python's regex engine (an abstract's HTML is ~1.5 KB, in every feed
    entry). tests/unit/test_feed_text.py compares the two."""
    try:
        data = value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    if len(data.translate(None, _NOT_XML_BYTES)) != len(data):
        return False
    return value.isascii() or (_NONCHARACTERS[0] not in data and _NONCHARACTERS[1] not in data)


@dataclass(slots=True)  # not frozen: see pageparts.DayGroup (~66k author feeds at 100k papers)
class FeedInfo:
    title: str  # e.g. "Daily Papers" or "Daily Papers: interpretability"
    description: str  # falls back to the title when empty
    language: str
    site_url: str  # absolute URL of the HTML page this feed belongs to (home or the tag page)
    feed_url: str  # absolute URL of this feed file itself (rel="self")
    author: str | None
    # Stable, base_url-independent key of this feed, distinct per feed: "feed" for
    # the site feed, "tag/<slug>" for a tag feed. A full URI ("tag:example.org,2025:x")
    # is used as the Atom feed id unchanged; anything else is put under the id prefix.
    id_base: str
    # The prefix of every id in the feed: the site's ``id`` (already normalised by
    # config.site_id, ending in ':' or '/'), or None for ID_PREFIX.
    site_id: str | None = None


@dataclass(slots=True)  # not frozen: one a paper, made for its feed record
class FeedEntry:
    paper: Paper
    url: str  # absolute URL of the paper page
    content_html: str  # sanitized HTML (abstract + note), already rendered by markup
    summary: str  # plain text
    title: str | None = None  # plain text, as the paper's view made it; None: from paper.title
    thumbnail: str | None = None  # absolute URL of the paper's image, encoded (views.site_url)


class PreparedEntry(NamedTuple):
    """What every format writes of one entry, cleaned (``_text``) and worked out once:
    a paper is in the site's feed, its tags' and its authors', in each format, and
    :func:`prepare` made once per build is reused by all of them (pages/feed.py)."""

    site_id: str | None  # the feed's site_id it was made for (its id depends on it)
    id: str
    title: str
    url: str
    content_html: str  # may be the view's Markup itself (a str): no copy of the abstract
    summary: str
    thumbnail: str | None
    published: datetime
    updated: datetime
    names: tuple[str, ...]  # authors' names, empty ones left out
    tags: tuple[str, ...]


def prepare(item: FeedEntry | PreparedEntry, site_id: str | None = None) -> PreparedEntry:
    """``item`` as every format writes it, in a feed whose site id is ``site_id``."""
    if isinstance(item, PreparedEntry):
        if item.site_id != site_id:
            raise ValueError(f"entry {item.id} was prepared for another site id")
        return item
    paper = item.paper
    return PreparedEntry(
        site_id,
        entry_id(paper.id, site_id),
        _title(item, site_id),
        _text(item.url),
        _text(item.content_html),
        _text(item.summary),
        _text(item.thumbnail) if item.thumbnail else None,
        _published(paper),
        paper_updated(paper),
        tuple(author_names(paper)),
        tuple(tag for tag in map(_text, paper.tags) if tag),
    )


def _prepared(info: FeedInfo, entries: Sequence[FeedEntry | PreparedEntry]) -> list[PreparedEntry]:
    return [prepare(item, info.site_id) for item in entries]


def entry_id(paper_id: str, site_id: str | None = None) -> str:
    """The permanent id of a paper's feed entry: the site's id (``ID_PREFIX`` when it
    has none) and the paper id; never base_url.

    '/' stays as it is (it is legal in a tag URI and old arXiv ids contain it);
    anything else outside the URI alphabet is percent-encoded.
    """
    return f"{site_id or ID_PREFIX}paper/{_quoted(paper_id)}"


# What ``quote(value, safe="/")`` leaves as it is (urllib's always-safe characters and "/"):
# a value of only these is its own quoted form, without urllib's Python (~1-4 µs).
_UNQUOTED = re.compile(r"[A-Za-z0-9_.~/-]*")


def _quoted(value: str) -> str:
    return value if _UNQUOTED.fullmatch(value) else quote(value, safe="/", errors="surrogatepass")


def digest_entry_id(day: date, site_id: str | None = None) -> str:
    """The permanent id of a listing day's entry in the digest feed (digest/atom.xml):
    the site's id and the day, never a URL. FROZEN like ``entry_id``."""
    return f"{site_id or ID_PREFIX}digest/{day.isoformat()}"


def feed_id(info: FeedInfo) -> str:
    """The Atom id of the feed itself, from ``info.id_base`` (never from a URL)."""
    if _URI_SCHEME.match(info.id_base):
        return info.id_base
    return f"{info.site_id or ID_PREFIX}{_quoted(info.id_base)}"


# --- dates and texts shared by all formats ---------------------------------------------


def _aware(moment: datetime) -> datetime:
    # The model promises aware datetimes; should one slip through, read it as UTC
    # rather than write a date without its offset.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _published(paper: Paper) -> datetime:
    return _aware(paper.published or paper.date)


def paper_updated(paper: Paper) -> datetime:
    return _aware(paper.modified)


def _feed_updated(entries: Sequence[PreparedEntry]) -> datetime:
    return max(map(_UPDATED, entries), default=EMPTY_FEED_UPDATED)


_UPDATED = attrgetter("updated")


def _title(item: FeedEntry, site_id: str | None = None) -> str:
    # Titles may carry Markdown or $TeX$; feed titles are plain text. Feed
    # formats require a title, hence the fallbacks.
    paper = item.paper
    title = _text(item.title) if item.title is not None else plain_text(_text(paper.title))
    return title or _text(paper.id) or entry_id(paper.id, site_id)


def _feed_title(info: FeedInfo) -> str:
    return _text(info.title) or GENERATOR


def _description(info: FeedInfo) -> str:
    return _text(info.description).strip() or _feed_title(info)


def _needs_feed_author(info: FeedInfo, entries: Sequence[PreparedEntry]) -> str | None:
    """The feed-level author name, if any.

    RFC 4287 4.1.1: a feed without an author is only valid when every entry has
    one, so papers without authors borrow the site title as the feed's author.
    """
    author = _text(info.author or "")
    if author:
        return author
    if any(not e.names for e in entries):
        return _feed_title(info)
    return None


def author_names(paper: Paper) -> list[str]:
    return [name for name in (_text(a.name) for a in paper.authors) if name]


# --- Atom and RSS -------------------------------------------------------------------------


def render_atom(
    info: FeedInfo, entries: Sequence[FeedEntry | PreparedEntry], cache: EntryBytes | None = None
) -> bytes:
    """The Atom feed; with a ``cache``, each entry's bytes are written once for
    every feed that holds them (feedentries.py)."""
    return _render_xml(info, entries, cache, rss=False)


def render_rss(
    info: FeedInfo, entries: Sequence[FeedEntry | PreparedEntry], cache: EntryBytes | None = None
) -> bytes:
    return _render_xml(info, entries, cache, rss=True)


def _render_xml(
    info: FeedInfo, entries: Sequence[FeedEntry | PreparedEntry], cache: EntryBytes | None, rss: bool
) -> bytes:
    prepared = _prepared(info, entries)
    shell = feed_shell(info, prepared, rss)
    if cache is not None:
        return cache.splice(shell, prepared, rss)
    close = feedxml.CLOSE[rss]
    return b"".join([shell[: -len(close)], *feedxml.entries(prepared, rss), close])


def feed_shell(info: FeedInfo, entries: Sequence[PreparedEntry], rss: bool) -> bytes:
    """The feed without its entries (it ends with ``feedxml.CLOSE[rss]``), of which
    only ``thumbnail``, ``updated`` and ``names`` are read: the feed-level elements
    feedgen wrote (feedxml.py writes the same bytes)."""
    media = any(item.thumbnail for item in entries)
    title, updated, feed_url = _feed_title(info), _feed_updated(entries), _text(info.feed_url)
    # feedgen used the *last* link as the RSS channel <link>: the page's, after self.
    page_url = _text(info.site_url) or feed_url or "/"
    language, description = _text(info.language), _description(info)
    if rss:
        head = feedxml.rss_head(
            title=title,
            link=page_url,
            # The RSS channel <description> is read as HTML by readers, so the
            # text is escaped once more to stay text (the Atom <subtitle> is text).
            description=_html_escaped(description),
            feed_url=feed_url,
            generator=GENERATOR,
            language=language,
            updated=updated,  # <lastBuildDate>
            media=media,
        )
    else:
        head = feedxml.atom_head(
            id=_text(feed_id(info)),
            title=title,
            updated=updated,
            author=_needs_feed_author(info, entries),
            language=language,
            feed_url=feed_url,
            page_url=page_url,
            generator=GENERATOR,
            subtitle=description,
            media=media,
        )
    return head + feedxml.CLOSE[rss]


@functools.lru_cache(maxsize=64)  # the site's description, in each of its feeds
def _html_escaped(text: str) -> str:
    return html.escape(text, quote=False)


# --- JSON Feed 1.1 ------------------------------------------------------------------------


def json_feed_item(item: PreparedEntry) -> dict[str, object]:
    title = item.title
    data: dict[str, object] = {"id": item.id, "url": item.url, "title": title}
    content_html, summary = item.content_html, item.summary
    if content_html:
        data["content_html"] = content_html
    else:
        # JSON Feed: an item needs content_html or content_text.
        data["content_text"] = summary or title
    if summary:
        data["summary"] = summary
    if item.thumbnail:
        data["image"] = item.thumbnail
    data["date_published"] = item.published.isoformat()
    data["date_modified"] = item.updated.isoformat()
    if item.tags:
        data["tags"] = list(item.tags)
    names = item.names
    if names:
        data["authors"] = [{"name": name} for name in names]
    return data


def render_json_feed(info: FeedInfo, entries: Sequence[FeedEntry | PreparedEntry]) -> bytes:
    # Built in a fixed key order and dumped without sort_keys: deterministic and
    # in the order the spec lists the fields.
    feed: dict[str, object] = {
        "version": JSON_FEED_VERSION,
        "title": _feed_title(info),
        "home_page_url": _text(info.site_url),
        "feed_url": _text(info.feed_url),
        "description": _description(info),  # plain text in JSON Feed
        "language": _text(info.language),
    }
    author = _text(info.author or "")
    if author:
        feed["authors"] = [{"name": author}]
    feed["items"] = [json_feed_item(item) for item in _prepared(info, entries)]
    # Compact: json's C encoder only runs without indent, and feeds are read by programs.
    return (json.dumps(feed, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
