"""The archive (days by month) and each listing day's page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..datefilters import long_date
from ..outputs import Output
from ..pageparts import DayGroup, DayLink, Month
from ..routes import Routes, output_file
from ..site import Site
from ..views import Named
from ..wording import counted
from . import PageKind, digests

if TYPE_CHECKING:
    from ..render import Renderer


def plan(site: Site, routes: Routes) -> list[Output]:
    out = [Output(output_file(routes.days()), "days")]
    out += [Output(output_file(routes.day(d.day)), "day", (i,)) for i, d in enumerate(site.days)]
    return out


def render_index(renderer: Renderer) -> bytes:
    routes = renderer.routes
    months: list[Month] = []
    for day in renderer.site.days:
        label = day.day.strftime("%B %Y")
        if not months or months[-1].label != label:
            months.append(Month(label, []))
        months[-1].days.append(DayLink(day.day, renderer.url(routes.day(day.day)), len(day.papers)))
    return renderer.page("days.html", routes.days(), title="Archive", months=months)


def index_shows(renderer: Renderer) -> Any:
    return [(d.day, len(d.papers)) for d in renderer.site.days]


def render(renderer: Renderer, index: int) -> bytes:
    days, routes = renderer.site.days, renderer.routes
    day = days[index]
    # days run newest first: the previous (older) day comes after this one
    older = days[index + 1] if index + 1 < len(days) else None
    newer = days[index - 1] if index > 0 else None
    title = f"Papers of {long_date(day.day)}"
    return renderer.page(
        "list.html",
        routes.day(day.day),
        kind="day",
        heading=title,
        title=title,
        description=f"{counted(len(day.papers), 'paper')} listed on {long_date(day.day)}.",
        groups=[DayGroup(None, None, [renderer.card(p.id) for p in day.papers])],
        pager=None,
        count=len(day.papers),
        older=Named(long_date(older.day), renderer.url(routes.day(older.day))) if older else None,
        newer=Named(long_date(newer.day), renderer.url(routes.day(newer.day))) if newer else None,
    )


def shows(renderer: Renderer, index: int) -> Any:
    days = renderer.site.days
    around = days[max(0, index - 1) : index + 2]
    return [d.day for d in around], digests(days[index].papers)


KINDS = {"days": PageKind(render_index, index_shows), "day": PageKind(render, shows)}
