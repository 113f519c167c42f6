"""Files made from settings and templates alone: the 404 page and robots.txt."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..outputs import Output
from ..routes import Routes
from ..site import Site
from . import PageKind

if TYPE_CHECKING:
    from ..render import Renderer


def plan(site: Site, routes: Routes) -> list[Output]:
    return [Output("404.html", "404"), Output("robots.txt", "robots")]


def render_not_found(renderer: Renderer) -> bytes:
    return renderer.page("404.html", "404.html", title="Page not found", noindex=True)


def render_robots(renderer: Renderer) -> bytes:
    sitemap = renderer.routes.absolute("sitemap.xml")
    return f"User-agent: *\nAllow: /\n\nSitemap: {sitemap}\n".encode()


KINDS = {"404": PageKind(render_not_found), "robots": PageKind(render_robots)}
