"""The feeds (Atom, RSS, JSON Feed) of the site, of each tag and of each
author: their newest papers. Tag and author feeds are planned with their
pages (pages/tags.py, pages/authors.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .. import feedrecords
from ..feedentries import EntryBytes
from ..feedrecords import RECORDS
from ..feeds import FeedInfo, PreparedEntry, render_atom, render_json_feed, render_rss
from ..model import Paper
from ..outputs import Output
from ..pageparts import FeedLink, feed_link
from ..routes import Routes
from ..site import Group, Site
from . import PageKind, digests

if TYPE_CHECKING:
    from ..render import Renderer

_RENDER = {"atom": render_atom, "rss": render_rss}
_ENTRY_BYTES = "feed_entry_bytes"


def plan(site: Site, routes: Routes) -> list[Output]:
    return [Output(routes.feed(kind), "feed", (kind, None)) for kind in site.config.feeds.formats]


def render(renderer: Renderer, kind: str, tag_index: int | None) -> bytes:
    config, routes = renderer.config, renderer.routes
    if tag_index is None:
        return _render(renderer, kind, renderer.site.papers, config.title, "", routes.feed(kind), "feed")
    tag = renderer.site.tags[tag_index]
    title, route = f"{config.title}: {tag.name}", routes.tag_feed(tag.slug, kind)
    return _render(renderer, kind, tag.papers, title, routes.tag(tag.slug), route, f"tag/{tag.slug}")


def render_author(renderer: Renderer, kind: str, index: int) -> bytes:
    author, routes = renderer.site.authors[index], renderer.routes
    title, route = author_feed_title(renderer, author), routes.author_feed(author.slug, kind)
    return _render(
        renderer, kind, author.papers, title, routes.author(author.slug), route, f"author/{author.slug}"
    )


def author_feed_title(renderer: Renderer, author: Group) -> str:
    return f"{renderer.config.title}: papers by {author.name}"


def _render(
    renderer: Renderer, kind: str, papers: Sequence[Paper], title: str, page: str, route: str, feed_key: str
) -> bytes:
    config, routes = renderer.config, renderer.routes
    info = FeedInfo(
        title=title,
        description=config.description or title,
        language=config.language,
        site_url=routes.absolute(page),
        feed_url=routes.absolute(route),
        author=config.author,
        # The feed's own id: feeds.feed_id makes it from this key, never from a URL.
        id_base=feed_key,
        site_id=config.id,
    )
    shown = papers[: config.feeds.entries]
    records = renderer.memo.get(RECORDS)
    if records is not None:  # entries made with the paper pages (feedrecords.py)
        made = feedrecords.render(records, info, kind, shown)
        if made is not None:
            return made
    entries = [_entry(renderer, p) for p in shown]
    if kind == "json":
        return render_json_feed(info, entries)
    # Each entry's Atom and RSS bytes, made once for every feed that holds it (feedentries.py).
    cache = renderer.memo.get(_ENTRY_BYTES)
    if cache is None:
        cache = renderer.memo[_ENTRY_BYTES] = EntryBytes()
    return _RENDER[kind](info, entries, cache)


def _entry(renderer: Renderer, paper: Paper) -> PreparedEntry:
    """A paper's entry, made once a build for every feed and format that holds it."""
    made = renderer.memo.setdefault("feed_entries", {})
    entry = made.get(paper.id)
    if entry is None:
        entry = made[paper.id] = feedrecords.feed_entry(renderer, paper)
    return entry


def group_feed_links(
    renderer: Renderer, title: str, route_of: Callable[[str], str], formats: Sequence[str] | None = None
) -> list[FeedLink]:
    """A tag's or an author's feeds, one link a format (``formats``, by default
    ``feeds.formats``); ``route_of(format)`` is the feed's route."""
    routes = renderer.routes
    kinds = renderer.config.feeds.formats if formats is None else formats
    return [feed_link(title, kind, routes.absolute(route_of(kind))) for kind in kinds]


def shows(renderer: Renderer, kind: str, tag_index: int | None) -> Any:
    site = renderer.site
    papers = site.papers if tag_index is None else site.tags[tag_index].papers
    name = None if tag_index is None else (site.tags[tag_index].name, site.tags[tag_index].slug)
    return name, digests(papers[: renderer.config.feeds.entries])


def author_shows(renderer: Renderer, kind: str, index: int) -> Any:
    author = renderer.site.authors[index]
    return author.name, author.slug, digests(author.papers[: renderer.config.feeds.entries])


KINDS = {"feed": PageKind(render, shows), "author_feed": PageKind(render_author, author_shows)}
