"""The sub-path build, served over loopback and opened in headless Chromium, for each theme.

For the home, a paper, a tag, a day, the search, the feeds and the 404 page, a day's email digest,
(on the sample site with upvotes) trending and a day in listing order, and a paper with authors and
an author page of the golden tree (the sample names no authors), at a phone width (390 px)
and a desktop width (1280 px): no console errors, no failed requests, nothing
wider than the viewport, and no serious or critical axe-core violations; then
axe again with prefers-color-scheme: dark, for contrast. Screenshots go to a
pytest tmp folder, and the main ones to /tmp/sitegen-shots/ for people to look at.

Uses Debian's chromium through Playwright (never `playwright install`).
"""

from __future__ import annotations

import base64
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Response, Route

from .conftest import UPVOTED_ONLY, serve

if TYPE_CHECKING:
    from .conftest import Build, Server

SHOTS = Path("/tmp/sitegen-shots")
# Screenshots the lead looks at: (page, width, dark)
SHOWN = {("home", 390, False), ("home", 1280, False), ("paper", 390, False), ("paper", 1280, False),
         ("tag", 1280, False), ("paper", 1280, True)}  # fmt: skip
SHOT_HEIGHT_LIMIT = 2400  # px; a whole home page at 390 px is too tall to look at
BLOCKING_IMPACTS = ("serious", "critical")
WIDTHS = (390, 1280)
# 1x1 transparent PNG.
_EMPTY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
NAMES = ("home", "paper", "tag", "day", "404", "search", "feeds", "authored", "author",
         "digest", "trending", "trending-all", "day-listed")  # fmt: skip
# An email: inline styles only, and its own light palette in a dark browser too.
EMAIL = ("digest",)

_OVERFLOW_JS = """() => {
  const width = window.innerWidth;
  const out = (box) => box.right > width + 1 || box.left < -1;
  const classes = (el) => typeof el.className === 'string' && el.className.trim()
    ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + classes(el);
  const culprits = [];
  if (document.documentElement.scrollWidth > width) {
    for (const el of document.body.querySelectorAll('*')) {
      const box = el.getBoundingClientRect();
      // the innermost elements that stick out: what has to wrap, shrink or scroll
      if (out(box) && ![...el.children].some(c => out(c.getBoundingClientRect()))) {
        const path = [];
        for (let p = el; p && p !== document.body && path.length < 4; p = p.parentElement) {
          path.unshift(name(p));
        }
        culprits.push(`${path.join(' > ')} (${Math.round(box.left)}..${Math.round(box.right)} px): ` +
                      JSON.stringify((el.textContent || '').trim().slice(0, 50)));
      }
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width, wide: culprits.slice(0, 8)};
}"""


@pytest.fixture(scope="session")
def shot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return tmp_path_factory.mktemp("screenshots")


def _sitemap_urls(build: Build) -> list[str]:
    root = ElementTree.parse(build.output / "sitemap.xml").getroot()
    return [el.text or "" for el in root.iter() if el.tag.endswith("}loc")]


@pytest.fixture(scope="session")
def targets(
    sub_build: Build, served_sub: Server, served_golden: Server, upvoted_build: Build, served_upvoted: Server
) -> dict[str, str]:
    """Page name -> served URL: the first paper and day in site order, the biggest tag; from
    the golden tree (the sample names no authors), a paper whose authors have an affiliation
    and a homepage, and that author's page."""
    routes = [u[len(sub_build.base_url) :] for u in _sitemap_urls(sub_build)]
    papers = [r for r in routes if re.fullmatch(r"papers/[^/]+/", r)]
    days = [r for r in routes if re.fullmatch(r"days/\d{4}-\d\d-\d\d/", r)]
    tags = [r for r in routes if re.fullmatch(r"tags/[^/]+/", r)]
    assert papers and days and tags, "the sample site needs papers, days and tags in its sitemap"
    biggest_tag = max(tags, key=lambda r: (sub_build.output / r / "index.html").stat().st_size)
    return {
        "home": served_sub.url,
        "paper": served_sub.url + papers[0],
        "tag": served_sub.url + biggest_tag,
        "day": served_sub.url + days[0],
        "404": served_sub.url + "no/such/page/",
        "search": served_sub.url + "search/",  # left out of the sitemap (noindex)
        "feeds": served_sub.url + "feeds/",
        "authored": served_golden.url + "papers/2403.09629/",
        "author": served_golden.url + "authors/noah-d-goodman/",
        "digest": served_sub.url + days[0].replace("days/", "digest/"),
        # pages only upvotes bring: the sample site with upvotes (conftest.upvoted_build)
        "trending": served_upvoted.url + "trending/",
        "trending-all": served_upvoted.url + "trending/all/",
        "day-listed": served_upvoted.url + days[0] + "listed/",
    }


