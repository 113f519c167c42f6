"""The daily digest: digest/<day>/ (an email's HTML), digest/<day>.txt and
digest/atom.xml, as a mail client, a reader and an RSS-to-email service see
them (docs/reading.md)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import feedparser

from sitegen.build import build
from sitegen.digest import BUDGET, WIDTH
from tests.sitekit import bench_module, paper, write_site

SITE_ID = "tag:example.org,2026:"
PAPERS = [
    paper(
        "2403.09629",
        "2025-03-14",
        title="Quiet-STaR with $p(x_t \\mid x_{<t})$",
        authors=["Eric Zelikman", "Noah D. Goodman"],
        tags=["reasoning"],
        upvotes=12,
        links={"code": "https://github.com/x/y", "project": "/projects/quiet/"},
        abstract="We *generalize* STaR: $\\alpha + \\beta$ and a very long sentence " * 8,
    ),
    paper("second", "2025-03-14", authors=["Ada Lovelace"], abstract="Short."),
    paper("older", "2025-03-13", abstract="From the day before."),
]


class _Tags(HTMLParser):
    """Every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def _built(
    tmp_path: Path, papers: list[dict] = PAPERS, base_url: str = "https://example.org/sub/", **settings
):
    site = write_site(tmp_path / "site", papers, id=SITE_ID, **settings)
    build(site, tmp_path / "out", base_url)
    return tmp_path / "out"


def _email_problems(html: str) -> list[str]:
    """What would break a digest in a mail client."""
    problems = []
    for tag, attrs in _tags(html):
        if tag in ("script", "style", "img") or (tag == "link" and attrs.get("rel") == "stylesheet"):
            problems.append(f"<{tag}>")
        for name in ("href", "src", "action"):
            value = attrs.get(name)
            if value is not None and not value.startswith(("https://", "http://")):
                problems.append(f"relative {name} {value!r} on <{tag}>")
        if "class" in attrs:
            problems.append(f"class on <{tag}>: styles must be inline")
    return problems


def test_every_listing_day_has_an_email_ready_digest(tmp_path: Path) -> None:
    out = _built(tmp_path)
    for day in ("2025-03-14", "2025-03-13"):
        html = (out / f"digest/{day}/index.html").read_text()
        assert _email_problems(html) == []
        assert html.count("<table") >= 1 and "<div" not in html, "a table layout"
        assert 'name="robots" content="noindex"' in html
        day_page = (out / f"days/{day}/index.html").read_text()
        assert f'href="/sub/digest/{day}/"' in day_page and f'href="/sub/digest/{day}.txt"' in day_page
    html = (out / "digest/2025-03-14/index.html").read_text()
    assert 'href="https://example.org/sub/papers/2403.09629/"' in html
    assert 'href="https://example.org/sub/projects/quiet/"' not in html, "only arXiv, PDF and code links"
    assert "p(xₜ | x_(&lt;t))" in html and "$" not in html, "math as plain text"
    assert "12 upvotes" in html and "Eric Zelikman, Noah D. Goodman" in html
    assert "digest/" not in (out / "sitemap.xml").read_text(), "copies of the day pages"


def test_the_plain_text_twin_wraps_at_72_columns(tmp_path: Path) -> None:
    out = _built(tmp_path)
    text = (out / "digest/2025-03-14.txt").read_text()
    for line in text.splitlines():
        assert len(line) <= WIDTH or re.fullmatch(r"\s*https?://\S+", line), line
    assert "1. Quiet-STaR with p(xₜ | x_(<t))" in text
    assert "   Eric Zelikman, Noah D. Goodman\n   https://example.org/sub/papers/2403.09629/\n" in text
    assert "2. Paper second\n   Ada Lovelace\n   https://example.org/sub/papers/second/\n   Short.\n" in text
    summary = text.split("papers/2403.09629/\n", 1)[1].split("\n\n", 1)[0]
    assert len(summary) < 300 and "…" in summary and "$" not in summary, "the abstract, shortened"


