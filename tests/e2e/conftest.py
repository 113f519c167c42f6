"""End-to-end fixtures: the sample site built with the real CLI, and served over loopback.

The repository root is itself a site (site.yaml + content/). It is built into pytest
temporary folders once at the root of a host and once under a sub-path, because a
sub-path base_url is where hand-made URLs break; and that for each built-in theme
(the ``theme`` fixture), so every theme is held to the same checks: for a theme but
the default, each site is built from a copy with ``theme:`` set.
"""

from __future__ import annotations

import http.server
import json
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from playwright.sync_api import Browser, Playwright, sync_playwright

REPO = Path(__file__).resolve().parents[2]
E2E = Path(__file__).resolve().parent
NODE_MODULES = E2E / "node_modules"
NPM_HINT = "run `cd tests/e2e && npm install` (or `bash .ci/run`, which does it)"

VNU_JAR = "vnu-jar/build/dist/vnu.jar"
# The pages a site has only when some paper has upvotes.
UPVOTED_ONLY = re.compile(r"/output/(trending/|days/[^/]+/listed/)")
ROOT_BASE_URL = "https://example.org/"
SUB_BASE_URL = "https://example.org/sub/path/"
GOLDEN_BASE_URL = "https://example.org/golden/"  # tests/sites/golden/site/site.yaml
GOLDEN_SITE = REPO / "tests/sites/golden/site"
THEMES = ("default", "compact")  # the built-in themes: sitegen.theme.builtin_theme_names()


@dataclass(frozen=True)
class Build:
    """One built copy of the sample site."""

    name: str
    base_url: str
    output: Path
    theme: str = "default"

    @property
    def base_path(self) -> str:
        return urlsplit(self.base_url).path

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc

    def html_files(self) -> list[Path]:
        return sorted(self.output.rglob("*.html"))

    def url_of(self, file: Path) -> str:
        """The public URL of an output file (index.html files are served as their folder)."""
        rel = file.relative_to(self.output).as_posix()
        if rel == "index.html":
            rel = ""
        elif rel.endswith("/index.html"):
            rel = rel[: -len("index.html")]
        return self.base_url + rel