@dataclass
class Visit:
    page: Page
    problems: list[str] = field(default_factory=list)


def _open(
    browser: Browser, url: str, width: int, *, dark: bool = False, expect: int = 200, email: bool = False
) -> Visit:
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        color_scheme="dark" if dark else "light",
        device_scale_factor=1,
    )
    # A content image on another host (the golden paper's thumbnail) cannot load on a machine
    # without internet: it is stood in for by an empty PNG. Anything else from elsewhere (a
    # theme's CDN script or stylesheet) still fails the page.
    context.route(lambda u: urlsplit(u).hostname not in ("127.0.0.1", "localhost"), _offline)
    page = context.new_page()
    visit = Visit(page)

    def email_icon(requested: str) -> bool:
        # An email names no icon (a mail client shows none), so the browser asks for
        # /favicon.ico, outside the sub-path the test server serves.
        return email and requested.endswith("/favicon.ico")

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            text = message.text
            if email_icon(message.location.get("url") or ""):
                return
            if expect == 404 and "404" in text and "Failed to load resource" in text:
                return  # the deliberate 404 of the page itself
            visit.problems.append(f"console error: {text} ({message.location.get('url')})")

    def failed(request: Request) -> None:
        visit.problems.append(f"request failed: {request.url} ({request.failure})")

    def response(resp: Response) -> None:
        if resp.status >= 400 and not (expect == 404 and resp.url == url) and not email_icon(resp.url):
            visit.problems.append(f"HTTP {resp.status} for {resp.url}")

    page.on("console", console)
    page.on("pageerror", lambda error: visit.problems.append(f"page error: {error}"))
    page.on("requestfailed", failed)
    page.on("response", response)
    answer = page.goto(url, wait_until="load")
    if answer is None or answer.status != expect:
        visit.problems.append(f"{url} answered HTTP {answer.status if answer else None}, expected {expect}")
    return visit


def _offline(route: Route) -> None:
    if route.request.resource_type == "image":
        route.fulfill(status=200, content_type="image/png", body=_EMPTY_PNG)
    else:
        route.continue_()


def _axe(page: Page, axe_script: Path) -> list[dict]:
    page.add_script_tag(path=str(axe_script))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return result["violations"]


def _describe(violation: dict) -> str:
    nodes = violation.get("nodes", [])
    lines = [f"[{violation.get('impact')}] {violation['id']}: {violation['help']} ({len(nodes)} elements)"]
    for node in nodes[:4]:
        summary = " ".join((node.get("failureSummary") or "").split())
        lines.append(f"    {', '.join(map(str, node.get('target', [])))}: {node.get('html', '')[:140]}")
        lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


def _check_axe(visit: Visit, axe_script: Path, label: str) -> None:
    violations = _axe(visit.page, axe_script)
    blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
    visit.problems += [f"axe ({label}): {_describe(v)}" for v in blocking]
    for v in violations:
        if v not in blocking:
            warnings.warn(f"axe ({label}): {_describe(v)}", stacklevel=1)


def _screenshot(
    page: Page, name: str, width: int, dark: bool, shot_dir: Path, theme: str = "default"
) -> None:
    stem = f"{'' if theme == 'default' else theme + '-'}{'dark-' if dark else ''}{name}-{width}"
    height = page.evaluate("() => document.documentElement.scrollHeight")
    clip = {"x": 0, "y": 0, "width": width, "height": min(height, SHOT_HEIGHT_LIMIT)}
    page.screenshot(path=str(shot_dir / f"{stem}.png"), full_page=True, clip=clip)
    if (name, width, dark) in SHOWN:
        page.screenshot(path=str(SHOTS / f"{stem}.png"), full_page=True, clip=clip)


def _fail_if(visit: Visit, what: str) -> None:
    visit.page.context.close()
    if visit.problems:
        pytest.fail(f"{what}: {len(visit.problems)} problems:\n" + "\n".join(visit.problems), pytrace=False)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", NAMES)
