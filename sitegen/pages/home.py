"""The home page: the newest papers, per_page at a time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..outputs import Output
from ..routes import Routes, output_file
from ..site import Site, page_count
from . import PageKind, digests

if TYPE_CHECKING:
    from ..render import Renderer


def plan(site: Site, routes: Routes) -> list[Output]:
    pages = page_count(len(site.papers), site.config.per_page)
    return [Output(output_file(routes.home(n)), "home", (n,)) for n in range(1, pages + 1)]


def render(renderer: Renderer, number: int) -> bytes:
    papers, title = renderer.site.papers, renderer.config.title
    return renderer.page(
        "list.html",
        renderer.routes.home(number),
        kind="home",
        heading=title,
        title=title if number == 1 else f"{title}, page {number}",
        groups=renderer.groups_by_day(renderer.page_of(papers, number)),
        pager=renderer.pager(number, len(papers), renderer.routes.home),
        count=len(papers),
    )


def shows(renderer: Renderer, number: int) -> Any:
    papers = renderer.site.papers
    return digests(renderer.page_of(papers, number)), len(papers)


KINDS = {"home": PageKind(render, shows)}
