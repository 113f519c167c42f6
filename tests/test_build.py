"""Whole builds of small sites: what a user sees in output/."""

from __future__ import annotations

import gc
import json
import os
import re
from html import unescape
from html.parser import HTMLParser
from xml.etree import ElementTree

import pytest

from sitegen.build import build
from sitegen.errors import OutputError, SitegenError
from tests.sitekit import paper, tree, write_site

PAPERS = [
    paper(
        "2403.09629",
        "2025-03-14",
        title="Quiet-STaR",
        tags=["LLM", "reasoning"],
        upvotes=12,
        authors=["Eric Zelikman", {"name": "Noah Goodman", "affiliation": "Stanford"}],
        abstract="We study $p(x_t \\mid x_{<t})$ and **thinking**.",
        links={"code": "https://github.com/x/y"},
    ),
    paper("hep-th/9901001", "2025-03-14", title="Old style", tags=["physics"]),
    paper("older-one", "2025-03-13", title="Yesterday's paper", tags=["llm"], note="Worth a *read*."),
]


def test_a_build_writes_every_kind_of_page(site_factory, tmp_path):
    site = site_factory(PAPERS, per_page=2)
    result = build(site)
    out = site / "output"
    files = set(tree(out))
    expected = {
        "index.html",
        "page/2/index.html",
        "papers/2403.09629/index.html",
        "papers/hep-th-9901001/index.html",
        "papers/older-one/index.html",
        "tags/index.html",
        "tags/llm/index.html",
        "tags/llm/atom.xml",
        "tags/llm/rss.xml",
        "tags/physics/index.html",
        "days/index.html",
        "days/2025-03-14/index.html",
        "days/2025-03-13/index.html",
        "authors/index.html",
        "authors/eric-zelikman/index.html",
        "atom.xml",
        "rss.xml",
        "feed.json",
        "404.html",
        "robots.txt",
        "sitemap.xml",
        "static/style.css",
    }
    assert expected <= files
    assert result.papers == 3
    assert "page/3/index.html" not in files
    # "LLM" and "llm" are one tag; it holds both papers
    tag_page = (out / "tags/llm/index.html").read_text()
    assert "Quiet-STaR" in tag_page and "Yesterday" in tag_page


def test_paper_page_shows_what_a_reader_needs(site_factory):
    site = site_factory(PAPERS)
    build(site)
    page = (site / "output/papers/2403.09629/index.html").read_text()
    assert "<math" in page, "TeX in the abstract is rendered to MathML on the server"
    assert 'href="/authors/noah-goodman/"' in page
    assert 'href="https://arxiv.org/abs/2403.09629"' in page and 'href="https://github.com/x/y"' in page
    assert '<meta name="citation_arxiv_id" content="2403.09629">' in page
    assert "eprint = {2403.09629}" in page
    assert 'href="/papers/hep-th-9901001/"' in page, "next paper of the same day"
    assert "application/ld+json" in page
    assert 'rel="alternate" type="application/atom+xml"' in page


def test_two_builds_are_byte_identical(site_factory, tmp_path):
    site = site_factory(PAPERS)
    build(site, tmp_path / "one")
    build(site, tmp_path / "two")
    assert tree(tmp_path / "one") == tree(tmp_path / "two")


def test_the_build_runs_the_cyclic_gc_less_often_and_puts_it_back(site_factory, monkeypatch):
    from sitegen import build as build_module
    from sitegen.gcsettings import BUILD_GC_THRESHOLD

    site = site_factory(PAPERS)
    seen = []
    real_build_site = build_module.build_site

    def build_site_seeing_the_gc(*args):
        seen.append(gc.get_threshold()[0])
        return real_build_site(*args)

    monkeypatch.setattr(build_module, "build_site", build_site_seeing_the_gc)
    before = gc.get_threshold()
    build(site)
    assert seen == [BUILD_GC_THRESHOLD]
    assert gc.get_threshold() == before, "a long-running process (the dev server) gets its GC back"
    assert gc.isenabled() and not gc.get_freeze_count()