def test_page_in_browser(
    name: str,
    width: int,
    browser: Browser,
    targets: dict[str, str],
    axe_script: Path,
    shot_dir: Path,
    theme: str,
) -> None:
    url = targets[name]
    visit = _open(browser, url, width, expect=404 if name == "404" else 200, email=name in EMAIL)
    page = visit.page
    if page.title().strip() == "":
        visit.problems.append("the page has no title")
    sheets = page.evaluate("() => [...document.styleSheets].map(s => s.href || '<style>')")
    if name in EMAIL:
        if sheets:  # mail clients drop them: everything must be inline
            visit.problems.append(f"an email with stylesheets: {sheets}")
    # the stylesheet must have loaded and applied (a broken static URL would not show as overflow)
    elif not page.evaluate("() => [...document.styleSheets].some(s => s.href && s.cssRules.length > 0)"):
        visit.problems.append("no stylesheet was applied")
    overflow = page.evaluate(_OVERFLOW_JS)
    if overflow["scrollWidth"] > overflow["innerWidth"]:
        visit.problems.append(
            f"horizontal overflow: the page is {overflow['scrollWidth']} px wide in a "
            f"{overflow['innerWidth']} px viewport; too wide: " + "; ".join(overflow["wide"])
        )
    _check_axe(visit, axe_script, f"{name} at {width} px")
    _screenshot(page, name, width, False, shot_dir, theme)
    _fail_if(visit, f"{name} page ({url}) at {width} px")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(
    "name", ["home", "paper", "search", "feeds", "authored", "author", "trending", "day-listed", "digest"]
)
def test_dark_mode_contrast(
    name: str,
    width: int,
    browser: Browser,
    targets: dict[str, str],
    axe_script: Path,
    shot_dir: Path,
    theme: str,
) -> None:
    url = targets[name]
    visit = _open(browser, url, width, dark=True, email=name in EMAIL)
    page = visit.page
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    channels = [int(c) for c in re.findall(r"\d+", background)[:3]]
    if name in EMAIL:  # light in every client: it says so (color-scheme: light) and sets its colours
        if len(channels) == 3 and sum(channels) < 3 * 128:
            visit.problems.append(f"the email turned dark (body background {background})")
    elif len(channels) == 3 and sum(channels) > 3 * 128:
        visit.problems.append(
            f"prefers-color-scheme: dark still shows a light page (body background {background})"
        )
    _check_axe(visit, axe_script, f"{name} at {width} px, dark")
    _screenshot(page, name, width, True, shot_dir, theme)
    _fail_if(visit, f"{name} page ({url}) at {width} px in dark mode")


def test_keyboard_focus_is_visible(browser: Browser, targets: dict[str, str]) -> None:
    """Tab first reaches the skip link, which then shows on screen with a focus outline."""
    visit = _open(browser, targets["home"], 390)
    page = visit.page
    page.keyboard.press("Tab")
    state = page.evaluate(
        """() => {
      const el = document.activeElement, box = el.getBoundingClientRect(), style = getComputedStyle(el);
      return {tag: el.tagName, href: el.getAttribute('href'), top: box.top, bottom: box.bottom,
              outline: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth),
              shadow: style.boxShadow};
    }"""
    )
    if state["tag"] != "A" or not (state["href"] or "").startswith("#"):
        visit.problems.append(f"the first Tab stop is not a skip link: {state}")
    if state["bottom"] <= 0 or state["top"] >= 900:
        visit.problems.append(f"the focused skip link is off screen: {state}")
    if (state["outline"] == "none" or state["outlineWidth"] < 2) and state["shadow"] == "none":
        visit.problems.append(f"the focused element shows no focus ring: {state}")
    page.keyboard.press("Enter")
    focused = page.evaluate("() => document.activeElement.id || document.activeElement.tagName")
    if focused != state["href"][1:]:
        visit.problems.append(f"following the skip link focused {focused!r}, not {state['href']!r}")
    _fail_if(visit, "keyboard focus")


