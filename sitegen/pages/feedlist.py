"""Every feed of the site in one place: /feeds/, a page on how to subscribe
listing each feed's URL, and /feeds.opml, the site's and tags' feeds as an
OPML 2.0 subscription list that a feed reader imports in one go."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timezone
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

from ..outputs import Output
from ..pageparts import FeedLink
from ..routes import Routes, output_file
from ..site import Group, Site
from ..sitemap import latest
from . import PageKind
from .authors import author_feed_links
from .tags import tag_feed_links

if TYPE_CHECKING:
    from ..render import Renderer


@dataclass(frozen=True, slots=True)
class FeedRow:
    """A tag or an author: its page and its feeds, a link a format."""

    name: str
    url: str
    feeds: list[FeedLink]


def plan(site: Site, routes: Routes) -> list[Output]:
    if not site.config.feeds.formats:
        return []
    return [Output(output_file(routes.feeds()), "feeds"), Output(routes.opml(), "opml")]


def render_page(renderer: Renderer) -> bytes:
    config, routes, site = renderer.config, renderer.routes, renderer.site
    tags = [
        FeedRow(t.name, renderer.url(routes.tag(t.slug)), tag_feed_links(renderer, t)) for t in _tags(site)
    ]
    authors = [
        FeedRow(a.name, renderer.url(routes.author(a.slug)), author_feed_links(renderer, a))
        for a in _authors(site)
    ]
    return renderer.page(
        "feeds.html",
        routes.feeds(),
        title="Feeds",
        description=f"Follow {config.title} in a feed reader: the site, a tag or an author.",
        site_feeds=renderer.site_feed_links,
        opml_url=renderer.url(routes.opml()),
        tags=tags,
        authors=authors,
        # Its entries are days, not papers: for mail (RSS-to-email), not in the OPML.
        digest_feed=routes.absolute(routes.digest_feed()) if site.days else None,
    )


def page_shows(renderer: Renderer) -> Any:
    site = renderer.site
    tags, authors = [(t.name, t.slug) for t in _tags(site)], [(a.name, a.slug) for a in _authors(site)]
    return tags, authors, bool(site.days)


def _tags(site: Site) -> tuple[Group, ...]:
    return site.tags if site.config.feeds.tag_feeds else ()


def _authors(site: Site) -> tuple[Group, ...]:
    return site.authors if site.config.feeds.author_formats else ()


def render_opml(renderer: Renderer) -> bytes:
    """One outline a feed, in the site's first format: a reader subscribes to
    each outline it imports, and the same feed in three formats would show
    every paper three times. Authors are left out: a reader would import
    thousands of subscriptions. The date is the content's, never the clock's."""
    config, routes, site = renderer.config, renderer.routes, renderer.site
    kind = config.feeds.formats[0]
    opml = ElementTree.Element("opml", version="2.0")
    head = ElementTree.SubElement(opml, "head")
    ElementTree.SubElement(head, "title").text = f"{config.title}: feeds"
    created = latest(site.papers).astimezone(timezone.utc)
    ElementTree.SubElement(head, "dateCreated").text = format_datetime(created, usegmt=True)
    if config.author:
        ElementTree.SubElement(head, "ownerName").text = config.author
    ElementTree.SubElement(head, "docs").text = "https://opml.org/spec2.opml"
    body = ElementTree.SubElement(opml, "body")
    _outline(body, config.title, routes.absolute(routes.feed(kind)), routes.absolute(""), config.language)
    tags = _tags(site)
    if tags:
        group = ElementTree.SubElement(body, "outline", text="Tags", title="Tags")
        for tag in tags:
            feed = routes.absolute(routes.tag_feed(tag.slug, kind))
            _outline(
                group,
                f"{config.title}: {tag.name}",
                feed,
                routes.absolute(routes.tag(tag.slug)),
                config.language,
            )
    ElementTree.indent(opml)
    return ElementTree.tostring(opml, encoding="UTF-8", xml_declaration=True) + b"\n"


def _outline(parent: ElementTree.Element, title: str, feed: str, page: str, language: str) -> None:
    # type="rss" is OPML 2.0's word for any feed, Atom and JSON Feed included.
    attributes = {"type": "rss", "text": title, "title": title, "xmlUrl": feed, "htmlUrl": page}
    ElementTree.SubElement(parent, "outline", attributes, language=language)


def opml_shows(renderer: Renderer) -> Any:
    site = renderer.site
    return [(t.name, t.slug) for t in _tags(site)], latest(site.papers)


KINDS = {"feeds": PageKind(render_page, page_shows), "opml": PageKind(render_opml, opml_shows)}
