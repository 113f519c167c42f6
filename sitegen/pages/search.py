"""The search page: Pagefind's interface over the index search.py builds
(docs/search.md). Settings and templates alone make it; only with ``search: true``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..outputs import Output
from ..routes import Routes, output_file
from ..site import Site
from . import PageKind

if TYPE_CHECKING:
    from ..render import Renderer


def plan(site: Site, routes: Routes) -> list[Output]:
    return [Output(output_file(routes.search()), "search")] if site.config.search else []


def render(renderer: Renderer) -> bytes:
    # noindex, and not in the sitemap: a page with no content of its own
    return renderer.page("search.html", renderer.routes.search(), title="Search", noindex=True)


KINDS = {"search": PageKind(render)}