def test_rebuild_with_nothing_changed_rewrites_nothing(site_factory):
    site = site_factory(PAPERS)
    build(site)
    out = site / "output"
    for path in out.rglob("*"):
        os.utime(path, ns=(1, 1))
    result = build(site)
    assert result.report.written == 0 and result.report.removed == 0
    assert all(p.stat().st_mtime_ns == 1 for p in out.rglob("*") if p.is_file())


def test_a_removed_paper_disappears_on_the_next_build(site_factory):
    site = site_factory(PAPERS)
    build(site)
    assert (site / "output/papers/older-one/index.html").exists()
    site_factory(PAPERS[:2])
    result = build(site)
    assert not (site / "output/papers/older-one").exists()
    assert not (site / "output/days/2025-03-13").exists()
    assert result.report.removed >= 2


def test_a_failing_build_leaves_the_previous_output_intact(site_factory):
    site = site_factory(PAPERS)
    build(site)
    before = tree(site / "output")
    (site / "templates").mkdir()
    (site / "templates" / "paper.html").write_text(
        "{% extends 'base.html' %}{% block content %}{{ nope }}{% endblock %}"
    )
    with pytest.raises(SitegenError):
        build(site)
    assert tree(site / "output") == before


def test_content_errors_leave_output_intact_too(site_factory):
    site = site_factory(PAPERS)
    build(site)
    before = tree(site / "output")
    site_factory([*PAPERS, {"id": "bad", "title": "", "date": "2025-02-30"}])
    with pytest.raises(SitegenError) as caught:
        build(site)
    assert len(caught.value.problems) == 2, "every problem is reported at once"
    assert tree(site / "output") == before


@pytest.mark.parametrize("where", [".", "..", "content", "content/papers"])
def test_unsafe_output_folders_are_refused(site_factory, where):
    site = site_factory(PAPERS)
    with pytest.raises(OutputError):
        build(site, site / where)
    assert (site / "content/papers/papers.yaml").exists()


def test_sub_path_base_url_reaches_every_link(site_factory):
    site = site_factory(PAPERS, base_url="https://example.org/sub/path/")
    build(site)
    out = site / "output"
    home = (out / "index.html").read_text()
    assert 'href="/sub/path/papers/2403.09629/"' in home
    assert "/sub/path/static/style.css?v=" in home
    assert '<link rel="canonical" href="https://example.org/sub/path/">' in home
    assert "https://example.org/sub/path/papers/older-one/" in (out / "sitemap.xml").read_text()
    assert "Sitemap: https://example.org/sub/path/sitemap.xml" in (out / "robots.txt").read_text()
    feed = json.loads((out / "feed.json").read_text())
    assert feed["feed_url"] == "https://example.org/sub/path/feed.json"


HOSTILE = [
    paper(
        "x1",
        title="<script>alert(1)</script> Title",
        abstract="Hi <script>alert(2)</script> [click](javascript:alert(3)) <img src=x onerror=alert(4)>",
        note="<a href='javascript:alert(5)'>n</a>",
        tags=["<b>tag</b>"],
        authors=["<svg onload=alert(6)>"],
        extra={"x": "<script>"},
    ),
]


_THEME_SCRIPT = re.compile(r"/(?:[\w.-]+/)*static/[\w-]+\.js\?v=[0-9a-f]+")