def test_a_digest_caps_its_papers_and_links_the_rest(tmp_path: Path) -> None:
    papers = [paper(f"p{i}", "2025-03-14", upvotes=i) for i in range(5)]
    out = _built(tmp_path, papers, digest={"papers": 3})
    html = (out / "digest/2025-03-14/index.html").read_text()
    assert re.findall(r"papers/(p\d)/", html) == ["p4", "p3", "p2"], "the most upvoted first"
    assert re.search(r'<a href="https://example.org/sub/days/2025-03-14/"[^>]*>2 more on the site</a>', html)
    text = (out / "digest/2025-03-14.txt").read_text()
    assert re.findall(r"papers/(p\d)/", text) == ["p4", "p3", "p2"]
    assert "... and 2 more on the site:\nhttps://example.org/sub/days/2025-03-14/\n" in text


def test_a_digest_stays_under_the_budget_whatever_the_papers(tmp_path: Path) -> None:
    """Titles at the length limit and 1,000 authors each: fewer papers, never more bytes."""
    authors = [f"Author Number {i:04d} With A Long Name" for i in range(1000)]
    papers = [
        paper(f"p{i}", "2025-03-14", title="T" * 20 + " word" * 190, authors=authors) for i in range(60)
    ]
    out = _built(tmp_path, papers)
    html = (out / "digest/2025-03-14/index.html").read_bytes()
    assert len(html) <= BUDGET
    shown = len(re.findall(rb"<h2 ", html))
    assert 0 < shown < 50
    assert f"{60 - shown} more on the site".encode() in html
    assert b"and 990 more" in html, "ten authors, then a count"


def test_the_biggest_day_of_a_generated_corpus_fits(tmp_path: Path) -> None:
    generate = bench_module("generate")
    generate.write_corpus({"day-sitegen": tmp_path / "corpus"}, 1200)
    build(tmp_path / "corpus", tmp_path / "out")
    digests = list((tmp_path / "out/digest").glob("*/index.html"))
    assert len(digests) > 20
    biggest = max(digests, key=lambda p: p.stat().st_size)
    html = biggest.read_text()
    assert len(html.encode()) <= BUDGET and _email_problems(html) == []
    day = (tmp_path / "out/days" / biggest.parent.name / "index.html").read_text()
    count = day.count('<article class="card">')
    assert count > 50 and f"{count - 50} more on the site" in html, "the default cap, 50 papers"


def test_the_digest_feed_has_a_day_an_entry_with_ids_that_never_move(tmp_path: Path) -> None:
    one = feedparser.parse(
        (_built(tmp_path / "a", base_url="https://one.example/")).joinpath("digest/atom.xml").read_bytes()
    )
    two = feedparser.parse(
        (_built(tmp_path / "b", base_url="https://two.example/x/")).joinpath("digest/atom.xml").read_bytes()
    )
    assert not one.bozo and not two.bozo
    assert one.feed.id == f"{SITE_ID}digest"
    assert [e.id for e in one.entries] == [f"{SITE_ID}digest/2025-03-14", f"{SITE_ID}digest/2025-03-13"]
    assert [e.id for e in two.entries] == [e.id for e in one.entries], "not from base_url"
    assert [e.updated for e in two.entries] == [e.updated for e in one.entries]
    entry = one.entries[0]
    assert entry.link == "https://one.example/days/2025-03-14/"
    content = entry.content[0]
    assert content.type == "text/html" and "Quiet-STaR" in content.value and "Paper second" in content.value
    assert _email_problems(content.value) == []


