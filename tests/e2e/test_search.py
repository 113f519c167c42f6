"""Search in the browser: the sub-path build of the sample site, its /search/ page
running Pagefind's index, reached from the header's search box.

The words searched for come from the sample content, not from this file: a word
found in exactly one paper's abstract must bring that paper first, and a tag
filter must leave only papers with that tag.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser, Page

from sitegen.config import load_config
from sitegen.loading import load_papers
from tests.sitekit import write_site

from .conftest import Build as SiteBuild
from .conftest import serve
from .test_browser import _check_axe, _fail_if, _open, _screenshot, shot_dir  # noqa: F401

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sitegen.model import Paper

    from .conftest import Server

REPO = Path(__file__).resolve().parents[2]
RESULT = ".pagefind-ui__result-link"
MESSAGE = ".pagefind-ui__message"
EXCERPT = ".pagefind-ui__result-excerpt"
CHIP = ".pagefind-ui__result-tag"  # a result's metadata shown under it


@pytest.fixture(scope="module")
def papers() -> list[Paper]:
    return load_papers(load_config(REPO))


def _text(paper: Paper) -> str:
    names = " ".join(a.name for a in paper.authors)
    return " ".join([paper.title, paper.abstract, " ".join(paper.tags), names, paper.note or ""]).lower()


def _words(text: str, shortest: int) -> set[str]:
    return set(re.findall(rf"[a-z]{{{shortest},}}", text))


def unique_word(papers: list[Paper]) -> tuple[str, Paper]:
    """A word of one paper's abstract whose stem (its first 7 letters: Pagefind
    stems words) is in no other paper's text."""
    for paper in papers:
        others = " ".join(_text(p) for p in papers if p is not paper)
        for word in sorted(_words(paper.abstract.lower(), 9)):
            if word[:7] not in others:
                return word, paper
    raise AssertionError("no paper of the sample site has a word of its own")


def common_word(papers: list[Paper]) -> str:
    counts = Counter(w for p in papers for w in _words(p.abstract.lower(), 6))
    return counts.most_common(1)[0][0]


def title_word(papers: list[Paper]) -> str:
    """The word in most titles that is in the same papers' abstracts too: a title that
    were indexed as text would draw the excerpt to itself (it weighs more)."""
    counts = Counter(w for p in papers for w in _words(p.title.lower(), 6) & _words(p.abstract.lower(), 6))
    return counts.most_common(1)[0][0]


def _count(page: Page) -> int:
    message = page.inner_text(MESSAGE)
    found = re.match(r"(\d+) results?", message)
    assert found, f"unexpected result message {message!r}"
    return int(found.group(1))


def _search(page: Page, word: str) -> None:
    page.fill(".pagefind-ui__search-input", word)
    page.wait_for_function(
        "word => (document.querySelector('.pagefind-ui__message') || {}).textContent?.includes(word)",
        arg=word,
    )
    page.wait_for_selector(RESULT)


def _built_and_served(tmp_path: Path, name: str, entries: list[dict]) -> Iterator[Server]:
    """A site of ``entries`` with search on, built by the CLI and served at /NAME/."""
    base_url = f"https://example.org/{name}/"
    site = write_site(tmp_path / "site", entries, search=True, base_url=base_url)
    output = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "sitegen", "build", "--site", str(site), "--output", str(output), "-q"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    yield from serve(SiteBuild(name, base_url, output))


def test_the_header_box_finds_the_one_paper_with_a_word(
    browser: Browser,
    served_sub: Server,
    papers: list[Paper],
    axe_script: Path,
    shot_dir: Path,  # noqa: F811
) -> None:
    word, paper = unique_word(papers)
    visit = _open(browser, served_sub.url, 1280)
    page = visit.page
    scripts = page.evaluate("() => performance.getEntriesByType('resource').map(e => e.name)")
    if any("pagefind" in name or name.endswith(".js") for name in scripts):
        visit.problems.append(f"the home page loaded search's files before any search: {scripts}")
    page.fill("#site-search-q", word)
    page.press("#site-search-q", "Enter")
    page.wait_for_url(re.compile(r"/sub/path/search/\?q="))
    page.wait_for_selector(RESULT)
    first = page.query_selector(RESULT)
    assert first is not None
    if first.inner_text().strip() != paper.title:
        visit.problems.append(f"searching {word!r}: first result {first.inner_text()!r}, not {paper.title!r}")
    if _count(page) != 1:
        visit.problems.append(f"searching {word!r} found {_count(page)} papers, not 1")
    first.click()
    page.wait_for_load_state("load")
    if not page.url.endswith(f"/sub/path/papers/{paper.id}/"):
        visit.problems.append(f"the result links to {page.url}, not the paper's page under the sub-path")
    _fail_if(visit, f"searching {word!r} from the header")


