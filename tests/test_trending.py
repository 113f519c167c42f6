"""Trending (/trending/, /trending/month/, /trending/all/) and the day pages'
second order, as a reader sees them in the built site (docs/reading.md)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml

from sitegen.build import build
from sitegen.errors import ConfigError
from tests.sitekit import paper, tree, write_site

# Listing days run to 2020-06-30: the reference day, whatever the build's clock says.
PAPERS = [
    paper("fresh", "2020-06-30", upvotes=10),
    paper("four-days", "2020-06-26", upvotes=14),  # 14 * 0.5 ** (4/7) = 9.4: under fresh
    paper("a-week", "2020-06-23", upvotes=500),  # 7 days back: out of the week
    paper("three-weeks", "2020-06-09", upvotes=40),  # 40 * 0.5 ** (21/30) = 24.6
    paper("old", "2019-01-01", upvotes=300),
    paper("unvoted", "2020-06-30"),
    paper("zero", "2020-06-30", upvotes=0),
]


def _ranked(output: Path, route: str) -> list[str]:
    html = (output / route / "index.html").read_text()
    return re.findall(r'class="card-title"><a href="/papers/([^/]+)/"', html)


def _site(tmp_path: Path, papers: list[dict] = PAPERS, **settings) -> Path:
    return write_site(tmp_path / "site", papers, **settings)


def test_each_window_ranks_its_upvoted_papers_with_decay(tmp_path: Path) -> None:
    site = _site(tmp_path)
    build(site)
    out = site / "output"
    assert _ranked(out, "trending") == ["fresh", "four-days"]
    # the month halves every 30 days: a-week 500 * 0.5 ** (7/30) = 425, three-weeks 24.6,
    # four-days 14 * 0.5 ** (4/30) = 12.8, fresh 10
    assert _ranked(out, "trending/month") == ["a-week", "three-weeks", "four-days", "fresh"]
    assert _ranked(out, "trending/all") == ["a-week", "old", "three-weeks", "four-days", "fresh"]
    week = (out / "trending/index.html").read_text()
    assert '<time datetime="2020-06-30">June 30, 2020</time>' in week, (
        "the reference day is the newest listing day"
    )


def test_tabs_link_the_three_windows_and_mark_the_current_one(tmp_path: Path) -> None:
    site = _site(tmp_path)
    build(site)
    for route, current in (
        ("trending", "This week"),
        ("trending/month", "This month"),
        ("trending/all", "All time"),
    ):
        html = (site / "output" / route / "index.html").read_text()
        tabs = re.search(r'<nav class="tabs".*?</nav>', html, re.S).group(0)
        assert re.findall(r'href="([^"]+)"', tabs) == ["/trending/", "/trending/month/", "/trending/all/"]
        assert re.findall(r'aria-current="page">([^<]+)<', tabs) == [current]
    home = (site / "output/index.html").read_text()
    assert '<a href="/trending/">Trending</a>' in home, "the header links trending"


def test_the_setting_caps_how_many_papers_a_page_shows(tmp_path: Path) -> None:
    site = _site(tmp_path, trending={"papers": 2})
    build(site)
    assert _ranked(site / "output", "trending/all") == ["a-week", "old"]
    assert (
        "5 papers with upvotes &middot; the first 2" in (site / "output/trending/all/index.html").read_text()
    )


def test_without_upvotes_nothing_of_trending_is_there(tmp_path: Path) -> None:
    site = _site(tmp_path, [paper("a"), paper("b", upvotes=0), paper("c", "2025-03-13")])
    build(site)
    files = tree(site / "output")
    assert not [f for f in files if f.startswith("trending/") or "/listed/" in f]
    pages = b"".join(body for name, body in files.items() if name.endswith((".html", ".xml")))
    assert b"trending" not in pages.lower() and b"listed/" not in pages
    assert b"In listing order" not in pages


def test_a_day_with_upvotes_has_its_papers_in_listing_order_too(tmp_path: Path) -> None:
    papers = [
        paper("first", "2025-03-14T08:00:00Z", upvotes=1),
        paper("second", "2025-03-14T09:00:00Z", upvotes=30),
        paper("third", "2025-03-14T10:00:00Z"),
        paper("alone", "2025-03-13", upvotes=5),
    ]
    site = _site(tmp_path, papers)
    build(site)
    out = site / "output"
    assert _ranked(out, "days/2025-03-14") == ["second", "first", "third"]
    assert _ranked(out, "days/2025-03-14/listed") == ["first", "second", "third"]
    for route, current in (
        ("days/2025-03-14", "Most upvoted"),
        ("days/2025-03-14/listed", "In listing order"),
    ):
        html = (out / route / "index.html").read_text()
        toggle = re.search(r'<ul class="order-toggle">.*?</ul>', html, re.S).group(0)
        assert re.findall(r'href="([^"]+)"', toggle) == ["/days/2025-03-14/", "/days/2025-03-14/listed/"]
        assert re.findall(r'aria-current="page">([^<]+)<', toggle) == [current]
    assert not (out / "days/2025-03-13/listed").exists(), "one paper has one order"
    assert "order-toggle" not in (out / "days/2025-03-13/index.html").read_text()
    sitemap = (out / "sitemap.xml").read_text()
    assert "/days/2025-03-14/listed/" in sitemap and "/trending/month/" in sitemap


def test_papers_listed_at_one_moment_keep_the_content_order(tmp_path: Path) -> None:
    """Date-only entries (how most content is written) share one moment: their
    listing order is the order of the content file."""
    papers = [paper("zeta", upvotes=1), paper("alpha", upvotes=9), paper("mid", upvotes=4)]
    site = _site(tmp_path, papers)
    build(site)
    assert _ranked(site / "output", "days/2025-03-14") == ["alpha", "mid", "zeta"]
    assert _ranked(site / "output", "days/2025-03-14/listed") == ["zeta", "alpha", "mid"]


def test_the_build_clock_does_not_matter(tmp_path: Path) -> None:
    """Same content, same bytes: the reference day comes from the content."""
    site = _site(tmp_path)
    build(site, tmp_path / "one")
    build(site, tmp_path / "two")
    assert tree(tmp_path / "one") == tree(tmp_path / "two")


def _edit(site: Path, papers: list[dict]) -> None:
    (site / "content/papers/papers.yaml").write_text(
        yaml.safe_dump(papers, sort_keys=False), encoding="utf-8"
    )


def _cold(site: Path, tmp_path: Path) -> dict[str, bytes]:
    copy = tmp_path / "cold"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("output", ".sitegen-cache"))
    build(copy)
    return tree(copy / "output")


def test_rebuilds_rewrite_a_trending_page_exactly_when_what_it_shows_changes(tmp_path: Path) -> None:
    papers = [dict(p) for p in PAPERS]
    site = _site(tmp_path, papers, trending={"papers": 2})
    build(site)
    week = site / "output/trending/index.html"
    before = week.read_bytes()
    # three-weeks is out of the week: the week's page stays (the month shows it; see the test below)
    papers[3]["abstract"] = "An edit nobody on a trending page sees."
    _edit(site, papers)
    result = build(site)
    assert result.report.written > 0
    assert week.read_bytes() == before
    assert tree(site / "output") == _cold(site, tmp_path)
    # an upvote that reorders the week rewrites it
    papers[1]["upvotes"] = 100
    _edit(site, papers)
    build(site)
    assert _ranked(site / "output", "trending") == ["four-days", "fresh"]
    assert tree(site / "output") == _cold(site, tmp_path)


def test_the_first_upvote_brings_trending_to_every_page_in_a_rebuild(tmp_path: Path) -> None:
    papers = [paper("a"), paper("b")]
    site = _site(tmp_path, papers)
    build(site)
    papers[1]["upvotes"] = 3
    _edit(site, papers)
    build(site)
    assert '<a href="/trending/">Trending</a>' in (site / "output/tags/index.html").read_text()
    assert tree(site / "output") == _cold(site, tmp_path)
    papers[1]["upvotes"] = 0  # and the last one takes it away
    _edit(site, papers)
    build(site)
    assert not (site / "output/trending").exists()
    assert tree(site / "output") == _cold(site, tmp_path)


def test_a_bad_setting_names_its_line(tmp_path: Path) -> None:
    site = _site(tmp_path, trending={"papers": 0}, digest={"paper": 5})
    try:
        build(site)
    except ConfigError as error:
        lines = sorted(str(p) for p in error.problems)
    else:
        raise AssertionError("a bad setting was accepted")
    assert sorted(line.split(": ", 1)[1] for line in lines) == [
        "digest.paper: unknown setting (did you mean 'papers'?)",
        "trending.papers: expected a whole number of at least 1, got 0",
    ]


def test_a_day_without_upvotes_has_one_order_on_a_site_with_upvotes(tmp_path: Path) -> None:
    papers = [paper("voted", "2025-03-14", upvotes=2), paper("x", "2025-03-13"), paper("y", "2025-03-13")]
    site = _site(tmp_path, papers)
    build(site)
    out = site / "output"
    assert (out / "trending/index.html").is_file()
    assert not (out / "days/2025-03-13/listed").exists(), "no upvotes that day: one order"
    assert "order-toggle" not in (out / "days/2025-03-13/index.html").read_text()


def test_an_edit_to_a_paper_ranked_but_not_shown_renders_no_trending_page(
    tmp_path: Path, monkeypatch
) -> None:
    """'Rendered again only when what it shows changes': counted, not just compared."""
    from sitegen.pages import PageKind
    from sitegen.pages import trending as trending_pages
    from sitegen.siteplan import KINDS

    rendered: list[int] = []

    def render(renderer, index):  # noqa: ANN001, ANN202
        rendered.append(index)
        return trending_pages.render(renderer, index)

    monkeypatch.setitem(KINDS, "trending", PageKind(render, trending_pages.shows))
    papers = [dict(p) for p in PAPERS]
    # One paper a page: fresh (the week), a-week (the month and all time)
    site = _site(tmp_path, papers, trending={"papers": 1})
    build(site)
    assert sorted(rendered) == [0, 1, 2]
    rendered.clear()
    # three-weeks is second in the month and third all time: ranked, not shown
    papers[3]["abstract"] = "An edit nobody on a trending page sees."
    _edit(site, papers)
    build(site)
    assert rendered == []
    papers[3]["upvotes"] = 41  # still unshown, but the month's and all time's count stays: nothing
    _edit(site, papers)
    build(site)
    assert rendered == []
    papers[0]["title"] = "Fresh, retitled"  # shown in the week only
    _edit(site, papers)
    build(site)
    assert rendered == [0]
    assert tree(site / "output") == _cold(site, tmp_path)


def test_a_page_shows_fifty_papers_unless_told(tmp_path: Path) -> None:
    from sitegen.config import load_config

    config = load_config(_site(tmp_path))
    assert (config.trending.papers, config.digest.papers) == (50, 50), "the defaults docs/reading.md gives"
