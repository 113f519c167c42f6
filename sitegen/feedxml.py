"""Atom and RSS 2.0 written as bytes: each entry and each feed's own elements,
the very bytes feedgen 1.0 writes through lxml (``pretty_print``, UTF-8, lxml's
XML declaration) for the feeds feeds.py describes.

Why not feedgen: a feed through feedgen is a FeedGenerator, a FeedEntry per
paper and the checks of their values, an lxml tree of ~18 elements an entry,
and its serialisation, ~50 µs an entry and ~35-50 µs a feed's own elements,
against ~10 and ~7 µs here (docs/performance-notes.md, "Feed bytes written
directly"). What sitegen writes is a fixed shape, a dozen elements whose text
only needs XML's escapes, so it is written here.

feedgen stays the oracle: tests/unit/test_feed_xml.py builds random entries
and feeds both ways and compares the bytes, and compares every character's
escape with lxml's; tests/feedgen_oracle.py is the feedgen path this
replaces. feedpair.py writes a record's entry in both formats at once, the
same bytes as here (tests/unit/test_feed_pair.py). What is written, as lxml writes it:

- text: ``&``, ``<``, ``>`` and CR as ``&#13;``; every other character as it
  is (feeds._text has removed what XML 1.0 cannot hold);
- attribute values: those and ``"``, tab, LF as ``&quot;``, ``&#9;``, ``&#10;``;
- two spaces of indent a level, an element on a line; ``<link href=".."/>``;
- dates: Atom ``isoformat()``, RSS RFC 2822 with the C locale's day and month
  names (feedgen's ``formatRFC2822`` sets the C locale for it).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .feeds import PreparedEntry

DECLARATION = b"<?xml version='1.0' encoding='UTF-8'?>\n"
ATOM_NS = b"http://www.w3.org/2005/Atom"
MEDIA_NS = b"http://search.yahoo.com/mrss/"
DC_NS = b"http://purl.org/dc/elements/1.1/"
CONTENT_NS = b"http://purl.org/rss/1.0/modules/content/"
RSS_DOCS = b"http://www.rssboard.org/rss-specification"
# What ends a feed, with entries or without: they go just before it.
CLOSE = {False: b"</feed>\n", True: b"  </channel>\n</rss>\n"}

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def text(value: str) -> bytes:
    """``value`` as lxml writes it as an element's text, in UTF-8. Escaped as
    bytes: one pass of C's memchr a character, whatever the string's width (a
    non-BMP character makes a str four bytes a character), and in UTF-8 no
    byte of a multi-byte character is ASCII."""
    data = value.encode("utf-8")
    return data.replace(b"&", b"&amp;").replace(b"<", b"&lt;").replace(b">", b"&gt;").replace(b"\r", b"&#13;")


def attribute(value: str) -> bytes:
    """``value`` as lxml writes it in an attribute (between double quotes), in UTF-8."""
    data = value.encode("utf-8").replace(b"&", b"&amp;").replace(b"<", b"&lt;").replace(b">", b"&gt;")
    data = data.replace(b'"', b"&quot;").replace(b"\t", b"&#9;").replace(b"\n", b"&#10;")
    return data.replace(b"\r", b"&#13;")


@functools.lru_cache(maxsize=64)  # a few a site: its language, generator, description, author
def shared_text(value: str) -> bytes:
    """``text(value)`` of a value every feed of the site writes (~66k author feeds at 100k)."""
    return text(value)


@functools.lru_cache(maxsize=64)
def shared_attribute(value: str) -> bytes:
    """``attribute(value)`` of a value every feed of the site writes."""
    return attribute(value)


def rfc2822(moment: datetime) -> str:
    """feedgen's ``formatRFC2822``: ``strftime('%a, %d %b %Y %H:%M:%S %z')`` in the C locale."""
    return moment.strftime(f"{_DAYS[moment.weekday()]}, %d {_MONTHS[moment.month - 1]} %Y %H:%M:%S %z")


def _date(moment: datetime, rss: bool) -> bytes:
    """``moment`` as the format writes it: made once for each moment and offset
    (papers share days: strftime is ~3 µs, an entry has three dates and a feed
    one). Keyed by the offset too: an aware datetime equals another zone's at
    the same instant, or its own zone's other side of a fold, which another
    offset writes otherwise (tests/unit/test_feed_dates.py), as sitemap.w3c."""
    return _date_bytes(moment, moment.utcoffset(), rss)


@functools.lru_cache(maxsize=4096)  # not every moment of a build: a few thousand at most
def _date_bytes(moment: datetime, offset: timedelta | None, rss: bool) -> bytes:
    return (rfc2822(moment) if rss else moment.isoformat()).encode("ascii")


