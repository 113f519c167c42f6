"""The tag index and each tag's pages (and, when asked, each tag's feeds)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..outputs import Output
from ..pageparts import FeedLink, feed_link
from ..routes import Routes, output_file
from ..site import Group, Site, page_count
from ..views import Named
from ..wording import counted
from . import PageKind, digests

if TYPE_CHECKING:
    from ..render import Renderer


def plan(site: Site, routes: Routes) -> list[Output]:
    config = site.config
    out = [Output(output_file(routes.tags()), "tags")]
    for i, tag in enumerate(site.tags):
        for n in range(1, page_count(len(tag.papers), config.per_page) + 1):
            out.append(Output(output_file(routes.tag(tag.slug, n)), "tag", (i, n)))
        if config.feeds.tag_feeds:
            out += [Output(routes.tag_feed(tag.slug, f), "feed", (f, i)) for f in config.feeds.formats]
    return out


def render_index(renderer: Renderer) -> bytes:
    routes = renderer.routes
    tags = [Named(t.name, renderer.url(routes.tag(t.slug)), str(len(t.papers))) for t in renderer.site.tags]
    return renderer.page("tags.html", routes.tags(), title="Tags", tags=tags)


def index_shows(renderer: Renderer) -> Any:
    return [(t.name, t.slug, len(t.papers)) for t in renderer.site.tags]


def render(renderer: Renderer, index: int, number: int) -> bytes:
    tag, routes = renderer.site.tags[index], renderer.routes
    title = f"Papers tagged “{tag.name}”"
    feeds = tag_feed_links(renderer, tag)
    return renderer.page(
        "list.html",
        routes.tag(tag.slug, number),
        kind="tag",
        heading=title,
        title=title if number == 1 else f"{title}, page {number}",
        description=f"{counted(len(tag.papers), 'paper')} tagged “{tag.name}” on {renderer.config.title}.",
        groups=renderer.groups_by_day(renderer.page_of(tag.papers, number)),
        pager=renderer.pager(number, len(tag.papers), lambda n: routes.tag(tag.slug, n)),
        count=len(tag.papers),
        feeds=renderer.site_feed_links + feeds,
        tag_feeds=feeds,
        own_feeds=feeds,
    )


def shows(renderer: Renderer, index: int, number: int) -> Any:
    tag = renderer.site.tags[index]
    return tag.name, tag.slug, digests(renderer.page_of(tag.papers, number)), len(tag.papers)


def tag_feed_links(renderer: Renderer, tag: Group) -> list[FeedLink]:
    config, routes = renderer.config, renderer.routes
    if not config.feeds.tag_feeds:
        return []
    return [
        feed_link(f"{config.title}: {tag.name}", kind, routes.absolute(routes.tag_feed(tag.slug, kind)))
        for kind in config.feeds.formats
    ]


KINDS = {"tags": PageKind(render_index, index_shows), "tag": PageKind(render, shows)}