def test_a_tag_filter_keeps_only_papers_with_that_tag(
    browser: Browser,
    served_sub: Server,
    papers: list[Paper],
) -> None:
    word = common_word(papers)
    visit = _open(browser, served_sub.url + "search/", 1280)
    page = visit.page
    _search(page, word)
    before = _count(page)
    having = [p for p in papers if word in _words(p.abstract.lower(), 6)]
    tags = Counter(t for p in having for t in p.tags)
    tag = next(t for t, n in tags.most_common() if n < len(having))
    page.click(".pagefind-ui__filter-name")  # the "Tag" disclosure
    page.check(f".pagefind-ui__filter-checkbox[value='{tag}']")
    page.wait_for_function(
        "before => { const m = document.querySelector('.pagefind-ui__message');"
        " return m && !m.textContent.startsWith(before + ' '); }",
        arg=before,
    )
    page.wait_for_selector(RESULT)
    after = _count(page)
    tagged = {p.title for p in papers if tag in p.tags}
    shown = [a.inner_text().strip() for a in page.query_selector_all(RESULT)]
    if not 0 < after < before:
        visit.problems.append(f"filtering {word!r} by tag {tag!r}: {before} results, then {after}")
    strays = [title for title in shown if title not in tagged]
    if strays:
        visit.problems.append(f"results without the tag {tag!r}: {strays}")
    _fail_if(visit, f"filtering {word!r} by tag {tag!r}")


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize("width", [390, 1280])
def test_the_search_page_with_results_passes_axe(
    dark: bool,
    width: int,
    browser: Browser,
    served_sub: Server,
    papers: list[Paper],
    axe_script: Path,
    shot_dir: Path,  # noqa: F811
) -> None:
    word = common_word(papers)
    visit = _open(browser, served_sub.url + f"search/?q={word}", width, dark=dark)
    page = visit.page
    page.wait_for_selector(RESULT)
    page.click(".pagefind-ui__filter-name")  # axe sees the tag filters too
    _check_axe(visit, axe_script, f"search results at {width} px{', dark' if dark else ''}")
    _screenshot(page, "search", width, dark, shot_dir)
    _fail_if(visit, f"the search page at {width} px{' in dark mode' if dark else ''}")


def test_a_results_excerpt_comes_from_the_abstract(
    browser: Browser, served_sub: Server, papers: list[Paper]
) -> None:
    """Not the page's header: the Listed date, the title (the result's heading
    already), the tags or the "Abstract" heading."""
    word = title_word(papers)
    visit = _open(browser, served_sub.url + f"search/?q={word}", 1280)
    page = visit.page
    page.wait_for_selector(EXCERPT)
    title = page.inner_text(RESULT).strip()
    paper = next(p for p in papers if p.title == title)
    excerpt = " ".join(page.inner_text(EXCERPT).split())
    strays = sorted(_words(excerpt.lower(), 1) - _words(paper.abstract.lower(), 1))
    if strays or "Abstract." in excerpt or re.match(r"\W*(Listed|\d{1,2}, \d{4})", excerpt):
        visit.problems.append(
            f"searching {word!r}: the excerpt of {title!r} is {excerpt!r} (not in the abstract: {strays})"
        )
    chips = [
        c.inner_text().strip() for c in page.query_selector_all(f".pagefind-ui__result:first-child {CHIP}")
    ]
    if len(chips) != 1 or not chips[0].startswith("Date:"):
        visit.problems.append(f"the first result's metadata shown: {chips}, not its date alone")
    _fail_if(visit, f"the excerpt of the first result for {word!r}")


def test_words_only_in_a_title_an_author_or_a_tag_find_the_paper(browser: Browser, tmp_path: Path) -> None:
    """And in an affiliation. They are searched as Pagefind metadata, not as the page's text; a title word
    ranks a paper above one with the word in its abstract; a paper with no abstract
    is found by its title."""
    text = "We study how models learn from data and report results on several benchmarks. "
    authors = ["Ottoline Vexbridge", {"name": "Kim Park", "affiliation": "Quillfeather Institute"}]
    entries = [
        {"id": "a1", "title": "Zanzibar Networks", "date": "2025-03-14", "authors": authors,
         "tags": ["marmalade"], "abstract": text * 3 + "A lattice of lattice cells. " + text * 3},
        {"id": "b2", "title": "Lattice Methods", "date": "2025-03-13", "authors": ["Sam Lee"],
         "tags": ["optimization"], "abstract": text * 6},
        {"id": "c3", "title": "Quokka Counting", "date": "2025-03-12", "tags": ["optimization"]},
    ]  # fmt: skip
    for server in _built_and_served(tmp_path, "metadata", entries):
        visit = _open(browser, server.url + "search/", 1280)
        page = visit.page
        zanzibar = ["Zanzibar Networks"]
        searches = [("zanzibar", zanzibar), ("vexbridge", zanzibar), ("quillfeather", zanzibar),
                    ("marmalade", zanzibar), ("quokka", ["Quokka Counting"]),
                    ("lattice", ["Lattice Methods", "Zanzibar Networks"])]  # fmt: skip
        for word, titles in searches:
            _search(page, word)
            page.wait_for_function(  # every result's title loaded
                "n => [...document.querySelectorAll('.pagefind-ui__result-link')]"
                ".filter(a => a.textContent).length == n",
                arg=_count(page),
            )
            shown = [a.inner_text().strip() for a in page.query_selector_all(RESULT)]
            if shown != titles:
                visit.problems.append(f"searching {word!r} found {shown}, not {titles}")
        _fail_if(visit, "searching titles, authors and tags")


