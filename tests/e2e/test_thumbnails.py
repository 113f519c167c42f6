"""Thumbnails, end to end: the golden site (a paper with an https thumbnail, one with
a relative one, papers without) built under a sub-path and served over loopback.

- every page and feed URL of it resolves, the relative thumbnail included;
- the Nu Html Checker finds nothing on its pages, not even a warning;
- in Chromium at 390 and 1280 px, light and dark: no serious or critical axe
  violation, every thumbnail loads, and nothing moves while the images arrive
  late (no layout shift: the boxes have their size before the bytes come).

The https thumbnail's host is answered by the browser context itself with a square
image made here (no network; and not the box's shape, which must not matter).
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser, Route

from .conftest import REPO, Build, VnuRun, serve
from .test_browser import Visit, _check_axe, _fail_if
from .test_links import _fail, _feed_files, _json_feed_refs, _scan, _xml_feed_refs, check_refs

if TYPE_CHECKING:
    from .conftest import Server

GOLDEN_SITE = REPO / "tests/sites/golden/site"
BASE_URL = "https://example.org/sub/path/"
IMAGE = GOLDEN_SITE / "static/thumbs/lexical units.png"
RELATIVE = "static/thumbs/lexical%20units.png"  # the thumbnail written "static/thumbs/lexical units.png"
IMAGE_REFS = ("<img src>", "<meta og:image>", "<meta twitter:image>", "JSON-LD")
PAGES = {
    "home": "",
    "tag": "tags/llm/",
    "paper-https": "papers/2403.09629/",
    "paper-relative": "papers/decoding-at-the-speed-of-thought/",
}

# Layout shifts are recorded from the start of the page (buffered), as Chrome measures CLS.
_RECORD_SHIFTS = """
window.__shifts = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (!entry.hadRecentInput) window.__shifts.push({value: entry.value,
      sources: (entry.sources || []).map(s => s.node ? (s.node.className || s.node.nodeName) : '?')});
  }
}).observe({type: 'layout-shift', buffered: true});
"""
_IMAGES = """() => [...document.images].filter(i => /thumb/.test(i.className)).map(i => {
  const box = i.getBoundingClientRect();
  return {cls: i.className, src: i.currentSrc, complete: i.complete, natural: i.naturalWidth,
          width: Math.round(box.width), height: Math.round(box.height)};
})"""


@pytest.fixture(scope="session")
def thumbs_build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    root = tmp_path_factory.mktemp("site-thumbs")
    shutil.copytree(GOLDEN_SITE, root / "site")
    output = root / "output"
    command = [sys.executable, "-m", "sitegen", "build", "--site", str(root / "site"),
               "--output", str(output), "--base-url", BASE_URL, "-q"]  # fmt: skip
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return Build("thumbs", BASE_URL, output)


@pytest.fixture(scope="session")
def served_thumbs(thumbs_build: Build) -> Iterator[Server]:
    yield from serve(thumbs_build)


def test_thumbnail_urls_resolve_on_pages_and_in_feeds(thumbs_build: Build) -> None:
    build = thumbs_build
    problems: list[str] = []
    showing: list[str] = []  # what links the relative thumbnail, as "file what"
    for file in build.html_files():
        # Images and image meta tags only (test_links.py checks every link of the sample site).
        refs = [ref for ref in _scan(file, build.output).refs if ref.what in IMAGE_REFS]
        problems += check_refs(build, [(ref, build.url_of(file)) for ref in refs], page=file)[0]
        showing += [f"{ref.where.split(':')[0]} {ref.what}" for ref in refs if RELATIVE in ref.url]
    for file in _feed_files(build):
        rel = file.relative_to(build.output).as_posix()
        read = _json_feed_refs if file.suffix == ".json" else _xml_feed_refs
        refs = read(file, rel, build.base_url + rel)
        problems += check_refs(build, refs)[0]
        showing += [f"{rel} {ref.what}" for ref, _ in refs if ref.url == BASE_URL + RELATIVE]
    _fail(problems, "thumbnail URLs")
    # Where its card is: newer golden papers have pushed it to page 2 of the home and of
    # tags/llm/, and out of the site's feed (feeds.entries: 3); it has upvotes: trending.
    lists = ["page/2/", "days/2025-03-13/", "tags/llm/page/2/", "tags/speculative-decoding/",
             "authors/ada-lovelace/", "authors/chen-wei/", "trending/", "trending/month/"]  # fmt: skip
    paper = "papers/decoding-at-the-speed-of-thought/index.html"
    # The site's, its tags' and its authors' feeds (the paper's two authors).
    feeds = ["tags/llm/", "tags/speculative-decoding/", "authors/ada-lovelace/", "authors/chen-wei/"]
    assert sorted(showing) == sorted(
        [f"{route}index.html <img src>" for route in lists]
        + [f"{paper} {what}" for what in IMAGE_REFS]
        + [f"{folder}{name} <thumbnail url>" for folder in feeds for name in ("atom.xml", "rss.xml")]
        + [f'{folder}feed.json "image"' for folder in feeds if folder.startswith("tags/")]  # authors: no JSON
    )


def test_pages_with_thumbnails_are_valid_html_without_warnings(
    thumbs_build: Build, java: str, vnu_jar: Path
) -> None:
    files = [thumbs_build.output / route / "index.html" for route in PAGES.values()]
    run = VnuRun(java, vnu_jar, files, errors_only=False)
    try:
        messages = run.messages()
    finally:
        run.stop()
    shown = [f"{m.get('type')}: {m.get('message')} [{m.get('extract')}]" for m in messages]
    assert messages == [], "\n".join(shown)


def _png(width: int, height: int) -> bytes:
    """A plain grey PNG of this size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


