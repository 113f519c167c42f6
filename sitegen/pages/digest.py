"""Each listing day as an email: digest/<day>/ (inline styles, tables,
absolute links), digest/<day>.txt, and digest/atom.xml for RSS-to-email
services (sitegen/digest.py, docs/reading.md)."""

from __future__ import annotations

from datetime import datetime, time
from typing import TYPE_CHECKING, Any

from feedgen.feed import FeedGenerator

from ..datefilters import long_date
from ..digest import FEED_DAYS, DigestItem, fitting, render_text
from ..feedrecords import digest_items
from ..feeds import GENERATOR, FeedInfo, digest_entry_id, feed_id
from ..outputs import Output
from ..routes import Routes, output_file
from ..site import Day, Site
from ..wording import counted
from . import PageKind, digests

if TYPE_CHECKING:
    from ..render import Renderer


def plan(site: Site, routes: Routes) -> list[Output]:
    out = []
    for i, day in enumerate(site.days):
        out.append(Output(output_file(routes.digest(day.day)), "digest", (i,)))
        out.append(Output(routes.digest_text(day.day), "digest_text", (i,)))
    if site.days:
        out.append(Output(routes.digest_feed(), "digest_feed"))
    return out


def _heading(day: Day) -> str:
    return f"Papers of {long_date(day.day)}"


def _shown(renderer: Renderer, index: int) -> tuple[list[DigestItem], bytes | None]:
    """The papers the day's digest shows (as many as digest.papers allows and
    the size budget lets in), and its HTML page if working that out made it.

    A process keeps only the papers, until the plain-text twin has taken them
    (the newest days' also for the feed): not every day's page and list, which
    at 100k papers was ~100 KB a day in every process that rendered digests."""
    memo = renderer.memo.setdefault("digest", {})
    items = memo.get(index)
    if items is not None:
        return items, None
    day = renderer.site.days[index]
    wanted = min(len(day.papers), renderer.config.digest.papers)
    items = digest_items(renderer, day.papers[:wanted])  # made with the paper pages, if they were
    shown, page = fitting(lambda n: _render(renderer, day, items[:n], "digest.html"), wanted)
    items = memo[index] = items[:shown]
    return items, page


def _render(renderer: Renderer, day: Day, items: list[DigestItem], template: str) -> bytes:
    routes, listed = renderer.routes, f"{counted(len(day.papers), 'paper')} listed"
    return renderer.page(
        template,
        routes.digest(day.day),
        title=_heading(day),
        heading=_heading(day),
        intro=f"{listed} on {long_date(day.day)} on {renderer.config.title}.",
        items=items,
        more=len(day.papers) - len(items),
        day_url=routes.absolute(routes.day(day.day)),
        home_url=routes.absolute(routes.home()),
        feed_url=routes.absolute(routes.digest_feed()),
    )


def render(renderer: Renderer, index: int) -> bytes:
    items, page = _shown(renderer, index)
    return page if page is not None else _render(renderer, renderer.site.days[index], items, "digest.html")


def render_plain(renderer: Renderer, index: int) -> bytes:
    day, routes = renderer.site.days[index], renderer.routes
    items = _shown(renderer, index)[0]  # the same papers as the HTML: the two parts of one email
    if index >= FEED_DAYS:  # planned after the HTML page: nothing here needs them again
        renderer.memo["digest"].pop(index, None)
    return render_text(
        f"{renderer.config.title}: papers of {long_date(day.day)}",
        f"{counted(len(day.papers), 'paper')} listed on {long_date(day.day)}.",
        routes.absolute(routes.day(day.day)),
        items,
        len(day.papers) - len(items),
        f"The digest as a feed, for RSS-to-email services: {routes.absolute(routes.digest_feed())}",
    )


def shows(renderer: Renderer, index: int) -> Any:
    day = renderer.site.days[index]
    return digests(day.papers[: renderer.config.digest.papers]), len(day.papers)


def render_feed(renderer: Renderer) -> bytes:
    config, routes = renderer.config, renderer.routes
    info = FeedInfo(
        title=f"{config.title}: daily digest",
        description=config.description or config.title,
        language=config.language,
        site_url=routes.absolute(routes.days()),
        feed_url=routes.absolute(routes.digest_feed()),
        author=config.author,
        id_base="digest",
        site_id=config.id,
    )
    fg = FeedGenerator()
    fg.id(feed_id(info))
    fg.title(info.title)
    fg.subtitle(info.description)
    fg.language(info.language)
    fg.link(href=info.feed_url, rel="self", type="application/atom+xml")
    fg.link(href=info.site_url, rel="alternate", type="text/html")
    fg.generator(GENERATOR)
    fg.author(name=config.author or config.title)
    days = renderer.site.days[:FEED_DAYS]
    # A day's entry is dated at the day's start: fixed, so that refreshed
    # upvotes never make a service mail a day twice.
    starts = [datetime.combine(d.day, time(), config.timezone) for d in days]
    fg.updated(max(starts))
    for index, (day, start) in enumerate(zip(days, starts, strict=True)):
        entry = fg.add_entry(order="append")
        entry.id(digest_entry_id(day.day, config.id))
        entry.title(_heading(day))
        entry.link(href=routes.absolute(routes.day(day.day)), rel="alternate", type="text/html")
        entry.published(start)
        entry.updated(start)
        body = _render(renderer, day, _shown(renderer, index)[0], "_digest_body.html")
        entry.content(body.decode("utf-8"), type="html")
    return fg.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True)


def feed_shows(renderer: Renderer) -> Any:
    days = renderer.site.days[:FEED_DAYS]
    return [(d.day, shows(renderer, i)) for i, d in enumerate(days)]


KINDS = {
    "digest": PageKind(render, shows),
    "digest_text": PageKind(render_plain, shows),
    "digest_feed": PageKind(render_feed, feed_shows),
}
