"""`sitegen serve` in a subprocess, opened in headless Chromium: the tab follows the edits by itself.

Edit a paper: the open page reloads with the change within 2 s, the test never
reloading it. Break the file: the page turns into the error page naming it.
Fix it: the page comes back. output/ stays byte for byte and mtime for mtime
what `sitegen build` wrote before the session. Paths that climb out of the
site (``..``, ``%2e%2e``, a symlink out) are refused.

The browser runs in a thread of its own: Playwright's sync API refuses to start
in a thread where another instance (test_browser.py's) is running.
"""

from __future__ import annotations

import concurrent.futures
import http.client
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from tests.sitekit import paper, write_site

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
RELOAD_SECONDS = 2.0
THEME = Path(__file__).resolve().parents[2] / "themes" / "default"


def state_of(folder: Path) -> dict[str, tuple[bytes, int]]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns) for p in files}


def in_a_thread(scenario: Callable[[], None]) -> None:
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(scenario).result()  # an assertion failing there is raised here


@pytest.fixture
def session(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[Path, str, subprocess.Popen]]:
    """A site under a sub-path, built once to output/, then served by `sitegen serve --port 0`;
    with a param, its pages carry that Content-Security-Policy."""
    site = write_site(tmp_path / "site", [paper("first", title="First title")], base_url="https://x.org/lab/")
    csp = getattr(request, "param", None)
    if csp:
        base = (THEME / "templates" / "base.html").read_text()
        meta = f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        (site / "templates").mkdir()
        (site / "templates" / "base.html").write_text(
            base.replace('<meta charset="utf-8">', f'<meta charset="utf-8">{meta}', 1)
        )
    built = subprocess.run([sys.executable, "-m", "sitegen", "build", "--site", str(site), "-q"], timeout=120)
    assert built.returncode == 0
    process = subprocess.Popen(
        [sys.executable, "-m", "sitegen", "serve", "--site", str(site), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline()
    match = re.search(r"serving at (\S+) ", line)
    try:
        assert match, f"no URL in {line!r}"
        yield site, match[1], process
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
        assert process.returncode == 0 and "Traceback" not in err, err
        assert not list(site.glob(".sitegen-cache/serve-*")), "the session's folder is removed"


def retitle(site: Path, title: str) -> None:
    write_site(site, [paper("first", title=title)], base_url="https://x.org/lab/")


def wait_for_text(page: Page, text: str, seconds: float) -> float:
    """Seconds until ``text`` is on the page, never reloading it from here."""
    started = time.monotonic()
    page.wait_for_function("t => document.body && document.body.innerText.includes(t)", arg=text,
                           timeout=seconds * 1000)  # fmt: skip
    return time.monotonic() - started


def test_the_open_tab_follows_edits_errors_and_fixes(session, chromium: str) -> None:
    site, url, _ = session
    output_before = state_of(site / "output")
    assert url.endswith("/lab/")

    def scenario() -> None:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
            try:
                page = browser.new_page()
                page.goto(url + "papers/first/")
                assert "First title" in page.inner_text("h1")
                page.evaluate("window.sitegenMark = 'not reloaded'")

                retitle(site, "Second title")
                seconds = wait_for_text(page, "Second title", RELOAD_SECONDS + 1)
                assert seconds < RELOAD_SECONDS, f"reloaded after {seconds:.1f} s"
                assert page.evaluate("window.sitegenMark") is None, "the page was reloaded, not patched"

                write_site(site, [paper("first", title="")], base_url="https://x.org/lab/")
                wait_for_text(page, "The site does not build", 10)
                problems = page.inner_text(".problems")
                assert "content/papers/papers.yaml:2" in problems and "title" in problems

                retitle(site, "Third title")
                wait_for_text(page, "Third title", 10)
                assert page.url == url + "papers/first/"
            finally:
                browser.close()

    in_a_thread(scenario)
    assert state_of(site / "output") == output_before, "output/ is untouched by the preview"


@pytest.mark.parametrize("session", ["default-src 'self'"], indirect=True)
def test_a_theme_csp_that_allows_its_own_origin_still_reloads(session, chromium: str) -> None:
    """The script is an external file from the preview's origin, so no 'unsafe-inline' is needed."""
    site, url, _ = session

    def scenario() -> None:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
            try:
                page = browser.new_page()
                violations: list[str] = []
                page.on(
                    "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
                )
                page.goto(url + "papers/first/")
                assert "Content-Security-Policy" in page.content()
                retitle(site, "Second title")
                wait_for_text(page, "Second title", RELOAD_SECONDS + 1)
                assert violations == []
            finally:
                browser.close()

    in_a_thread(scenario)


@pytest.mark.parametrize(
    "path", ["/lab/../site.yaml", "/lab/%2e%2e/%2e%2e/secret.txt", "/lab/..%2fsite.yaml"]
)
def test_paths_outside_the_site_are_refused(session, path: str) -> None:
    site, url, _ = session
    (site.parent / "secret.txt").write_text("SECRET")
    status, body = raw_get(url, path)
    assert status == 404 and "SECRET" not in body and "base_url" not in body


def test_a_symlink_out_of_the_site_is_refused(session) -> None:
    site, url, _ = session
    (site.parent / "secret.txt").write_text("SECRET")
    served = next(site.glob(".sitegen-cache/serve-*/site"))
    (served / "leak.txt").symlink_to(site.parent / "secret.txt")
    (served / "out").symlink_to(site.parent, target_is_directory=True)
    for path in ("/lab/leak.txt", "/lab/out/secret.txt"):
        status, body = raw_get(url, path)
        assert status == 404 and "SECRET" not in body, path


def raw_get(url: str, path: str) -> tuple[int, str]:
    host, port = re.match(r"http://([^:/]+):(\d+)/", url).groups()
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        connection.request("GET", path)  # as written: a browser would normalise it first
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()