# Not the box's 40:21: the box must keep its shape whatever the image's.
SQUARE = _png(300, 300)
_NEXT_FRAMES = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


@dataclass
class LateImages:
    """Holds every PNG request until ``deliver``: the page is laid out and painted
    without them first, as on a slow network."""

    held: list[Route] = field(default_factory=list)

    def deliver(self) -> None:
        while self.held:
            route = self.held.pop(0)
            body = SQUARE if route.request.url.startswith("https://example.com/") else IMAGE.read_bytes()
            route.fulfill(status=200, body=body, content_type="image/png")


def _open_late(browser: Browser, url: str, width: int, dark: bool) -> tuple[Visit, LateImages]:
    """The page, painted with its stylesheet and without its images; shifts recorded from its start."""
    context = browser.new_context(
        viewport={"width": width, "height": 900}, color_scheme="dark" if dark else "light"
    )
    context.add_init_script(_RECORD_SHIFTS)
    late = LateImages()
    context.route("**/*.png", lambda route: late.held.append(route))  # the site's own and the https one's
    page = context.new_page()
    visit = Visit(page)
    page.on("requestfailed", lambda r: visit.problems.append(f"request failed: {r.url} ({r.failure})"))
    page.on("response", lambda r: r.status >= 400 and visit.problems.append(f"HTTP {r.status} for {r.url}"))
    page.on("pageerror", lambda error: visit.problems.append(f"page error: {error}"))
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_function("() => [...document.styleSheets].some(s => s.href && s.cssRules.length > 0)")
    page.evaluate(_NEXT_FRAMES)
    return visit, late


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("name", list(PAGES))
def test_thumbnails_load_late_without_moving_anything(
    name: str, width: int, dark: bool, browser: Browser, served_thumbs: Server, axe_script: Path
) -> None:
    url = served_thumbs.url + PAGES[name]
    visit, late = _open_late(browser, url, width, dark)
    page = visit.page
    before = page.evaluate(_IMAGES)
    if any(image["complete"] for image in before):
        visit.problems.append(f"an image was there before it was sent: {before}")
    # Bring every lazy card image into view, and send the images as they are asked for.
    page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
    deadline = time.monotonic() + 10
    while not page.evaluate("() => [...document.images].every(i => i.complete)"):
        assert time.monotonic() < deadline, "the images never finished loading"
        late.deliver()
        page.wait_for_timeout(50)
    page.evaluate(_NEXT_FRAMES)
    page.evaluate("() => window.scrollTo(0, 0)")
    after = page.evaluate(_IMAGES)
    if not after:
        visit.problems.append("no thumbnail on the page")
    for image in after:
        if image["natural"] == 0:
            visit.problems.append(f"{image['src']} did not load")
    if [(i["width"], i["height"]) for i in before] != [(i["width"], i["height"]) for i in after]:
        visit.problems.append(f"thumbnail boxes changed size as the images loaded: {before} -> {after}")
    shifts = page.evaluate("() => window.__shifts")
    if shifts:
        visit.problems.append(f"layout shifts: {shifts}")
    _check_axe(visit, axe_script, f"{name} at {width} px{', dark' if dark else ''}")
    _fail_if(visit, f"{name} ({url}) at {width} px{' dark' if dark else ''}")


_BOXES = """() => [...document.images].filter(i => /thumb/.test(i.className)).map(i => {
  const box = i.getBoundingClientRect();
  const article = i.closest('article');
  const text = article.getBoundingClientRect();
  const before = article.querySelector(i.className === 'thumbnail' ? '.paper-header' : '.card-title');
  const near = before.getBoundingClientRect();
  return {cls: i.className, width: box.width, height: box.height, fit: getComputedStyle(i).objectFit,
          text: text.width, text_right: text.right, right: box.right, top: box.top,
          near_top: near.top, near_bottom: near.bottom};
})"""


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("name", ["home", "paper-https"])
def test_thumbnail_boxes_have_the_documented_shape_before_any_image_comes(
    name: str, width: int, browser: Browser, served_thumbs: Server
) -> None:
    """docs/content.md, "Thumbnails": a 40:21 box; on a card 160x84 (about 104x55
    on a phone), cropped to fill (cover); on the paper page as wide as the text,
    the image shown whole (contain). Measured with no image sent: the box alone."""
    visit, _late = _open_late(browser, served_thumbs.url + PAGES[name], width, dark=False)
    boxes = visit.page.evaluate(_BOXES)
    visit.page.context.close()
    assert boxes, "no thumbnail"
    for box in boxes:
        assert abs(box["width"] / box["height"] - 40 / 21) < 0.02, box
        if name == "home":
            card = (160, 84) if width == 1280 else (104, 55)
            assert (round(box["width"]), round(box["height"])) == card, box
            assert box["fit"] == "cover", box
            # At the card's right (within its padding), beside the title (which wraps around it).
            assert box["text_right"] - 25 <= box["right"] <= box["text_right"], box
            assert box["top"] < box["near_bottom"], box
        else:
            assert box["cls"] == "thumbnail" and box["fit"] == "contain", box
            assert abs(box["width"] - box["text"]) <= 1, box
            assert box["top"] >= box["near_bottom"], "under the header"
