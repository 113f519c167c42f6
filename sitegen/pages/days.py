"""The archive (days by month) and each listing day's page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..datefilters import long_date
from ..outputs import Output
from ..pageparts import DayLink, Month
from ..routes import Routes, output_file
from ..site import Site
from ..trending import two_orders
from ..views import Named
from ..wording import counted
from . import PageKind, digests

if TYPE_CHECKING:
    from ..render import Renderer


# A day's papers come most upvoted first, like everywhere on the site; a day
# with upvotes also has them in listing order, at days/<day>/listed/.
LISTED = "listed"


def plan(site: Site, routes: Routes) -> list[Output]:
    out = [Output(output_file(routes.days()), "days")]
    for i, d in enumerate(site.days):
        out.append(Output(output_file(routes.day(d.day)), "day", (i,)))
        if two_orders(d.papers):
            out.append(Output(output_file(routes.day(d.day, LISTED)), "day", (i, LISTED)))
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


def render(renderer: Renderer, index: int, order: str = "") -> bytes:
    days, routes = renderer.site.days, renderer.routes
    day = days[index]
    papers = day.listed if order else day.papers
    orders = None
    if two_orders(day.papers):
        orders = [
            Named("Most upvoted", renderer.url(routes.day(day.day)), None if order else "page"),
            Named("In listing order", renderer.url(routes.day(day.day, LISTED)), "page" if order else None),
        ]
    # days run newest first: the previous (older) day comes after this one
    older = days[index + 1] if index + 1 < len(days) else None
    newer = days[index - 1] if index > 0 else None
    title = f"Papers of {long_date(day.day)}"
    return renderer.page(
        "list.html",
        routes.day(day.day, order),
        kind="day",
        heading=title,
        title=f"{title}, in listing order" if order else title,
        description=f"{counted(len(day.papers), 'paper')} listed on {long_date(day.day)}.",
        groups=[renderer.day_group(None, None, renderer.cards([p.id for p in papers]))],
        orders=orders,
        digest_url=renderer.url(routes.digest(day.day)),
        digest_text_url=renderer.url(routes.digest_text(day.day)),
        pager=None,
        count=len(day.papers),
        older=Named(long_date(older.day), renderer.url(routes.day(older.day))) if older else None,
        newer=Named(long_date(newer.day), renderer.url(routes.day(newer.day))) if newer else None,
    )


def shows(renderer: Renderer, index: int, order: str = "") -> Any:
    days = renderer.site.days
    around = days[max(0, index - 1) : index + 2]
    papers = days[index].listed if order else days[index].papers
    # the digests hold the upvotes: whether the order toggle shows
    return [d.day for d in around], digests(papers)


KINDS = {"days": PageKind(render_index, index_shows), "day": PageKind(render, shows)}
