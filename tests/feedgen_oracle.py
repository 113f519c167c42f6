"""The Atom and RSS feeds as feedgen writes them: sitegen's feed path up to the
commit that made sitegen/feedxml.py write these bytes itself, kept as the
oracle that tests/unit/test_feed_xml.py compares feedxml's bytes with. A
feedgen or lxml upgrade that changes what they write for these calls makes
those tests fail, naming the field."""

from __future__ import annotations

import html
from collections.abc import Sequence

import feedgen.entry
from feedgen.feed import FeedGenerator

# isort: split
# After feedgen.feed, which imports lxml.etree: feedgen 1.0's extensions use it without.
from feedgen.ext.dc import DcEntryExtension, DcExtension
from feedgen.ext.media import MediaEntryExtension, MediaExtension

from sitegen.feeds import (
    GENERATOR,
    FeedEntry,
    FeedInfo,
    PreparedEntry,
    _description,
    _feed_title,
    _feed_updated,
    _needs_feed_author,
    _prepared,
    _text,
    feed_id,
)

_SELF_TYPE = {False: "application/atom+xml", True: "application/rss+xml"}


def render(info: FeedInfo, entries: Sequence[FeedEntry | PreparedEntry], rss: bool) -> bytes:
    """The feed of ``entries``, entry by entry through feedgen."""
    return serialise(generator(info, _prepared(info, entries), rss), rss)


def render_atom(info: FeedInfo, entries: Sequence[FeedEntry | PreparedEntry]) -> bytes:
    return render(info, entries, rss=False)


def render_rss(info: FeedInfo, entries: Sequence[FeedEntry | PreparedEntry]) -> bytes:
    return render(info, entries, rss=True)


def serialise(fg: FeedGenerator, rss: bool) -> bytes:
    if rss:
        return fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    return fg.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True)


def new_generator(rss: bool, media: bool) -> FeedGenerator:
    """A FeedGenerator with the extensions an Atom (``rss`` false) or RSS feed loads."""
    fg = FeedGenerator()
    # register_extension: what load_extension("dc") does, without its import by name each time.
    if rss:  # dc:creator: RSS <author> needs an email
        fg.register_extension("dc", DcExtension, DcEntryExtension, atom=False, rss=True)
    if media:
        # <media:thumbnail url="..."/> (Media RSS), read by feed readers in Atom and RSS alike.
        # Only then: a feed without images keeps its bytes and has no unused namespace.
        fg.register_extension("media", MediaExtension, MediaEntryExtension)
    return fg


def generator(info: FeedInfo, entries: Sequence[PreparedEntry], rss: bool, add: bool = True) -> FeedGenerator:
    """The feed of ``entries``; with ``add`` false, its feed-level elements only."""
    fg = new_generator(rss, any(item.thumbnail for item in entries))
    fg.id(_text(feed_id(info)))
    fg.title(_feed_title(info))
    # The Atom <subtitle> is text; the RSS channel <description> is read as HTML
    # by readers, so there the text is escaped once more to stay text.
    description = _description(info)
    fg.subtitle(html.escape(description, quote=False) if rss else description)
    fg.language(_text(info.language))
    # feedgen uses the *last* link as the RSS channel <link>: self first, page last.
    feed_url = _text(info.feed_url)
    fg.link(href=feed_url, rel="self", type=_SELF_TYPE[rss])
    fg.link(href=_text(info.site_url) or feed_url or "/", rel="alternate", type="text/html")
    # Replaces feedgen's defaults: its version number and build-time clock.
    fg.generator(GENERATOR)
    fg.updated(_feed_updated(entries))  # Atom <updated> and RSS <lastBuildDate>
    author = _needs_feed_author(info, entries)
    if author:
        fg.author(name=author)
    if add:
        for item in entries:
            add_entry(fg, item, rss)
    return fg


def add_entry(fg: FeedGenerator, item: PreparedEntry, rss: bool) -> feedgen.entry.FeedEntry:
    """``item``'s entry, added at the end of ``fg``."""
    entry = fg.add_entry(order="append")  # keep the caller's order (newest first)
    entry.id(item.id)  # also the RSS <guid isPermaLink="false">
    entry.title(item.title)
    # (feedgen 1.0 drops rel/type on entry links; a bare Atom link means rel="alternate".)
    entry.link(href=item.url, rel="alternate", type="text/html")
    entry.published(item.published)  # also the RSS <pubDate>
    entry.updated(item.updated)
    names = item.names
    terms = [{"term": term} for term in item.tags]
    if terms:
        # All at once: feedgen rebuilds the whole RSS category list on every
        # call, so one call per tag took time quadratic in the tag count.
        entry.category(terms)
    if item.thumbnail:
        entry.media.thumbnail({"url": item.thumbnail}, group=None)  # in the entry, not a group
    content_html = item.content_html
    if rss:
        if content_html:
            entry.description(content_html)  # RSS <description> holds (escaped) HTML
        if names:
            entry.dc.dc_creator(list(names))
        return entry
    if names:
        entry.author([{"name": name} for name in names])
    summary = item.summary
    if summary:
        entry.summary(summary)
    if content_html:
        entry.content(content_html, type="html")
    return entry
