"""The site header's layout in the browser, for each theme, with and without the
Trending link (the sample site, and the sample with upvotes), light and dark.

At 1280 px the site's name, the nav and the search box share one row: the box
does not wrap under the name. At 390 px the nav's links fit on one line and
nothing in the header is wider than the screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser

from .test_browser import _fail_if, _open

if TYPE_CHECKING:
    from .conftest import Server

_BOXES_JS = """() => {
  const box = (el) => { const r = el.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
  const one = (selector) => { const el = document.querySelector(selector); return el ? box(el) : null; };
  return {
    title: one('.site-title'), nav: one('.site-nav ul'), search: one('.site-search'),
    links: [...document.querySelectorAll('.site-nav a')].map(a => ({text: a.textContent, ...box(a)})),
    inside: [...document.querySelectorAll('.site-header *')].map(box),
    scrollWidth: document.documentElement.scrollWidth,
  };
}"""


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("trending", [False, True], ids=["no-trending", "trending"])
def test_the_header_lays_out_on_a_phone_and_a_desktop(
    trending: bool, width: int, dark: bool, browser: Browser, served_sub: Server, served_upvoted: Server
) -> None:
    server = served_upvoted if trending else served_sub
    visit = _open(browser, server.url, width, dark=dark)
    boxes = visit.page.evaluate(_BOXES_JS)
    problems = visit.problems
    labels = [link["text"].strip() for link in boxes["links"]]
    if ("Trending" in labels) != trending:
        problems.append(f"the nav is {labels}: Trending {'missing' if trending else 'shown'}")
    title, search = boxes["title"], boxes["search"]
    if search is None:
        problems.append("the home page has no search box")
    tops = {round(link["top"]) for link in boxes["links"]}
    if len(tops) != 1:
        problems.append(f"the nav's links wrap onto {len(tops)} lines: {labels}")
    if width >= 1280:
        for name in ("nav", "search"):
            row = boxes[name]
            if row and not (row["top"] < title["bottom"] and row["bottom"] > title["top"]):
                problems.append(f"the {name} is not on the site name's row: {row} vs {title}")
    else:
        if boxes["scrollWidth"] > width:
            problems.append(f"the page is {boxes['scrollWidth']} px wide at {width} px")
        wide = [b for b in boxes["inside"] if b["right"] > width + 1 or b["left"] < -1]
        if wide:
            problems.append(f"{len(wide)} header elements reach past the screen: {wide[:3]}")
        if search and abs(search["left"] - title["left"]) > 1:
            problems.append(f"the search box is not aligned with the site name: {search} vs {title}")
    mode = f"{' with Trending' if trending else ''}{' (dark)' if dark else ''}"
    _fail_if(visit, f"the header at {width} px{mode}")