# What docs/search.md tells a theme with a Content-Security-Policy to allow.
STRICT_CSP = (
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; "
    "connect-src 'self'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'"
)


def test_search_works_under_the_csp_the_docs_give(
    browser: Browser, served_sub: Server, papers: list[Paper]
) -> None:
    word, paper = unique_word(papers)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))

    def with_csp(route) -> None:
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": STRICT_CSP})

    page.route("**/search/*", with_csp)
    page.goto(served_sub.url + f"search/?q={word}", wait_until="load")
    page.wait_for_selector(RESULT)
    title = page.inner_text(RESULT).strip()
    context.close()
    assert title == paper.title and problems == [], problems


HOSTILE = '<img src=x onerror="window.pwned=1">'


def test_hostile_titles_tags_and_abstracts_stay_text_in_results(browser: Browser, tmp_path: Path) -> None:
    """What content says reaches the results as text: the title, the tag
    filter and the excerpt (Pagefind's HTML, with the page's < and > escaped)."""
    entry = {
        "id": "2501.00001",
        "title": f"Zeppelin {HOSTILE}",
        "date": "2025-03-14",
        "tags": [f"tag {HOSTILE}"],
        "abstract": f"A zeppelin abstract with `{HOSTILE}` and &lt;script&gt;window.pwned=2&lt;/script&gt;.",
    }
    for server in _built_and_served(tmp_path, "hostile", [entry]):
        visit = _open(browser, server.url + "search/?q=zeppelin", 1280)
        page = visit.page
        page.wait_for_selector(RESULT)
        page.click(".pagefind-ui__filter-name")
        state = page.evaluate(
            """() => ({pwned: window.pwned || 0,
                       images: document.querySelectorAll('#search img').length,
                       title: document.querySelector('.pagefind-ui__result-link').textContent,
                       tag: document.querySelector('.pagefind-ui__filter-label').textContent})"""
        )
        if state["pwned"] or state["images"]:
            visit.problems.append(f"content ran or made elements in the results: {state}")
        if HOSTILE not in state["title"] or HOSTILE not in state["tag"]:
            visit.problems.append(f"the title or tag is not shown as the text it is: {state}")
        _fail_if(visit, "hostile content in search results")


def test_search_in_the_preview_follows_an_edit(browser: Browser, tmp_path: Path) -> None:
    """`sitegen serve` builds the index into its own folder, under the sub-path,
    and indexes again when a paper changes."""

    def write(abstract: str) -> Path:
        entry = {"id": "first", "title": "First title", "date": "2025-03-14", "abstract": abstract}
        return write_site(tmp_path / "site", [entry], search=True, base_url="https://x.org/lab/")

    site = write("About zeppelins.")
    process = subprocess.Popen(
        [sys.executable, "-m", "sitegen", "serve", "--site", str(site), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        found = re.search(r"serving at (\S+) ", process.stdout.readline() if process.stdout else "")
        assert found, "the preview printed no URL"
        visit = _open(browser, found[1] + "search/?q=zeppelins", 1280)
        page = visit.page
        page.wait_for_selector(RESULT)
        if page.inner_text(RESULT).strip() != "First title":
            visit.problems.append(f"the preview's search found {page.inner_text(RESULT)!r}")
        write("About dirigibles.")
        page.wait_for_function(  # the tab reloads after the rebuild; search again until it is found
            """async () => { const ui = await import(location.origin + '/lab/pagefind/pagefind.js');
                            return (await ui.search('dirigibles')).results.length === 1; }""",
            polling=500,
            timeout=30_000,
        )
        _fail_if(visit, "search in the preview")
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=20)
    assert not (site / "output").exists(), "the preview never writes output/"
