"""sitemap.xml, or past sitemap.SITEMAP_LIMIT pages an index and its parts.
Planned last: it counts the HTML pages planned before it."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .. import sitemap
from ..outputs import Output
from ..site import page_count
from . import PageKind

if TYPE_CHECKING:
    from ..render import Renderer


_UNLISTED = ("404", "search", "digest")  # HTML pages the sitemap leaves out: no content of their own


def plan_after(planned: Sequence[Output]) -> list[Output]:
    html_pages = sum(1 for o in planned if o.path.endswith(".html") and o.kind not in _UNLISTED)
    sitemaps = page_count(html_pages, sitemap.SITEMAP_LIMIT)
    if sitemaps == 1:
        return [Output("sitemap.xml", "sitemap", (0,))]
    index = Output("sitemap.xml", "sitemap_index", (sitemaps,))
    return [index, *(Output(f"sitemap-{i + 1}.xml", "sitemap", (i + 1,)) for i in range(sitemaps))]


def _all_pages(renderer: Renderer) -> list[tuple[str, datetime]]:
    """Every HTML page with its last modification, listed once per build."""
    pages = renderer.memo.get("sitemap")
    if pages is None:
        pages = renderer.memo["sitemap"] = list(sitemap.sitemap_entries(renderer.site, renderer.routes))
    return pages


def _pages_of(renderer: Renderer, number: int) -> list[tuple[str, datetime]]:
    """The pages sitemap ``number`` lists (0: the only sitemap, all of them)."""
    pages, limit = _all_pages(renderer), sitemap.SITEMAP_LIMIT
    return pages[(number - 1) * limit : number * limit] if number else pages


def render(renderer: Renderer, number: int) -> bytes:
    return sitemap.render_sitemap(_pages_of(renderer, number), renderer.routes)


def shows(renderer: Renderer, number: int) -> Any:
    """A digest of the (route, last modified) pages, the modification as the
    sitemap writes it (sitemap.w3c, made once a moment: not an isoformat() a
    page). Hashed a page at a time, not as one repr(): that held the GIL ~0.4 s
    for 150k pages, and the pool's threads in this process could not hand a
    waiting worker its next task."""
    h, w3c = hashlib.blake2b(digest_size=16), sitemap.w3c
    for route, modified in _pages_of(renderer, number):
        h.update(f"{route}\n{w3c(modified)}\n".encode())
    return h.hexdigest()


def render_index(renderer: Renderer, count: int) -> bytes:
    return sitemap.render_sitemap_index(_all_pages(renderer), count, renderer.routes)


def index_shows(renderer: Renderer, count: int) -> Any:
    return sitemap.sitemap_dates(_all_pages(renderer), count)


KINDS = {"sitemap": PageKind(render, shows), "sitemap_index": PageKind(render_index, index_shows)}