def test_no_page_overflows_on_a_phone(
    browser: Browser, sub_build: Build, served_sub: Server, upvoted_build: Build, served_upvoted: Server
) -> None:
    """Every page of the site at 390 px: long titles, URLs, BibTeX and formulas must wrap or scroll;
    and the pages only upvotes bring."""
    context = browser.new_context(viewport={"width": 390, "height": 900})
    page = context.new_page()
    problems = []
    upvoted = [f for f in upvoted_build.html_files() if UPVOTED_ONLY.search(f.as_posix())]
    files = [(served_sub, f) for f in sub_build.html_files()] + [(served_upvoted, f) for f in upvoted]
    for server, file in files:
        url = server.url_of(file)
        page.goto(url, wait_until="load")
        overflow = page.evaluate(_OVERFLOW_JS)
        if overflow["scrollWidth"] > overflow["innerWidth"]:
            problems.append(f"{url}: {overflow['scrollWidth']} px wide: " + "; ".join(overflow["wide"]))
    context.close()
    if problems:
        pytest.fail(
            f"{len(problems)} of {len(files)} pages overflow at 390 px:\n" + "\n".join(problems),
            pytrace=False,
        )


# --- the compact theme's own promises (docs/themes.md) ---------------------------------


@pytest.fixture(scope="session")
def served_compact(site_builds: Callable[[str, str], Build]) -> Iterator[Server]:
    """The compact theme's sub-path build, served (whichever theme the other tests are on)."""
    yield from serve(site_builds("compact", "sub"))


_LINES_JS = """() => [...document.querySelectorAll('.entry')].map(entry => {
  const line = entry.querySelector('.entry-line').getBoundingClientRect();
  const title = entry.querySelector('.entry-title');
  const toggle = entry.querySelector('summary');
  const box = toggle ? toggle.getBoundingClientRect() : null;
  return {title: title.textContent.trim().slice(0, 40), height: line.height,
          lineHeight: parseFloat(getComputedStyle(title).lineHeight),
          toggleInLine: box ? box.top >= line.top - 2 && box.bottom <= line.bottom + 2 : null};
})"""


def test_compact_lists_one_line_per_paper_on_a_wide_screen(browser: Browser, served_compact: Server) -> None:
    visit = _open(browser, served_compact.url, 1280)
    entries = visit.page.evaluate(_LINES_JS)
    if len(entries) < 10:
        visit.problems.append(f"expected a page of entries, found {len(entries)}")
    for e in entries:
        if e["height"] > 1.5 * e["lineHeight"] or e["toggleInLine"] is False:
            visit.problems.append(f"not one line: {e}")
    _fail_if(visit, "compact home at 1280 px")


_CUTS_JS = """() => [...document.querySelectorAll('.entry')].map(entry => {
  const cut = (el) => el.scrollWidth > el.clientWidth + 1;
  const title = entry.querySelector('.entry-title a');
  const authors = entry.querySelector('.entry-authors');
  const line = entry.querySelector('.entry-line').getBoundingClientRect();
  const toggle = entry.querySelector('summary').getBoundingClientRect();
  return {id: title.getAttribute('href'), titleCut: cut(title), authorsCut: cut(authors),
          authorsWidth: authors.clientWidth, lineHeight: line.height,
          titleLine: parseFloat(getComputedStyle(entry.querySelector('.entry-title')).lineHeight),
          toggleBelow: toggle.top >= line.bottom - 1};
})"""


def test_compact_cuts_the_authors_before_the_title_and_wraps_on_a_phone(
    browser: Browser, tmp_path: Path
) -> None:
    """docs/themes.md: on a wide screen the authors are cut with an ellipsis first, then the
    title; on a phone the line wraps and the Abstract toggle sits below it."""
    from contextlib import contextmanager

    from sitegen.build import build
    from tests.sitekit import paper, write_site

    from .conftest import Build

    names = [f"Author {i} With A Really Quite Remarkably Long Name To Cut" for i in range(12)]
    papers = [
        paper("short", title="A short title", authors=names, tags=["llm"], abstract="A."),
        paper("long", title="A long title " + "that goes on and on " * 12, authors=names, abstract="B."),
    ]
    site = write_site(tmp_path / "site", papers, theme="compact", base_url="https://example.org/c/")
    build(site)
    with contextmanager(serve)(Build("cuts", "https://example.org/c/", site / "output", "compact")) as server:
        wide = _open(browser, server.url, 1280)
        entries = {e["id"]: e for e in wide.page.evaluate(_CUTS_JS)}
        short, long = entries["/c/papers/short/"], entries["/c/papers/long/"]
        if short["titleCut"] or not short["authorsCut"]:
            wide.problems.append(
                f"a short title with many authors: the authors are cut, not the title: {short}"
            )
        if not (long["titleCut"] and long["authorsCut"] and long["authorsWidth"] <= 80):
            wide.problems.append(f"a title too long for the line is cut after the authors are: {long}")
        _fail_if(wide, "compact at 1280 px")
        phone = _open(browser, server.url, 390)
        for e in phone.page.evaluate(_CUTS_JS):
            if e["titleCut"] or e["lineHeight"] < 1.5 * e["titleLine"] or not e["toggleBelow"]:
                phone.problems.append(f"on a phone the line wraps, uncut, and the toggle sits below: {e}")
        _fail_if(phone, "compact at 390 px")