class _UnsafeMarkup(HTMLParser):
    """Collects what would run in a browser: scripts, handlers, script URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        kinds = dict(attrs)
        if tag == "script" and _THEME_SCRIPT.fullmatch(kinds.get("src") or ""):
            return  # the theme's own file (cite.js): content never chooses it
        if tag in ("script", "iframe", "object", "embed") and kinds.get("type") != "application/ld+json":
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}=")
            if (
                name in ("href", "src", "action")
                and value
                and value.strip().lower().startswith(("javascript:", "data:", "vbscript:"))
            ):
                self.found.append(f"{tag} {name}={value}")


def unsafe_markup(html: str) -> list[str]:
    parser = _UnsafeMarkup()
    parser.feed(html)
    return parser.found


def feed_html(path: str, data: bytes) -> list[str]:
    """The HTML payloads a feed reader would render."""
    if path.endswith(".json"):
        return [item.get("content_html", "") for item in json.loads(data)["items"]]
    root = ElementTree.fromstring(data)
    atom = "{http://www.w3.org/2005/Atom}"
    payloads = [e.text or "" for e in root.iter(f"{atom}content")]
    payloads += [e.text or "" for e in root.iter("description")]
    return payloads


def test_hostile_content_never_reaches_pages_or_feeds_as_markup(site_factory):
    site = site_factory(HOSTILE)
    build(site)
    checked = 0
    for path, data in tree(site / "output").items():
        if path.endswith(".html"):
            payloads = [data.decode()]
        elif path.endswith((".xml", ".json")) and "sitemap" not in path:
            payloads = feed_html(path, data)
        else:
            continue
        for html in payloads:
            assert unsafe_markup(html) == [], path
            checked += 1
    assert checked > 10
    page = (site / "output/papers/x1/index.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Title" in page, "the title is shown, as text"


def test_sitemap_lists_every_page_with_lastmod_from_content(site_factory):
    site = site_factory(PAPERS)
    build(site)
    out = site / "output"
    sitemap = (out / "sitemap.xml").read_text()
    # every page but the digests: email copies of the day pages, noindex
    pages = [p for p in tree(out) if p.endswith("index.html") and not p.startswith("digest/")]
    for page in pages:
        assert f"https://example.org/{page[: -len('index.html')]}</loc>" in sitemap, page
    assert sitemap.count("<url>") == len(pages)
    assert "<lastmod>2025-03-14T00:00:00Z</lastmod>" in sitemap


def test_feed_ids_and_dates_survive_a_move_to_another_base_url(site_factory, tmp_path):
    import feedparser

    site = site_factory(PAPERS)
    build(site, tmp_path / "a", base_url="https://one.example/")
    build(site, tmp_path / "b", base_url="https://two.example/sub/")
    for name in ("atom.xml", "rss.xml", "tags/llm/atom.xml"):
        one = feedparser.parse((tmp_path / "a" / name).read_bytes())
        two = feedparser.parse((tmp_path / "b" / name).read_bytes())
        assert not one.bozo and not two.bozo, name
        assert [e.id for e in one.entries] == [e.id for e in two.entries], name
        assert [e.published for e in one.entries] == [e.published for e in two.entries], name
        assert all("example" not in e.id for e in one.entries), "ids never hold the URL"
        assert one.entries[0].link.startswith("https://one.example/papers/")
        assert two.entries[0].link.startswith("https://two.example/sub/papers/")
    atom = feedparser.parse((tmp_path / "a/atom.xml").read_bytes())
    assert atom.entries[0].id == "tag:sitegen.papers,2025:paper/2403.09629"
    assert atom.entries[0].updated == "2025-03-14T00:00:00+00:00", "from content, not the build time"


def test_a_large_site_gets_a_sitemap_index(site_factory, monkeypatch):
    from sitegen import sitemap

    monkeypatch.setattr(sitemap, "SITEMAP_LIMIT", 5)
    site = site_factory(PAPERS)
    build(site)
    out = site / "output"
    index = (out / "sitemap.xml").read_text()
    parts = sorted(p.name for p in out.glob("sitemap-*.xml"))
    pages = [p for p in tree(out) if p.endswith("index.html") and not p.startswith("digest/")]
    assert "<sitemapindex" in index and len(parts) == -(-len(pages) // 5)
    for name in parts:
        assert f"<loc>https://example.org/{name}</loc>" in index
    listed = sum((out / name).read_text().count("<url>") for name in parts)
    assert listed == len(pages)


def _pager_links(html: str) -> list[str]:
    """The pager's run of pages as shown: numbers, '…' for gaps, '[n]' for the current page."""
    start = html.index('<ol class="pager-pages">')
    run = html[start : html.index("</ol>", start)]
    shown = []
    for item in run.split("<li")[1:]:
        if 'class="gap"' in item:
            shown.append("…")
            continue
        number = item.split("</span>")[1].split("<")[0]
        shown.append(f"[{number}]" if 'aria-current="page"' in item else number)
    return shown


