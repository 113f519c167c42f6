"""Atom and RSS 2.0 (through feedgen) and JSON Feed 1.1 for a list of papers.

Pure functions from values to bytes. Nothing here reads the clock or depends on
base_url for identity, so a rebuild, or a move to another host, never makes a
feed reader show an old paper as new:

- an entry's id is :func:`entry_id` of the paper id alone;
- an entry's dates come from the paper; the feed's own date is the newest of
  its entries' ``updated``, and for an empty feed the Unix epoch;
- the feed's Atom id comes from ``FeedInfo.id_base``, not from a URL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import quote

from feedgen.feed import FeedGenerator

from .markup import plain_text
from .model import Paper

__all__ = ["FeedInfo", "FeedEntry", "entry_id", "feed_id", "render_atom", "render_rss", "render_json_feed"]

# Ids are tag URIs (RFC 4151), not URLs: a URL-based id changes when base_url or
# the route scheme changes, and every reader would then show the whole feed as
# new. A tag URI is minted once from a fixed authority and date plus the paper id,
# and means the same paper forever. The authority "sitegen.papers" is not a
# registrable domain, so no one else can mint ids in this space. FROZEN: changing
# this prefix (or the quoting below) re-announces every paper in every
# subscriber's reader; tests/unit/test_feeds.py pins exact values.
ID_PREFIX = "tag:sitegen.papers,2025:"

# The date an empty feed reports as its last change: fixed, so that building an
# empty feed twice gives the same bytes (no clock is read anywhere here).
EMPTY_FEED_UPDATED = datetime(1970, 1, 1, tzinfo=timezone.utc)

GENERATOR = "sitegen"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"

# RFC 3986 scheme: an id_base that already is a URI is used as it is.
_URI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass(frozen=True)
class FeedInfo:
    title: str  # e.g. "Daily Papers" or "Daily Papers: interpretability"
    description: str  # falls back to the title when empty
    language: str
    site_url: str  # absolute URL of the HTML page this feed belongs to (home or the tag page)
    feed_url: str  # absolute URL of this feed file itself (rel="self")
    author: str | None
    # Stable, base_url-independent key of this feed, distinct per feed: "feed" for
    # the site feed, "tag/<slug>" for a tag feed. A full URI ("tag:example.org,2025:x")
    # is used as the Atom feed id unchanged; anything else is put under ID_PREFIX.
    id_base: str


@dataclass(frozen=True)
class FeedEntry:
    paper: Paper
    url: str  # absolute URL of the paper page
    content_html: str  # sanitized HTML (abstract + note), already rendered by markup
    summary: str  # plain text


def entry_id(paper_id: str) -> str:
    """The permanent id of a paper's feed entry: a tag URI built from the paper id only.

    '/' stays as it is (it is legal in a tag URI and old arXiv ids contain it);
    anything else outside the URI alphabet is percent-encoded.
    """
    return f"{ID_PREFIX}paper/{quote(paper_id, safe='/')}"


def feed_id(info: FeedInfo) -> str:
    """The Atom id of the feed itself, from ``info.id_base`` (never from a URL)."""
    if _URI_SCHEME.match(info.id_base):
        return info.id_base
    return f"{ID_PREFIX}{quote(info.id_base, safe='/')}"


# --- dates and texts shared by all formats ---------------------------------------------


def _aware(moment: datetime) -> datetime:
    # The model promises aware datetimes; should one slip through, read it as UTC
    # rather than fail the build (feedgen refuses naive ones).
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _published(paper: Paper) -> datetime:
    return _aware(paper.published or paper.date)


def _updated(paper: Paper) -> datetime:
    return _aware(paper.modified)


def _feed_updated(entries: Sequence[FeedEntry]) -> datetime:
    return max((_updated(e.paper) for e in entries), default=EMPTY_FEED_UPDATED)


def _title(paper: Paper) -> str:
    # Titles may carry Markdown or $TeX$; feed titles are plain text.
    return plain_text(paper.title) or paper.id


def _description(info: FeedInfo) -> str:
    return info.description.strip() or info.title


def _needs_feed_author(info: FeedInfo, entries: Sequence[FeedEntry]) -> str | None:
    """The feed-level author name, if any.

    RFC 4287 4.1.1: a feed without an author is only valid when every entry has
    one, so papers without authors borrow the site title as the feed's author.
    """
    if info.author:
        return info.author
    if any(not e.paper.authors for e in entries):
        return info.title
    return None


# --- Atom and RSS -------------------------------------------------------------------------


def _generator(info: FeedInfo, self_type: str, entries: Sequence[FeedEntry], rss: bool) -> FeedGenerator:
    fg = FeedGenerator()
    if rss:
        fg.load_extension("dc", atom=False, rss=True)  # dc:creator: RSS <author> needs an email
    fg.id(feed_id(info))
    fg.title(info.title)
    fg.subtitle(_description(info))  # also the RSS channel <description>
    fg.language(info.language)
    # feedgen uses the *last* link as the RSS channel <link>: self first, page last.
    fg.link(href=info.feed_url, rel="self", type=self_type)
    fg.link(href=info.site_url, rel="alternate", type="text/html")
    # Replaces feedgen's defaults: its version number and build-time clock.
    fg.generator(GENERATOR)
    fg.updated(_feed_updated(entries))  # Atom <updated> and RSS <lastBuildDate>
    author = _needs_feed_author(info, entries)
    if author:
        fg.author(name=author)
    for item in entries:
        _add_entry(fg, item, rss)
    return fg


def _add_entry(fg: FeedGenerator, item: FeedEntry, rss: bool) -> None:
    paper = item.paper
    entry = fg.add_entry(order="append")  # keep the caller's order (newest first)
    entry.id(entry_id(paper.id))  # also the RSS <guid isPermaLink="false">
    entry.title(_title(paper))
    # (feedgen 1.0 drops rel/type on entry links; a bare Atom link means rel="alternate".)
    entry.link(href=item.url, rel="alternate", type="text/html")
    entry.published(_published(paper))  # also the RSS <pubDate>
    entry.updated(_updated(paper))
    names = [a.name for a in paper.authors]
    for tag in paper.tags:
        entry.category(term=tag)
    if rss:
        if item.content_html:
            entry.description(item.content_html)  # RSS <description> holds (escaped) HTML
        if names:
            entry.dc.dc_creator(names)
        return
    if names:
        entry.author([{"name": name} for name in names])
    if item.summary:
        entry.summary(item.summary)
    if item.content_html:
        entry.content(item.content_html, type="html")


def render_atom(info: FeedInfo, entries: Sequence[FeedEntry]) -> bytes:
    fg = _generator(info, "application/atom+xml", entries, rss=False)
    return fg.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True)


def render_rss(info: FeedInfo, entries: Sequence[FeedEntry]) -> bytes:
    fg = _generator(info, "application/rss+xml", entries, rss=True)
    return fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)


# --- JSON Feed 1.1 ------------------------------------------------------------------------


def _json_item(item: FeedEntry) -> dict[str, object]:
    paper = item.paper
    data: dict[str, object] = {
        "id": entry_id(paper.id),
        "url": item.url,
        "title": _title(paper),
    }
    if item.content_html:
        data["content_html"] = item.content_html
    else:
        # JSON Feed: an item needs content_html or content_text.
        data["content_text"] = item.summary or _title(paper)
    if item.summary:
        data["summary"] = item.summary
    data["date_published"] = _published(paper).isoformat()
    data["date_modified"] = _updated(paper).isoformat()
    if paper.tags:
        data["tags"] = list(paper.tags)
    if paper.authors:
        data["authors"] = [{"name": a.name} for a in paper.authors]
    return data


def render_json_feed(info: FeedInfo, entries: Sequence[FeedEntry]) -> bytes:
    # Built in a fixed key order and dumped without sort_keys: deterministic and
    # in the order the spec lists the fields.
    feed: dict[str, object] = {
        "version": JSON_FEED_VERSION,
        "title": info.title,
        "home_page_url": info.site_url,
        "feed_url": info.feed_url,
        "description": _description(info),
        "language": info.language,
    }
    if info.author:
        feed["authors"] = [{"name": info.author}]
    feed["items"] = [_json_item(item) for item in entries]
    # Compact: json's C encoder only runs without indent, and feeds are read by programs.
    return (json.dumps(feed, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
