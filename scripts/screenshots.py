"""Screenshots of the sample site for docs/img/: build it with a theme, serve it, shoot pages.

    python scripts/screenshots.py                      # the compact theme's three shots
    python scripts/screenshots.py --theme default --shot home:1280 --shot paper:390:dark

The repository root is a site (site.yaml + content/): it is copied into a temporary
folder with ``theme:`` set, built with the real CLI, served over loopback and opened
in Debian's chromium through Playwright (never `playwright install`). A shot is
PAGE:WIDTH[:dark], PAGE one of home, paper, tag, day, tags, feeds, search, 404,
trending, digest (the first paper, day and tag in site order; search types "decoding"
into the home page's search box, presses Enter and opens the Tag filter of the
results), or related or cite: that section of the first paper's page alone;
each PNG is the first screen (WIDTH x 720 px by default, --height), named
docs/img/<theme>-<page>-<width>[-dark].png. A PNG over --max-bytes (200 KB) is an
error (exit 1): shoot a smaller screen. The sample has no upvotes (its seed lists
titles and abstracts only): ``--upvotes`` gives its papers made-up counts, for trending;
say so wherever such a shot is shown. Needs the test extra (playwright) and chromium.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from sitegen.devserver import PreviewServer

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DEFAULT_SHOTS = ("home:1280", "home:1280:dark", "paper:390")
PAGES = ("home", "paper", "tag", "day", "tags", "feeds", "search", "404", "trending", "digest",
         "related", "cite")  # fmt: skip
# Shots of one section of a page: page name -> CSS selector.
SECTIONS = {"related": "section.related", "cite": "section.cite"}
BASE_URL = "https://example.org/"
SEARCH_QUERY = "decoding"
MAX_BYTES = 200_000


@dataclass(frozen=True)
class Shot:
    page: str
    width: int
    dark: bool

    @classmethod
    def parse(cls, text: str) -> Shot:
        parts = text.split(":")
        if not 2 <= len(parts) <= 3 or parts[0] not in PAGES or not parts[1].isdigit():
            raise argparse.ArgumentTypeError(f"expected PAGE:WIDTH[:dark], PAGE one of {', '.join(PAGES)}")
        if len(parts) == 3 and parts[2] != "dark":
            raise argparse.ArgumentTypeError(f"expected 'dark' after the width, got {parts[2]!r}")
        return cls(parts[0], int(parts[1]), len(parts) == 3)

    def file_name(self, theme: str) -> str:
        return f"{theme}-{self.page}-{self.width}{'-dark' if self.dark else ''}.png"


def sample_site(theme: str, folder: Path, upvotes: bool = False) -> Path:
    """A copy of the repository's sample site with ``theme:`` set, and with
    made-up upvote counts if ``upvotes``."""
    site = folder / "site"
    shutil.copytree(REPO / "content", site / "content")
    if upvotes:
        add_upvotes(site / "content")
    settings = (REPO / "site.yaml").read_text(encoding="utf-8")
    settings = re.sub(r"(?m)^theme:.*\n", "", settings)
    (site / "site.yaml").write_text(f"{settings.rstrip()}\ntheme: {theme}\n", encoding="utf-8")
    return site


def add_upvotes(content: Path) -> None:
    """A made-up, deterministic count for every paper (as tests/e2e's upvoted site)."""
    import yaml  # a dependency of sitegen

    for source in sorted(content.rglob("*.yaml")):
        papers = yaml.safe_load(source.read_text(encoding="utf-8"))
        for i, paper in enumerate(papers):
            paper["upvotes"] = (i * 37) % 97
        source.write_text(yaml.safe_dump(papers, sort_keys=False, allow_unicode=True), encoding="utf-8")


def build(site: Path, output: Path) -> None:
    command = [sys.executable, "-m", "sitegen", "build", "--site", str(site), "--output", str(output),
               "--base-url", BASE_URL, "-q"]  # fmt: skip
    subprocess.run(command, check=True, cwd=REPO)


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """The output folder over loopback, answered as `sitegen serve` answers (404.html when missing)."""
    server = PreviewServer("127.0.0.1", 0, str(folder))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}/"
    finally:
        server.shutdown()
        server.server_close()


