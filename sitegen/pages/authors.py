"""The author index and each author's pages (and, when asked, each author's feeds)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..outputs import Output
from ..pageparts import FeedLink
from ..routes import Routes, output_file
from ..site import Group, Site, page_count
from ..views import Named, author_home
from ..wording import counted
from . import PageKind, digests
from .feed import author_feed_title, group_feed_links

if TYPE_CHECKING:
    from ..render import Renderer


def plan(site: Site, routes: Routes) -> list[Output]:
    config = site.config
    out = [Output(output_file(routes.authors()), "authors")]
    for i, author in enumerate(site.authors):
        for n in range(1, page_count(len(author.papers), config.per_page) + 1):
            out.append(Output(output_file(routes.author(author.slug, n)), "author", (i, n)))
        feeds = config.feeds.author_formats
        out += [Output(routes.author_feed(author.slug, f), "author_feed", (f, i)) for f in feeds]
    return out


def render_index(renderer: Renderer) -> bytes:
    routes = renderer.routes
    authors = [
        Named(a.name, renderer.url(routes.author(a.slug)), str(len(a.papers))) for a in renderer.site.authors
    ]
    return renderer.page("authors.html", routes.authors(), title="Authors", authors=authors)


def index_shows(renderer: Renderer) -> Any:
    return [(a.name, a.slug, len(a.papers)) for a in renderer.site.authors]


def render(renderer: Renderer, index: int, number: int) -> bytes:
    author, routes = renderer.site.authors[index], renderer.routes
    title = f"Papers by {author.name}"
    feeds = author_feed_links(renderer, author)
    return renderer.page(
        "list.html",
        routes.author(author.slug, number),
        kind="author",
        heading=title,
        title=title if number == 1 else f"{title}, page {number}",
        description=f"{counted(len(author.papers), 'paper')} by {author.name} on {renderer.config.title}.",
        groups=renderer.groups_by_day(renderer.page_of(author.papers, number)),
        pager=renderer.pager(number, len(author.papers), lambda n: routes.author(author.slug, n)),
        count=len(author.papers),
        feeds=renderer.site_feed_links + feeds,
        author_feeds=feeds,
        own_feeds=feeds,
        home=author_home(author.url, routes) if author.url else None,
    )


def shows(renderer: Renderer, index: int, number: int) -> Any:
    author = renderer.site.authors[index]
    page = digests(renderer.page_of(author.papers, number))
    return author.name, author.slug, author.url, page, len(author.papers)


def author_feed_links(renderer: Renderer, author: Group) -> list[FeedLink]:
    formats = renderer.config.feeds.author_formats
    if not formats:
        return []
    title = author_feed_title(renderer, author)
    return group_feed_links(
        renderer, title, lambda kind: renderer.routes.author_feed(author.slug, kind), formats
    )


KINDS = {"authors": PageKind(render_index, index_shows), "author": PageKind(render, shows)}
