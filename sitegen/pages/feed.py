"""The site's feeds and each tag's (Atom, RSS, JSON Feed): the newest papers.
Tag feeds are planned with their tag (pages/tags.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from ..feeds import FeedEntry, FeedInfo, render_atom, render_json_feed, render_rss
from ..model import Paper
from ..outputs import Output
from ..routes import Routes
from ..site import Site
from . import PageKind, digests

if TYPE_CHECKING:
    from ..render import Renderer

_RENDER = {"atom": render_atom, "rss": render_rss, "json": render_json_feed}


def plan(site: Site, routes: Routes) -> list[Output]:
    return [Output(routes.feed(kind), "feed", (kind, None)) for kind in site.config.feeds.formats]


def render(renderer: Renderer, kind: str, tag_index: int | None) -> bytes:
    config, routes = renderer.config, renderer.routes
    if tag_index is None:
        papers, title, page, route = renderer.site.papers, config.title, "", routes.feed(kind)
        feed_key = "feed"
    else:
        tag = renderer.site.tags[tag_index]
        papers, title = tag.papers, f"{config.title}: {tag.name}"
        page, route, feed_key = routes.tag(tag.slug), routes.tag_feed(tag.slug, kind), f"tag/{tag.slug}"
    info = FeedInfo(
        title=title,
        description=config.description or title,
        language=config.language,
        site_url=routes.absolute(page),
        feed_url=routes.absolute(route),
        author=config.author,
        id_base=feed_key,
        site_id=config.id,
    )
    entries = [_entry(renderer, p) for p in papers[: config.feeds.entries]]
    return _RENDER[kind](info, entries)


def _entry(renderer: Renderer, paper: Paper) -> FeedEntry:
    view = renderer.view(paper.id)
    content = view.abstract_html
    if view.note_html:
        content = Markup("{}<p><strong>Curator’s note</strong></p>{}").format(content, view.note_html)
    return FeedEntry(
        paper=paper,
        url=view.abs_url,
        content_html=str(content),
        summary=view.summary,
        title=view.title,
        thumbnail=view.thumbnail_abs_url,
    )


def shows(renderer: Renderer, kind: str, tag_index: int | None) -> Any:
    site = renderer.site
    papers = site.papers if tag_index is None else site.tags[tag_index].papers
    name = None if tag_index is None else (site.tags[tag_index].name, site.tags[tag_index].slug)
    return name, digests(papers[: renderer.config.feeds.entries])


KINDS = {"feed": PageKind(render, shows)}