def page_routes(output: Path) -> dict[str, str]:
    """Page name -> route: the first paper, day and tag in the sitemap."""
    root = ElementTree.parse(output / "sitemap.xml").getroot()
    routes = [(el.text or "")[len(BASE_URL) :] for el in root.iter() if el.tag.endswith("}loc")]

    def first(pattern: str) -> str:
        return next((r for r in routes if re.fullmatch(pattern, r)), "")

    return {
        "home": "",
        "paper": first(r"papers/[^/]+/"),
        "tag": first(r"tags/[^/]+/"),
        "day": first(r"days/\d{4}-\d\d-\d\d/"),
        "tags": "tags/",
        "feeds": "feeds/",
        "search": "",  # the home page: its header's box is where the query is typed
        "404": "no/such/page/",
        "trending": "trending/",
        "digest": first(r"days/\d{4}-\d\d-\d\d/").replace("days/", "digest/", 1),
        "related": first(r"papers/[^/]+/"),
        "cite": first(r"papers/[^/]+/"),
    }


def take(
    theme: str, shots: list[Shot], out_dir: Path, height: int, chromium: str, upvotes: bool = False
) -> list[Path]:
    from playwright.sync_api import sync_playwright  # the test extra

    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="sitegen-shots-") as tmp:
        output = Path(tmp) / "output"
        build(sample_site(theme, Path(tmp), upvotes), output)
        routes = page_routes(output)
        with serve(output) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
            for shot in shots:
                context = browser.new_context(
                    viewport={"width": shot.width, "height": height},
                    color_scheme="dark" if shot.dark else "light",
                    device_scale_factor=1,
                )
                page = context.new_page()
                response = page.goto(url + routes[shot.page], wait_until="networkidle")
                if shot.page != "404" and (response is None or response.status != 200):
                    status = response.status if response else "no response"
                    hint = " (trending needs --upvotes)" if shot.page == "trending" else ""
                    raise SystemExit(f"{shot.page}: /{routes[shot.page]} answered {status}{hint}")
                if shot.page == "search":
                    _search(page)
                path = out_dir / shot.file_name(theme)
                if shot.page in SECTIONS:
                    page.locator(SECTIONS[shot.page]).first.screenshot(path=str(path))
                else:
                    page.screenshot(path=str(path))  # the viewport only: small files
                context.close()
                written.append(path)
            browser.close()
    return written


def _search(page) -> None:  # noqa: ANN001 - playwright's Page, imported late
    """Type the query into the header's box, submit, wait for Pagefind's results
    and open the Tag filter."""
    page.fill("#site-search-q", SEARCH_QUERY)
    page.press("#site-search-q", "Enter")
    page.wait_for_url(re.compile(r"/search/\?q="))
    message = "q => (document.querySelector('.pagefind-ui__message') || {}).textContent?.includes(q)"
    page.wait_for_function(message, arg=SEARCH_QUERY)
    page.wait_for_selector(".pagefind-ui__result-link")
    page.click(".pagefind-ui__filter-name")  # the "Tag" disclosure
    page.wait_for_selector(".pagefind-ui__filter-checkbox")
    page.mouse.move(0, 0)  # no hover state in the shot


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--theme", default="compact", help="the theme to build with (default: compact)")
    parser.add_argument("--shot", action="append", type=Shot.parse, metavar="PAGE:WIDTH[:dark]",
                        help=f"a page to shoot; repeat (default: {' '.join(DEFAULT_SHOTS)})")  # fmt: skip
    parser.add_argument("--height", type=int, default=720, help="viewport height in px (default: 720)")
    parser.add_argument("--max-bytes", type=int, default=MAX_BYTES, help="largest PNG (default: 200000)")
    parser.add_argument("--out", type=Path, default=REPO / "docs/img", help="folder (default: docs/img)")
    parser.add_argument("--chromium", default=CHROMIUM, help=f"the browser (default: {CHROMIUM})")
    parser.add_argument("--upvotes", action="store_true", help="made-up upvote counts (for trending)")
    args = parser.parse_args(argv)
    shots = args.shot or [Shot.parse(s) for s in DEFAULT_SHOTS]
    status = 0
    for path in take(args.theme, shots, args.out, args.height, args.chromium, args.upvotes):
        size = path.stat().st_size
        print(f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path}: {size} bytes")
        if size > args.max_bytes:
            print(f"  larger than {args.max_bytes} bytes: use a smaller --height", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