def _with_theme(site: Path, theme: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``site`` itself for the default theme (its site.yaml names none), else a copy with ``theme:`` set."""
    if theme == "default":
        return site
    copy = tmp_path_factory.mktemp(f"source-{theme}")
    for part in ("content", "static", "templates", "themes"):  # what a site is (not the repository)
        if (site / part).is_dir():
            shutil.copytree(site / part, copy / part)
    settings = (site / "site.yaml").read_text(encoding="utf-8")
    assert "\ntheme:" not in settings, f"{site}/site.yaml names no theme: it uses the default"
    (copy / "site.yaml").write_text(f"{settings.rstrip()}\ntheme: {theme}\n", encoding="utf-8")
    return copy


def _build(
    name: str,
    base_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    site: Path = REPO,
    theme: str = "default",
) -> Build:
    output = tmp_path_factory.mktemp(f"site-{theme}-{name}") / "output"
    site = _with_theme(site, theme, tmp_path_factory)
    command = [
        sys.executable, "-m", "sitegen", "build",
        "--site", str(site), "--output", str(output), "--base-url", base_url, "-q",
    ]  # fmt: skip
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        pytest.fail(
            f"`sitegen build` of the sample site failed (exit {result.returncode}):\n"
            f"{result.stdout}\n{result.stderr}",
            pytrace=False,
        )
    if not (output / "index.html").is_file():
        pytest.fail(f"`sitegen build` wrote no index.html into {output}", pytrace=False)
    return Build(name, base_url, output, theme)


@pytest.fixture(scope="session")
def site_builds(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str, str], Build]:
    """(theme, "root", "sub", "golden", "upvoted" or "no-cite-files") -> that build, made once a session."""
    made: dict[tuple[str, str], Build] = {}

    def get(theme: str, name: str) -> Build:
        if (theme, name) in made:
            return made[theme, name]
        if name == "golden" and theme == "default":
            # The stored tree (tests/test_golden.py keeps it equal to a build).
            build = Build("golden", GOLDEN_BASE_URL, REPO / "tests/sites/golden/expected")
        elif name == "golden":
            build = _build(name, GOLDEN_BASE_URL, tmp_path_factory, GOLDEN_SITE, theme)
        elif name in ("upvoted", "no-cite-files"):
            site = request.getfixturevalue(name.replace("-", "_") + "_site")
            build = _build(name, SUB_BASE_URL, tmp_path_factory, site, theme)
        else:
            base_url = {"root": ROOT_BASE_URL, "sub": SUB_BASE_URL}[name]
            build = _build(name, base_url, tmp_path_factory, REPO, theme)
        made[theme, name] = build
        return build

    return get


@pytest.fixture(scope="session", params=THEMES)
def theme(request: pytest.FixtureRequest) -> str:
    """Each built-in theme in turn: every test of a build below runs once per theme."""
    return request.param


@pytest.fixture(scope="session")
def root_build(theme: str, site_builds: Callable[[str, str], Build]) -> Build:
    """The sample site built for https://example.org/."""
    return site_builds(theme, "root")


@pytest.fixture(scope="session")
def sub_build(theme: str, site_builds: Callable[[str, str], Build]) -> Build:
    """The sample site built for https://example.org/sub/path/."""
    return site_builds(theme, "sub")


@pytest.fixture(scope="session")
def golden_build(theme: str, site_builds: Callable[[str, str], Build]) -> Build:
    """The golden site: it has what the sample lacks, authors with affiliations and a
    homepage, and their pages. For the default theme, its stored tree."""
    return site_builds(theme, "golden")


@pytest.fixture(scope="session")
def upvoted_build(theme: str, site_builds: Callable[[str, str], Build]) -> Build:
    """The sample site with upvotes (see upvoted_site), built for https://example.org/sub/path/."""
    return site_builds(theme, "upvoted")


@pytest.fixture(scope="session")
def upvoted_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample site with upvotes, for the pages only upvotes bring (trending,
    days in listing order). The sample content has none (the seed it comes from
    has titles and abstracts only); here each paper gets a made-up count, and
    every third is moved 10 days back (in this month's trending, not this week's)."""
    site = tmp_path_factory.mktemp("upvoted-site")
    shutil.copy(REPO / "site.yaml", site / "site.yaml")
    for source in sorted((REPO / "content").rglob("*.yaml")):
        papers = yaml.safe_load(source.read_text(encoding="utf-8"))
        for i, paper in enumerate(papers):
            paper["upvotes"] = (i * 37) % 97
            if i % 3 == 2:
                paper["date"] = paper["date"] - timedelta(days=10)
        target = site / source.relative_to(REPO)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(yaml.safe_dump(papers, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return site


@pytest.fixture(scope="session")
def no_cite_files_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample site with ``citation_files: false``: no cite.bib or cite.ris, and
    nothing may link to them (docs/content.md, Citations)."""
    site = tmp_path_factory.mktemp("no-cite-files-site")
    settings = (REPO / "site.yaml").read_text(encoding="utf-8")
    (site / "site.yaml").write_text(f"{settings.rstrip()}\ncitation_files: false\n", encoding="utf-8")
    shutil.copytree(REPO / "content", site / "content")
    return site


@pytest.fixture(scope="session", params=["root", "sub", "upvoted", "no-cite-files"])
def build(request: pytest.FixtureRequest, theme: str, site_builds: Callable[[str, str], Build]) -> Build:
    """Each of the four builds in turn (of each theme)."""
    return site_builds(theme, request.param)


# --- serving -------------------------------------------------------------------------


class _SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves an output folder at a URL prefix, like a static host would.

    Anything outside the prefix, and any missing file, is a 404 answered with the
    site's own 404.html (as GitHub Pages, Netlify and nginx setups do).
    """

    prefix = "/"

    def __init__(self, *args, prefix: str, **kwargs) -> None:
        self.prefix = prefix
        super().__init__(*args, **kwargs)

    def translate_path(self, path: str) -> str:
        route = path.split("?", 1)[0].split("#", 1)[0]
        if not route.startswith(self.prefix):
            return str(Path(self.directory) / ".no-such-file")
        return super().translate_path("/" + route[len(self.prefix) :])

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass


@dataclass(frozen=True)
class Server:
    build: Build
    url: str  # where the site's base_url is served, e.g. http://127.0.0.1:PORT/sub/path/

    def url_of(self, file: Path) -> str:
        return self.url + self.build.url_of(file)[len(self.build.base_url) :]


def serve(build: Build) -> Iterator[Server]:
    """Serve ``build.output`` on 127.0.0.1 (a free port) at the build's base path."""
    prefix = build.base_path
    handler = partial(_SiteHandler, directory=str(build.output), prefix=prefix)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, name=f"serve-{build.name}", daemon=True)
    thread.start()
    try:
        host, port = httpd.server_address[:2]
        yield Server(build, f"http://{host}:{port}{prefix}")
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def served_sub(sub_build: Build) -> Iterator[Server]:
    """The sub-path build, served at http://127.0.0.1:PORT/sub/path/."""
    yield from serve(sub_build)


