"""The author index and each author's page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..outputs import Output
from ..routes import Routes, output_file
from ..site import Site
from ..views import Named
from ..wording import counted
from . import PageKind, digests

if TYPE_CHECKING:
    from ..render import Renderer


def plan(site: Site, routes: Routes) -> list[Output]:
    out = [Output(output_file(routes.authors()), "authors")]
    out += [Output(output_file(routes.author(a.slug)), "author", (i,)) for i, a in enumerate(site.authors)]
    return out


def render_index(renderer: Renderer) -> bytes:
    routes = renderer.routes
    authors = [
        Named(a.name, renderer.url(routes.author(a.slug)), str(len(a.papers))) for a in renderer.site.authors
    ]
    return renderer.page("authors.html", routes.authors(), title="Authors", authors=authors)


def index_shows(renderer: Renderer) -> Any:
    return [(a.name, a.slug, len(a.papers)) for a in renderer.site.authors]


def render(renderer: Renderer, index: int) -> bytes:
    author = renderer.site.authors[index]
    return renderer.page(
        "list.html",
        renderer.routes.author(author.slug),
        kind="author",
        heading=f"Papers by {author.name}",
        title=f"Papers by {author.name}",
        description=f"{counted(len(author.papers), 'paper')} by {author.name} on {renderer.config.title}.",
        groups=renderer.groups_by_day(author.papers),
        pager=None,
        count=len(author.papers),
    )


def shows(renderer: Renderer, index: int) -> Any:
    author = renderer.site.authors[index]
    return author.name, digests(author.papers)


KINDS = {"authors": PageKind(render_index, index_shows), "author": PageKind(render, shows)}