@pytest.mark.parametrize("width", WIDTHS)
def test_compact_abstracts_open_and_stay_accessible(
    width: int, browser: Browser, served_compact: Server, axe_script: Path
) -> None:
    """A click (and Enter on the focused toggle) opens one; then, with every abstract open,
    no overflow and no axe violation in either colour scheme."""
    for dark in (False, True):
        visit = _open(browser, served_compact.url, width, dark=dark)
        page = visit.page
        first = page.locator(".entry-abstract").first
        first.locator("summary").click()
        if not first.evaluate("d => d.open && d.querySelector('.prose').getBoundingClientRect().height > 20"):
            visit.problems.append("a click on the first Abstract toggle did not show the abstract")
        second = page.locator(".entry-abstract").nth(1)
        second.locator("summary").focus()
        page.keyboard.press("Enter")
        if not second.evaluate("d => d.open"):
            visit.problems.append("Enter on the second Abstract toggle did not open it")
        page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
        overflow = page.evaluate(_OVERFLOW_JS)
        if overflow["scrollWidth"] > overflow["innerWidth"]:
            visit.problems.append(f"abstracts open: too wide: {'; '.join(overflow['wide'])}")
        _check_axe(visit, axe_script, f"compact home, abstracts open, {width} px{', dark' if dark else ''}")
        _fail_if(visit, f"compact home with its abstracts open at {width} px{' (dark)' if dark else ''}")


# --- the citation block's copy button (docs/content.md, "Citations") ---------------------


def _tab_to(page: Page, selector: str, limit: int = 80) -> bool:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement === document.querySelector(s)", selector):
            return True
    return False


def test_the_copy_button_copies_the_bibtex_from_the_keyboard_and_says_so(
    browser: Browser, targets: dict[str, str]
) -> None:
    visit = _open(browser, targets["paper"], 390)
    page = visit.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    button = page.locator("button.copy-button")
    status = page.locator(".cite .copy-status")
    if not button.is_visible():
        visit.problems.append("with JavaScript the copy button is not shown")
    elif not _tab_to(page, "button.copy-button"):
        visit.problems.append("Tab never reaches the copy button")
    else:
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.querySelector('.cite .copy-status').textContent !== ''")
        if status.text_content() != "Copied" or status.get_attribute("role") != "status":
            visit.problems.append(
                f"the status says {status.text_content()!r} in role {status.get_attribute('role')}"
            )
        copied = page.evaluate("() => navigator.clipboard.readText()")
        shown = page.locator("#bibtex-entry").text_content()
        if copied != shown or not copied.startswith("@"):
            visit.problems.append(f"the clipboard holds {copied[:80]!r}, not the entry {shown[:80]!r}")
    _fail_if(visit, "copy button")


def test_without_a_clipboard_the_copy_button_selects_the_entry(
    browser: Browser, targets: dict[str, str]
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(targets["paper"], wait_until="load")
    page.locator("button.copy-button").click()
    page.wait_for_function("() => document.querySelector('.cite .copy-status').textContent !== ''")
    said = page.locator(".cite .copy-status").text_content()
    selected = page.evaluate("() => window.getSelection().toString()")
    shown = page.locator("#bibtex-entry").text_content()
    context.close()
    assert errors == []
    assert said == "Selected: press Ctrl+C to copy"
    assert selected.strip() == shown.strip()


def test_without_javascript_the_button_is_hidden_and_the_entry_is_text(
    browser: Browser, targets: dict[str, str]
) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 900})
    page = context.new_page()
    page.goto(targets["paper"], wait_until="load")
    hidden = not page.locator("button.copy-button").is_visible()
    entry = page.locator("#bibtex-entry")
    visible, text = entry.is_visible(), entry.text_content() or ""
    links = [a.get_attribute("href") for a in page.locator(".cite-actions a").all()]
    context.close()
    assert hidden, "the copy button shows although nothing could make it work"
    assert visible and text.startswith("@")
    assert [href.rsplit("/", 1)[-1] for href in links] == ["cite.bib", "cite.ris"]
