"""/trending/ (this week), /trending/month/ and /trending/all/: papers ranked
by upvotes with a time decay (sitegen/trending.py). None when no paper has upvotes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..model import Paper
from ..outputs import Output
from ..routes import Routes, output_file
from ..site import Site
from ..trending import WINDOWS, has_upvotes, rank
from ..views import Named
from . import PageKind, digests

if TYPE_CHECKING:
    from ..render import Renderer


def plan(site: Site, routes: Routes) -> list[Output]:
    if not has_upvotes(site.papers):
        return []
    return [Output(output_file(routes.trending(w.name)), "trending", (i,)) for i, w in enumerate(WINDOWS)]


def _ranked(renderer: Renderer, index: int) -> list[Paper]:
    """Every paper of the window, ranked: worked out once per build and window."""
    memo = renderer.memo.setdefault("trending", {})
    ranked = memo.get(index)
    if ranked is None:
        site = renderer.site
        ranked = memo[index] = rank(site.papers, site.days[0].day, WINDOWS[index])
    return ranked


def render(renderer: Renderer, index: int) -> bytes:
    routes, window = renderer.routes, WINDOWS[index]
    ranked = _ranked(renderer, index)
    shown = ranked[: renderer.config.trending.papers]
    reference = renderer.site.days[0].day
    tabs = [
        Named(w.label, renderer.url(routes.trending(w.name)), "page" if i == index else None)
        for i, w in enumerate(WINDOWS)
    ]
    title = "Trending" if index == 0 else f"Trending: {window.label.lower()}"
    return renderer.page(
        "trending.html",
        routes.trending(window.name),
        title=title,
        description=f"The most upvoted papers on {renderer.config.title}, {window.label.lower()}.",
        window=window,
        tabs=tabs,
        reference=reference,
        cards=[renderer.card(p.id) for p in shown],
        count=len(ranked),
    )


def shows(renderer: Renderer, index: int) -> Any:
    # The ranking depends on every paper of the window, but the page shows only
    # the first ones, the reference day and how many there are: a change in an
    # unshown paper that leaves those alone leaves the page alone.
    ranked = _ranked(renderer, index)
    return renderer.site.days[0].day, len(ranked), digests(ranked[: renderer.config.trending.papers])


KINDS = {"trending": PageKind(render, shows)}