def atom_entry(item: PreparedEntry) -> bytes:
    """``item``'s ``<entry>`` in an Atom feed, indented as a child of the root."""
    parts = [
        b"  <entry>\n    <id>",
        text(item.id),
        b"</id>\n    <title>",
        text(item.title),
        b"</title>\n    <updated>",
        _date(item.updated, False),
        b"</updated>\n",
    ]
    for name in item.names:
        parts += (b"    <author>\n      <name>", text(name), b"</name>\n    </author>\n")
    if item.content_html:
        parts += (b'    <content type="html">', text(item.content_html), b"</content>\n")
    # (feedgen 1.0 drops rel and type on an entry's link; a bare Atom link means rel="alternate".)
    parts += (b'    <link href="', attribute(item.url), b'"/>\n')
    if item.summary:
        parts += (b"    <summary>", text(item.summary), b"</summary>\n")
    for tag in item.tags:
        parts += (b'    <category term="', attribute(tag), b'"/>\n')
    parts += (b"    <published>", _date(item.published, False), b"</published>\n")
    if item.thumbnail:
        parts += (b'    <media:thumbnail url="', attribute(item.thumbnail), b'"/>\n')
    parts.append(b"  </entry>\n")
    return b"".join(parts)


def rss_item(item: PreparedEntry) -> bytes:
    """``item``'s ``<item>`` in an RSS feed, indented as a child of the channel."""
    parts = [b"    <item>\n      <title>", text(item.title), b"</title>\n"]
    if item.url:
        parts += (b"      <link>", text(item.url), b"</link>\n")
    if item.content_html:  # RSS <description> holds (escaped) HTML
        parts += (b"      <description>", text(item.content_html), b"</description>\n")
    if item.id:
        parts += (b'      <guid isPermaLink="false">', text(item.id), b"</guid>\n")
    for tag in item.tags:
        parts += (b"      <category>", text(tag), b"</category>\n")
    parts += (b"      <pubDate>", _date(item.published, True), b"</pubDate>\n")
    for name in item.names:
        parts += (b"      <dc:creator>", text(name), b"</dc:creator>\n")
    if item.thumbnail:
        parts += (b'      <media:thumbnail url="', attribute(item.thumbnail), b'"/>\n')
    parts.append(b"    </item>\n")
    return b"".join(parts)


def entries(items: Iterable[PreparedEntry], rss: bool) -> list[bytes]:
    """Each of ``items``' bytes in a feed of the format."""
    write = rss_item if rss else atom_entry
    return [write(item) for item in items]


def atom_head(
    *,
    id: str,
    title: str,
    updated: datetime,
    author: str | None,
    language: str,
    feed_url: str,
    page_url: str,
    generator: str,
    subtitle: str,
    media: bool,
) -> bytes:
    """An Atom feed up to its first entry (``CLOSE[False]`` ends it)."""
    parts = [DECLARATION, b"<feed"]
    if media:
        parts.append(b' xmlns:media="' + MEDIA_NS + b'"')
    parts += (b' xmlns="', ATOM_NS, b'"')
    if language:
        parts += (b' xml:lang="', shared_attribute(language), b'"')
    parts += (b">\n  <id>", text(id), b"</id>\n  <title>", text(title), b"</title>\n  <updated>")
    parts += (_date(updated, False), b"</updated>\n")
    if author:
        parts += (b"  <author>\n    <name>", shared_text(author), b"</name>\n  </author>\n")
    parts += (b'  <link href="', attribute(feed_url), b'" rel="self" type="application/atom+xml"/>\n')
    parts += (b'  <link href="', attribute(page_url), b'" rel="alternate" type="text/html"/>\n')
    if generator:
        parts += (b"  <generator>", shared_text(generator), b"</generator>\n")
    if subtitle:
        parts += (b"  <subtitle>", shared_text(subtitle), b"</subtitle>\n")
    return b"".join(parts)


def rss_head(
    *,
    title: str,
    link: str,
    description: str,
    feed_url: str,
    generator: str,
    language: str,
    updated: datetime,
    media: bool,
) -> bytes:
    """An RSS feed up to its first item (``CLOSE[True]`` ends it). RSS has no
    feed-level author here: feedgen writes one only from an email address."""
    parts = [DECLARATION, b'<rss xmlns:dc="', DC_NS, b'"']
    if media:
        parts.append(b' xmlns:media="' + MEDIA_NS + b'"')
    parts += (b' xmlns:atom="', ATOM_NS, b'" xmlns:content="', CONTENT_NS, b'" version="2.0">\n')
    parts += (b"  <channel>\n    <title>", text(title), b"</title>\n    <link>", text(link))
    parts += (b"</link>\n    <description>", shared_text(description), b"</description>\n")
    parts += (b'    <atom:link href="', attribute(feed_url), b'" rel="self" type="application/rss+xml"/>\n')
    parts += (b"    <docs>", RSS_DOCS, b"</docs>\n")
    if generator:
        parts += (b"    <generator>", shared_text(generator), b"</generator>\n")
    if language:
        parts += (b"    <language>", shared_text(language), b"</language>\n")
    parts += (b"    <lastBuildDate>", _date(updated, True), b"</lastBuildDate>\n")
    return b"".join(parts)