def test_pager_shows_the_ends_and_a_window_around_the_current_page(site_factory):
    papers = [paper(f"p{i:02}", f"2025-03-{i + 1:02}", title=f"Paper {i}") for i in range(12)]
    site = site_factory(papers, per_page=1)
    build(site)
    out = site / "output"
    assert _pager_links((out / "index.html").read_text()) == ["[1]", "2", "3", "…", "12"]
    middle = ["1", "…", "4", "5", "[6]", "7", "8", "…", "12"]
    assert _pager_links((out / "page/6/index.html").read_text()) == middle
    assert _pager_links((out / "page/12/index.html").read_text()) == ["1", "…", "10", "11", "[12]"]
    page_4 = (out / "page/4/index.html").read_text()
    assert _pager_links(page_4) == ["1", "2", "3", "[4]", "5", "6", "…", "12"]
    # Pages two away are marked so a theme can drop them on narrow screens; the ends never are.
    assert page_4.count('class="far"') == 2 and '<li class="far"><a href="/page/2/">' in page_4


def test_bibtex_escapes_latex_specials_and_leaves_plain_text_alone(tmp_path):
    site = write_site(
        tmp_path / "s",
        [
            paper("a", title="Q&A at 50% for #1 in snake_case", authors=["Ana_Lee"], venue="NeurIPS"),
            paper("b", title="Plain title", authors=["Bo Chen"]),
        ],
    )
    build(site)
    special = unescape((site / "output/papers/a/index.html").read_text())
    assert r"title = {{Q\&A at 50\% for \#1 in snake\_case}}" in special
    assert r"author = {Ana\_Lee}" in special
    plain = unescape((site / "output/papers/b/index.html").read_text())
    assert "title = {{Plain title}}" in plain and "author = {Bo Chen}" in plain


def _card_authors(html: str, paper_id: str) -> str:
    card = html[html.index(f'href="/papers/{paper_id}/"') :]
    return card[card.index('<p class="authors">') + len('<p class="authors">') : card.index("</p>")]


def test_cards_name_six_authors_then_count_the_rest_and_separators_sit_between_items(site_factory):
    names = [f"Author {letter}" for letter in "ABCDEFGHI"]
    site = site_factory(
        [
            paper("one", authors=names[:1], links={"code": "https://github.com/x/y"}),
            paper("six", authors=names[:6]),
            paper("seven", authors=names[:7], links={"arxiv": "https://arxiv.org/abs/2401.00001"}),
            paper("nine", authors=names),
        ]
    )
    build(site)
    home = (site / "output/index.html").read_text()

    def linked(some):
        return ", ".join(f'<a href="/authors/{n.lower().replace(" ", "-")}/">{n}</a>' for n in some)

    assert _card_authors(home, "one") == linked(names[:1])
    assert _card_authors(home, "six") == linked(names[:6])
    assert _card_authors(home, "seven") == linked(names[:6]) + " and 1 more"
    assert _card_authors(home, "nine") == linked(names[:6]) + " and 3 more"
    # The first of a paper's links is the primary button, and only the first.
    seven = (site / "output/papers/seven/index.html").read_text()
    assert seven.count('class="button primary"') == 1
    assert '<a class="button primary" href="https://arxiv.org/abs/2401.00001"' in seven
    assert '<a class="button" href="https://arxiv.org/pdf/2401.00001"' in seven
    one = (site / "output/papers/one/index.html").read_text()
    assert '<a class="button primary" href="https://github.com/x/y"' in one
    # The footer's feeds and the feeds page, " · " between them and not after the last.
    footer = home[home.index("Subscribe:") : home.index("</p>", home.index("Subscribe:"))]
    separators = unescape(re.sub(r"<a .*?</a>", "", footer))
    assert footer.count("<a ") == 4 and separators.count(" · ") == 3
    assert footer.rstrip().endswith('<a href="/feeds/">All feeds</a>')
