"""sitemap.xml (and a sitemap index past 50,000 pages): every HTML page, with
its last modification taken from content alone, never from the build time."""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta, timezone
from xml.sax.saxutils import escape as xml_escape

from .model import Paper
from .routes import Routes
from .site import Site, page_count
from .trending import WINDOWS, has_upvotes, two_orders

SITEMAP_LIMIT = 50_000  # URLs per sitemap file, from the sitemaps.org protocol
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_XMLNS = "http://www.sitemaps.org/schemas/sitemap/0.9"
_MODIFIED = operator.attrgetter("modified")  # Paper's one rule, read in C for ~1M papers at 100k


def latest(papers: Sequence[Paper]) -> datetime:
    return max(map(_MODIFIED, papers), default=_EPOCH)


def sitemap_entries(site: Site, routes: Routes) -> Iterator[tuple[str, datetime]]:
    """Every HTML page with its last modification, taken from content alone."""
    per_page = site.config.per_page
    everything = latest(site.papers)
    for n in range(1, page_count(len(site.papers), per_page) + 1):
        yield routes.home(n), latest(site.papers[(n - 1) * per_page : n * per_page]) if n > 1 else everything
    for paper in site.papers:
        yield routes.paper(paper.id), paper.modified
    yield routes.tags(), everything
    for tag in site.tags:
        for n in range(1, page_count(len(tag.papers), per_page) + 1):
            yield routes.tag(tag.slug, n), latest(tag.papers[(n - 1) * per_page : n * per_page])
    yield routes.days(), everything
    for day in site.days:
        yield routes.day(day.day), latest(day.papers)
        if two_orders(day.papers):
            yield routes.day(day.day, "listed"), latest(day.papers)
    yield routes.authors(), everything
    for author in site.authors:
        for n in range(1, page_count(len(author.papers), per_page) + 1):
            yield routes.author(author.slug, n), latest(author.papers[(n - 1) * per_page : n * per_page])
    if site.config.feeds.formats:
        yield routes.feeds(), everything
    if has_upvotes(site.papers):
        for window in WINDOWS:
            yield routes.trending(window.name), everything


def w3c(moment: datetime) -> str:
    """``moment`` in UTC, as sitemaps write it. Cached by the moment and its
    offset: a datetime equals its other side of a fold in its own zone (the
    same wall time an hour later), which another offset writes otherwise."""
    return _w3c(moment, moment.utcoffset())


# A site's papers share a few thousand listing moments; its sitemaps name one per page.
@functools.lru_cache(maxsize=65536)
def _w3c(moment: datetime, offset: timedelta | None) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def render_sitemap(pages: Sequence[tuple[str, datetime]], routes: Routes) -> bytes:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<urlset xmlns="{_XMLNS}">']
    for route, modified in pages:
        loc = xml_escape(routes.absolute(route))
        lines.append(f"<url><loc>{loc}</loc><lastmod>{w3c(modified)}</lastmod></url>")
    lines.append("</urlset>\n")
    return "\n".join(lines).encode()


def sitemap_dates(pages: Sequence[tuple[str, datetime]], count: int) -> list[datetime]:
    """The last modification of each of ``count`` sitemaps: all an index shows."""
    return [max(m for _, m in pages[i * SITEMAP_LIMIT : (i + 1) * SITEMAP_LIMIT]) for i in range(count)]


def render_sitemap_index(pages: Sequence[tuple[str, datetime]], count: int, routes: Routes) -> bytes:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<sitemapindex xmlns="{_XMLNS}">']
    for i, modified in enumerate(sitemap_dates(pages, count)):
        loc = xml_escape(routes.absolute(f"sitemap-{i + 1}.xml"))
        lines.append(f"<sitemap><loc>{loc}</loc><lastmod>{w3c(modified)}</lastmod></sitemap>")
    lines.append("</sitemapindex>\n")
    return "\n".join(lines).encode()