@pytest.fixture(scope="session")
def served_golden(golden_build: Build) -> Iterator[Server]:
    """The golden tree, served at http://127.0.0.1:PORT/golden/."""
    yield from serve(golden_build)


@pytest.fixture(scope="session")
def served_upvoted(upvoted_build: Build) -> Iterator[Server]:
    """The sample site with upvotes, served at http://127.0.0.1:PORT/sub/path/."""
    yield from serve(upvoted_build)


# --- external tools (missing ones FAIL the tests: a skipped check would look like a pass) ----


@pytest.fixture(scope="session")
def vnu_jar() -> Path:
    return _node_tool(VNU_JAR)


@pytest.fixture(scope="session")
def axe_script() -> Path:
    return _node_tool("axe-core/axe.min.js")


def _node_tool(relative: str) -> Path:
    path = NODE_MODULES / relative
    if not path.is_file():
        pytest.fail(f"{path} is missing: {NPM_HINT}", pytrace=False)
    return path


@pytest.fixture(scope="session")
def java() -> str:
    found = shutil.which("java")
    if not found:
        pytest.fail(
            "java is not installed; the Nu Html Checker needs it: "
            "apt-get install default-jre-headless (or `bash .ci/run`)",
            pytrace=False,
        )
    return found


class VnuRun:
    """One run of the Nu Html Checker over files, started in the background."""

    def __init__(self, java: str, jar: Path, files: list[Path], errors_only: bool = True) -> None:
        self.files = files
        command = [
            java, "-Xss4m", "-jar", str(jar),
            *(["--errors-only"] if errors_only else []),
            "--format", "json", "--also-check-css", "--also-check-svg",
            *map(str, files),
        ]  # fmt: skip
        self._process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self._messages: list[dict] | None = None

    def messages(self) -> list[dict]:
        """The report's messages (read once: later calls give the same list)."""
        if self._messages is None:
            self._messages = self._read()
        return self._messages

    def _read(self) -> list[dict]:
        out, err = self._process.communicate(timeout=300)
        # vnu writes its report to stderr (exit 1 when there are errors); --stdout is not in every version.
        for stream in (err, out):
            text = stream.strip()
            if text.startswith("{"):
                return json.loads(text)["messages"]
        pytest.fail(
            f"the Nu Html Checker gave no JSON report (exit {self._process.returncode}):\n{out}\n{err}",
            pytrace=False,
        )

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()


@pytest.fixture(scope="session")
def vnu_run(site_builds: Callable[[str, str], Build], java: str, vnu_jar: Path) -> Iterator[VnuRun]:
    """The checker, errors and warnings, over every HTML page of the root build and of the
    golden site, the pages only upvotes bring (trending, days in listing order), and the
    theme's CSS and SVG files: of every built-in theme, in one run (vnu starts slowly),
    whose messages test_html_validity.py sorts out by theme."""
    files = []
    for theme in THEMES:
        root, golden, upvoted = (site_builds(theme, name) for name in ("root", "golden", "upvoted"))
        static = sorted(p for p in (root.output / "static").rglob("*") if p.suffix in (".css", ".svg"))
        listed = [p for p in upvoted.html_files() if UPVOTED_ONLY.search(p.as_posix())]
        files += root.html_files() + golden.html_files() + listed + static
    run = VnuRun(java, vnu_jar, files, errors_only=False)
    yield run
    run.stop()


@pytest.fixture(scope="session", autouse=True)
def _start_vnu_early(request: pytest.FixtureRequest) -> None:
    """vnu takes seconds to start: when its test is selected, run it while the browser tests run."""
    wanted = any(item.path.name == "test_html_validity.py" for item in request.session.items)
    if wanted and shutil.which("java") and (NODE_MODULES / VNU_JAR).is_file():
        request.getfixturevalue("vnu_run")


# --- the browser (one per session: Playwright's sync API allows one at a time) -------

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """One Playwright for the session: its sync API refuses a second one in the same thread."""
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright, chromium: str) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def chromium() -> str:
    for candidate in (shutil.which("chromium"), "/usr/bin/chromium", shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return candidate
    pytest.fail(
        "Debian's chromium is not installed; the browser tests need it: "
        "apt-get install chromium (or `bash .ci/run`). Do not run `playwright install`.",
        pytrace=False,
    )