def test_the_digest_feed_holds_the_newest_ten_days(tmp_path: Path) -> None:
    papers = [paper(f"p{i}", f"2025-03-{i + 1:02d}") for i in range(14)]
    out = _built(tmp_path, papers)
    feed = feedparser.parse((out / "digest/atom.xml").read_bytes())
    assert [e.id[-10:] for e in feed.entries] == [f"2025-03-{d:02d}" for d in range(14, 4, -1)]
    assert len(list((out / "digest").glob("*.txt"))) == 14


def test_a_digest_paper_shows_its_tags_upvotes_and_arxiv_pdf_and_code_links(tmp_path: Path) -> None:
    out = _built(tmp_path)
    html = (out / "digest/2025-03-14/index.html").read_text()
    assert '<meta name="color-scheme" content="light">' in html, "a fixed light palette"
    hrefs = [attrs.get("href") for tag, attrs in _tags(html) if tag == "a"]
    for link in (
        "https://arxiv.org/abs/2403.09629",
        "https://arxiv.org/pdf/2403.09629",
        "https://github.com/x/y",
    ):
        assert link in hrefs, link
    assert "12 upvotes &middot; reasoning &middot;" in html
    text = (out / "digest/2025-03-14.txt").read_text()
    assert "\n   12 upvotes | reasoning\n" in text, "the text part names upvotes and tags too"


def test_a_digest_entry_is_dated_at_the_start_of_its_day_and_upvotes_do_not_move_it(tmp_path: Path) -> None:
    papers = [dict(p) for p in PAPERS]
    out = _built(tmp_path, papers, timezone="America/New_York")
    first = feedparser.parse((out / "digest/atom.xml").read_bytes())
    # Midnight in the site's time zone (New York is at UTC-4 after March 9, 2025).
    assert [e.updated for e in first.entries] == ["2025-03-14T00:00:00-04:00", "2025-03-13T00:00:00-04:00"]
    assert [e.published for e in first.entries] == [e.updated for e in first.entries]
    papers[0]["upvotes"] = 99
    papers[1]["upvotes"] = 5
    again = feedparser.parse(
        (_built(tmp_path / "again", papers, timezone="America/New_York"))
        .joinpath("digest/atom.xml")
        .read_bytes()
    )
    assert "99 upvotes" in again.entries[0].content[0].value, "the content follows the upvotes"
    assert [(e.id, e.updated) for e in again.entries] == [(e.id, e.updated) for e in first.entries]
    assert again.feed.updated == first.feed.updated


def test_a_process_keeps_a_days_digest_papers_only_until_its_text_twin_took_them(tmp_path: Path) -> None:
    """Memory at 100k papers: a renderer kept every day's HTML page and list
    (~100 KB a day) for the whole build; it keeps the shown papers, and only
    until the plain-text twin (planned right after the HTML) has taken them,
    except for the days the digest feed shows. Same bytes either way."""
    from sitegen.config import load_config
    from sitegen.digest import FEED_DAYS
    from sitegen.loading import load_papers
    from sitegen.pages import digest
    from sitegen.render import Renderer
    from sitegen.site import build_site
    from sitegen.theme import resolve_theme

    days = FEED_DAYS + 2
    papers = [paper(f"p{i}", f"2025-01-{1 + i // 2:02d}") for i in range(2 * days)]
    site_dir = write_site(tmp_path / "site", papers, id=SITE_ID)
    config = load_config(site_dir)
    site = build_site(load_papers(config), config)
    assert len(site.days) == days
    renderer = Renderer(site, resolve_theme(config))
    fresh = Renderer(site, resolve_theme(config))
    for index in range(days):
        page = digest.render(renderer, index)
        assert all(isinstance(item, digest.DigestItem) for item in renderer.memo["digest"][index])
        text = digest.render_plain(renderer, index)
        assert page == digest.render(fresh, index) and text == digest.render_plain(fresh, index)
    assert sorted(renderer.memo["digest"]) == list(range(FEED_DAYS)), "the feed's days are kept, no other"
    assert digest.render_feed(renderer) == digest.render_feed(Renderer(site, resolve_theme(config)))
