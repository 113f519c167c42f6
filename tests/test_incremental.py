"""A rebuild that reuses the last build's work must equal a cold build, byte for byte."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
import yaml

from sitegen.build import CACHE_DIR, build
from sitegen.errors import ThemeError
from tests.sitekit import paper, tree

PAPERS = [
    paper(
        f"p{i}",
        f"2025-03-{10 + i % 4:02d}",
        title=f"Paper number {i}",
        tags=[f"t{i % 3}", "all"],
        authors=[f"Author {i % 5}"],
        abstract=f"Abstract {i} with $x^{i}$.",
        upvotes=i,
    )
    for i in range(30)
]


def cold_tree(site: Path, tmp_path: Path) -> dict[str, bytes]:
    """A build from nothing: a copy of the site with no cache, into a new folder."""
    copy = tmp_path / "cold-site"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("output", CACHE_DIR))
    build(copy, tmp_path / "cold-out")
    result = tree(tmp_path / "cold-out")
    shutil.rmtree(tmp_path / "cold-out")
    return result


def touch_all(folder: Path) -> None:
    for path in folder.rglob("*"):
        os.utime(path, ns=(1, 1))


def changed_files(folder: Path) -> set[str]:
    return {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.stat().st_mtime_ns != 1
    }


def edit_papers(site: Path, papers: list[dict]) -> None:
    (site / "content/papers/papers.yaml").write_text(
        yaml.safe_dump(papers, sort_keys=False), encoding="utf-8"
    )


@pytest.fixture
def built(site_factory):
    site = site_factory(PAPERS, per_page=5)
    build(site)
    touch_all(site / "output")
    return site


def test_nothing_changed_renders_and_writes_nothing(built, tmp_path):
    result = build(built)
    assert result.report.written == 0 and result.report.removed == 0
    assert result.papers == 30, "the summary still counts the papers"
    assert "render" not in result.phases, "nothing was rendered"
    assert changed_files(built / "output") == set()
    assert tree(built / "output") == cold_tree(built, tmp_path)


def test_one_paper_edited_touches_only_its_pages(built, tmp_path):
    papers = [dict(p) for p in PAPERS]
    papers[7]["abstract"] = "A new abstract."
    edit_papers(built, papers)
    result = build(built)
    changed = changed_files(built / "output")
    assert "papers/p7/index.html" in changed and "atom.xml" in changed
    assert "papers/p20/index.html" not in changed, "an unrelated paper page stays as it was"
    assert 0 < result.report.written < len(tree(built / "output")) / 2
    assert tree(built / "output") == cold_tree(built, tmp_path)


def test_one_paper_edited_rewrites_only_its_authors_feeds(built, tmp_path):
    papers = [dict(p) for p in PAPERS]
    papers[7]["abstract"] = "A new abstract."  # by Author 2
    edit_papers(built, papers)
    build(built)
    changed = {f for f in changed_files(built / "output") if f.startswith("authors/")}
    feeds = {f"authors/author-2/{name}" for name in ("atom.xml", "rss.xml")}
    assert feeds <= changed, "the author's feeds show the new abstract"
    assert not {f for f in changed if not f.startswith("authors/author-2/")}, "no other author's file"
    assert tree(built / "output") == cold_tree(built, tmp_path)


def test_a_thumbnail_edit_renders_again_every_card_and_feed_that_shows_it(built, tmp_path):
    papers = [dict(p) for p in PAPERS]
    papers[7]["thumbnail"] = "thumbs/p7.png"
    edit_papers(built, papers)
    build(built)
    changed = changed_files(built / "output")
    output = tree(built / "output")
    showing = {name for name, data in output.items() if b"thumbs/p7.png" in data}
    cards = {name for name, data in output.items() if b'class="card-thumb" src="/thumbs/p7.png"' in data}
    assert cards == {
        "page/2/index.html",
        "days/2025-03-13/index.html",
        "tags/t1/index.html",
        "tags/all/page/2/index.html",
        "authors/author-2/index.html",
        # The papers have upvotes: trending, and the day in listing order.
        "trending/index.html",
        "trending/month/index.html",
        "trending/all/index.html",
        "days/2025-03-13/listed/index.html",
    }
    assert {"papers/p7/index.html", "atom.xml", "rss.xml", "feed.json", "tags/t1/atom.xml"} <= showing
    assert "authors/author-2/atom.xml" in showing
    assert showing <= changed, "a file that shows the new thumbnail was left as it was"
    assert "papers/p20/index.html" not in changed
    assert output == cold_tree(built, tmp_path)


def test_a_template_edit_rebuilds_what_it_shows(built, tmp_path):
    templates = built / "templates"
    templates.mkdir()
    card = (Path(__file__).parent.parent / "themes/default/templates/_card.html").read_text()
    (templates / "_card.html").write_text(card.replace("<article", "<article data-edited"), encoding="utf-8")
    build(built)
    assert "data-edited" in (built / "output/index.html").read_text()
    assert tree(built / "output") == cold_tree(built, tmp_path)


def test_a_settings_edit_rebuilds_everything_it_affects(built, tmp_path):
    config = yaml.safe_load((built / "site.yaml").read_text())
    config.update(title="Renamed", per_page=7, base_url="https://elsewhere.org/sub/")
    (built / "site.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    build(built)
    assert "Renamed" in (built / "output/papers/p3/index.html").read_text()
    assert tree(built / "output") == cold_tree(built, tmp_path)


def test_a_deleted_paper_leaves_no_trace(built, tmp_path):
    edit_papers(built, PAPERS[:-1])
    result = build(built)
    assert result.report.removed >= 1
    assert not (built / "output/papers/p29").exists()
    assert tree(built / "output") == cold_tree(built, tmp_path)


def test_a_hand_edited_output_file_is_repaired(built, tmp_path):
    page = built / "output/papers/p3/index.html"
    page.write_text("vandalised")
    build(built)
    assert tree(built / "output") == cold_tree(built, tmp_path)


def test_deleting_the_cache_is_safe(built, tmp_path):
    shutil.rmtree(built / CACHE_DIR)
    result = build(built)
    assert result.report.written == 0, "identical files are recognised without the cache"
    assert tree(built / "output") == cold_tree(built, tmp_path)


def test_rendering_across_processes_gives_the_same_bytes(site_factory, tmp_path, monkeypatch):
    from sitegen import parallel

    monkeypatch.setattr(parallel, "PARALLEL_THRESHOLD", 0)  # use the pool even for a small site
    site = site_factory(PAPERS, per_page=5)
    build(site, tmp_path / "serial", workers=1)
    result = build(site, tmp_path / "parallel", workers=2)
    assert result.report.written == len(tree(tmp_path / "serial"))
    assert tree(tmp_path / "parallel") == tree(tmp_path / "serial")


def test_a_failure_in_a_worker_leaves_no_partial_output(site_factory, tmp_path, monkeypatch):
    from sitegen import parallel

    monkeypatch.setattr(parallel, "PARALLEL_THRESHOLD", 0)
    site = site_factory(PAPERS, per_page=5)
    (site / "templates").mkdir()
    (site / "templates/paper.html").write_text("{{ no_such_variable }}")
    with pytest.raises(ThemeError) as caught:
        build(site, tmp_path / "out", workers=2)
    assert "no_such_variable" in str(caught.value) and caught.value.problems[0].path
    assert not (tmp_path / "out").exists()


def test_split_sitemaps_are_rewritten_when_and_only_when_their_dates_change(
    site_factory, tmp_path, monkeypatch
):
    from sitegen import sitemap

    monkeypatch.setattr(sitemap, "SITEMAP_LIMIT", 20)
    site = site_factory(PAPERS, per_page=5)
    build(site)
    parts = {p.name for p in (site / "output").glob("sitemap-*.xml")}
    assert len(parts) >= 3
    touch_all(site / "output")
    papers = [dict(p) for p in PAPERS]
    papers[29]["abstract"] = "A new abstract."  # no date changes: no sitemap does
    edit_papers(site, papers)
    build(site)
    assert "papers/p29/index.html" in changed_files(site / "output")
    assert not changed_files(site / "output") & (parts | {"sitemap.xml"})
    papers[29]["updated"] = "2025-04-01"
    edit_papers(site, papers)
    build(site)
    assert "2025-04-01" in (site / "output/sitemap-1.xml").read_text()
    assert tree(site / "output") == cold_tree(site, tmp_path)


def test_a_run_of_edits_equals_a_cold_build_each_time(built, tmp_path):
    """From the second rebuild on, the new site is made from the spare folder
    holding the site before last: it must still come out the same."""
    papers = [dict(p) for p in PAPERS]
    edits = [
        lambda: papers[3].update(abstract="Changed once."),
        lambda: papers.pop(),  # a paper removed
        lambda: papers[3].update(abstract="Abstract 3 with $x^3$."),  # and changed back
        lambda: papers.append(paper("p99", "2025-04-01", tags=["new tag"])),
    ]
    for edit in edits:
        edit()
        edit_papers(built, papers)
        build(built)
        assert tree(built / "output") == cold_tree(built, tmp_path)


def test_a_markdown_settings_edit_renders_the_pages_again(built, tmp_path):
    edit_papers(
        built, [dict(PAPERS[0], abstract="Code at https://github.com/x/y.[^1]\n\n[^1]: A note."), *PAPERS[1:]]
    )
    build(built)
    page = built / "output/papers/p0/index.html"
    assert (
        '<a href="https://github.com/x/y"' in page.read_text() and "footnote-definition" in page.read_text()
    )
    config = yaml.safe_load((built / "site.yaml").read_text())
    config["markdown"] = {"autolink": False, "footnotes": False}
    (built / "site.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    build(built)
    assert '<a href="https://github.com/x/y"' not in page.read_text()
    assert "footnote-definition" not in page.read_text()
    assert tree(built / "output") == cold_tree(built, tmp_path)


def _counting_citations(monkeypatch) -> list[tuple]:
    """Record which citation files render (the Renderer takes its kinds from KINDS)."""
    from sitegen.pages import PageKind, cite
    from sitegen.siteplan import KINDS

    rendered: list[tuple] = []

    def render(renderer, *key):
        rendered.append(key)
        return cite.render(renderer, *key)

    monkeypatch.setitem(KINDS, "cite", PageKind(render, cite.shows))
    return rendered


def test_citation_files_render_again_only_for_the_paper_that_changed(built, tmp_path, monkeypatch):
    rendered = _counting_citations(monkeypatch)
    papers = [dict(p) for p in PAPERS]
    papers[7]["title"] = "A new title"
    edit_papers(built, papers)
    build(built)
    assert sorted(rendered) == [("p7", "bibtex"), ("p7", "ris")]
    changed = changed_files(built / "output")
    assert {"papers/p7/cite.bib", "papers/p7/cite.ris", "papers.bib"} <= changed
    assert not {"papers/p8/cite.bib", "papers/p8/cite.ris"} & changed
    assert "@misc{22025new," in (built / "output/papers/p7/cite.bib").read_text()
    assert tree(built / "output") == cold_tree(built, tmp_path)


def test_a_paper_listed_later_leaves_the_keys_and_files_of_earlier_ones(built, tmp_path, monkeypatch):
    """PAPERS hold six 'Author 0' papers titled 'Paper number ...': keys 02025paper, ...a, ...e.
    A seventh, listed after them, takes the next letter; nothing else changes."""
    before = (built / "output/papers.bib").read_text()
    keys = sorted(re.findall(r"@misc\{(02025paper\w*),", before))
    assert keys == ["02025paper", "02025papera", "02025paperb", "02025paperc", "02025paperd", "02025papere"]
    rendered = _counting_citations(monkeypatch)
    later = paper("p100", "2025-03-20", title="Paper anew", authors=["Author 0"])
    edit_papers(built, [*PAPERS, later])
    build(built)
    assert sorted(rendered) == [("p100", "bibtex"), ("p100", "ris")]
    assert "@misc{02025paperf," in (built / "output/papers/p100/cite.bib").read_text()
    assert not {f for f in changed_files(built / "output") if f.endswith((".bib", ".ris"))} - {
        "papers.bib",
        "papers/p100/cite.bib",
        "papers/p100/cite.ris",
    }
    assert tree(built / "output") == cold_tree(built, tmp_path)
