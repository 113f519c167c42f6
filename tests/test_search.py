"""Search: Pagefind's index of the paper pages, built into the new site before it
is swapped in, and kept as it is by builds that change no paper page."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from sitegen import search
from sitegen.build import build
from sitegen.errors import OutputError
from tests.sitekit import PAGEFIND_VOLATILE, paper, stable, tree, write_site

PAPERS = [
    paper(
        f"p{i}",
        f"2025-03-{10 + i % 3:02d}",
        title=f"Paper number {i}",
        tags=[f"t{i % 3}", "all"],
        authors=[f"Author {i % 4}"],
        abstract=f"Abstract {i} about word{i}.",
    )
    for i in range(12)
]


def searchable(root: Path, **settings) -> Path:
    return write_site(root, PAPERS, search=True, **settings)


def index_files(folder: Path) -> dict[str, bytes]:
    return {path: data for path, data in tree(folder).items() if path.startswith("pagefind/")}


def mtimes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def test_the_index_holds_the_paper_pages_and_nothing_else(tmp_path):
    site = searchable(tmp_path / "site")
    result = build(site)
    out = site / "output"
    entry = json.loads((out / "pagefind/pagefind-entry.json").read_text())
    assert sum(language["page_count"] for language in entry["languages"].values()) == len(PAPERS)
    for name in ("pagefind.js", "pagefind-ui.js", "pagefind-ui.css", "pagefind-worker.js"):
        assert (out / "pagefind" / name).is_file(), name
    assert not list((out / "pagefind").glob("pagefind-*modular*")), "interfaces the site does not use"
    assert "search" in result.phases
    paper_page = (out / "papers/p1/index.html").read_text()
    assert "data-pagefind-body" in paper_page and 'data-pagefind-filter="tag:all"' in paper_page
    for page in ("index.html", "tags/all/index.html", "days/index.html", "authors/index.html"):
        assert "data-pagefind-body" not in (out / page).read_text(), page
    assert not list((site / ".sitegen-cache").glob("search-*")), "the scratch folder is removed"


def test_the_box_and_the_search_page_work_under_a_sub_path(tmp_path):
    site = searchable(tmp_path / "site", base_url="https://example.org/sub/path/")
    build(site)
    out = site / "output"
    home = (out / "index.html").read_text()
    assert '<form class="site-search" role="search" action="/sub/path/search/" method="get">' in home
    assert "<script" not in home, "no page but the search page loads a script"
    page = (out / "search/index.html").read_text()
    assert '<script src="/sub/path/pagefind/pagefind-ui.js" defer></script>' in page
    assert 'data-bundle="/sub/path/pagefind/"' in page
    assert '<meta name="robots" content="noindex">' in page
    noscript = page[page.index("<noscript>") : page.index("</noscript>")]
    assert 'href="/sub/path/tags/"' in noscript and 'href="/sub/path/days/"' in noscript
    assert "search/" not in (out / "sitemap.xml").read_text()


def test_search_false_leaves_out_the_index_the_page_and_the_box(tmp_path):
    site = searchable(tmp_path / "site")
    build(site)
    assert (site / "output/pagefind").is_dir()
    (site / "site.yaml").write_text((site / "site.yaml").read_text().replace("search: true", "search: false"))
    result = build(site)
    out = site / "output"
    assert not (out / "pagefind").exists() and not (out / "search").exists()
    assert "site-search" not in (out / "index.html").read_text()
    assert "search" not in result.phases
    assert result.report is not None and result.report.removed > 0


def test_a_build_that_changes_no_paper_page_does_not_run_pagefind(tmp_path, monkeypatch):
    site = searchable(tmp_path / "site")
    build(site)
    out = site / "output"
    before = mtimes(out)
    (out / "index.html").unlink()  # the next build must render again, but no paper page changed

    def refuse(*args, **kwargs):
        raise AssertionError("Pagefind ran, though no paper page changed")

    monkeypatch.setattr(search, "build_index", refuse)
    result = build(site)
    assert result.report is not None and result.report.written == 1
    after = mtimes(out)
    assert {path for path in after if after[path] != before.get(path)} == {"index.html"}


def test_an_edited_paper_is_found_by_its_new_words_and_the_rest_stays(tmp_path):
    site = searchable(tmp_path / "site")
    build(site)
    out = site / "output"
    before, times = index_files(out), mtimes(out)
    edited = [dict(p) for p in PAPERS]
    edited[3]["abstract"] = "A new abstract about zeppelins."
    write_site(site, edited, search=True)
    build(site)
    after = index_files(out)
    fragments = [data for path, data in after.items() if path.startswith("pagefind/fragment/")]
    assert any(b"zeppelins" in _gunzip(data) for data in fragments)
    assert not any(b"word3" in _gunzip(data) for data in fragments)
    rewritten = {p for p in after if mtimes(out)[p] != times.get(p)}
    unchanged_fragments = {p for p in before if p.startswith("pagefind/fragment/") and p in after}
    assert len(unchanged_fragments) == len(PAPERS) - 1, "one page's fragment is new, the others stay"
    assert not rewritten & unchanged_fragments
    assert after["pagefind/pagefind.js"] == before["pagefind/pagefind.js"]


def test_two_builds_differ_only_in_pagefinds_filter_index(tmp_path):
    """What docs/search.md says about determinism: every file but Pagefind's
    filter index (and the two files naming it) is byte-identical."""
    one, two = searchable(tmp_path / "one"), searchable(tmp_path / "two")
    build(one)
    build(two)
    first, second = tree(one / "output"), tree(two / "output")
    assert sorted(stable(first)) == sorted(stable(second))
    assert [path for path in stable(first) if first[path] != second[path]] == []
    assert any(PAGEFIND_VOLATILE.fullmatch(path) for path in first), "the pattern names files Pagefind writes"


def test_a_missing_pagefind_binary_is_a_message(tmp_path, monkeypatch):
    site = searchable(tmp_path / "site")
    import pagefind_bin

    def missing():
        raise FileNotFoundError("no binary")

    monkeypatch.setattr(pagefind_bin, "get_executable", missing)
    with pytest.raises(OutputError) as caught:
        build(site)
    assert "pip install pagefind-bin, or set 'search: false'" in str(caught.value)
    assert not (site / "output").exists() or not os.listdir(site / "output")


def _gunzip(data: bytes) -> bytes:
    import gzip

    return gzip.decompress(data)


def test_only_the_search_page_loads_search_scripts_and_the_home_page_stays_small(tmp_path):
    site = searchable(tmp_path / "site")
    build(site)
    out = site / "output"
    for page in out.rglob("*.html"):
        html = page.read_text()
        loaded = re.findall(r'<script src="([^"]+)"', html)
        path = page.relative_to(out).as_posix()
        if path == "search/index.html":
            assert loaded[0] == "/pagefind/pagefind-ui.js" and len(loaded) == 2
            assert loaded[1].startswith("/static/search.js?v="), loaded
        elif re.fullmatch(r"papers/[^/]+/index\.html", path):
            # the copy button of the citation (docs/content.md, "Citations")
            assert len(loaded) == 1 and loaded[0].startswith("/static/cite.js?v="), loaded
        else:
            assert loaded == [], page
    home = (out / "index.html").stat().st_size + (out / "static/style.css").stat().st_size
    assert home < 50_000, "the home page's HTML and CSS budget"


def test_the_index_holds_tags_as_html_text_for_the_filter_that_shows_them_as_html(tmp_path):
    """Pagefind's interface shows filter values as HTML: the index must hold
    each tag HTML-escaped once, so that it shows as the text it is."""
    entry = paper("x", tags=["a<b & c", "R&amp;D"], abstract="Words.")
    site = write_site(tmp_path / "site", [entry], search=True)
    build(site)
    fragments = [_gunzip(data) for path, data in index_files(site / "output").items() if "/fragment/" in path]
    stored = json.loads(fragments[0].removeprefix(b"pagefind_dcd"))
    assert sorted(stored["filters"]["tag"]) == ["R&amp;amp;D", "a&lt;b &amp; c"]


def test_the_index_holds_what_a_reader_searches_and_not_the_bibtex(tmp_path):
    """docs/search.md: titles, authors, abstracts, notes and tags; the article only
    (no header, footer or citation); the title from the <h1>, the listing day as meta."""
    entry = paper(
        "2403.09629",
        title="Zebra title",
        authors=["Quokka Author"],
        abstract="Abstract with aardvark.",
        note="A note on narwhals.",
        tags=["ocelot"],
    )
    site = write_site(tmp_path / "site", [entry], search=True)
    build(site)
    [fragment] = [_gunzip(d) for p, d in index_files(site / "output").items() if "/fragment/" in p]
    stored = json.loads(fragment.removeprefix(b"pagefind_dcd"))
    for word in ("aardvark", "narwhals"):
        assert word in stored["content"], word
    # The header is searched as metadata, so that excerpts come from the abstract and note.
    for word in ("@misc", "BibTeX", "Download", "Subscribe", "Skip to content", "Search papers",
                 "Zebra", "Quokka", "ocelot", "Listed", "Curator"):  # fmt: skip
        assert word not in stored["content"], word
    assert stored["meta"] == {
        "title": "Zebra title",
        "date": "March 14, 2025",
        "authors": "Quokka Author;",
        "tags": "ocelot",
    }
    assert stored["filters"] == {"tag": ["ocelot"]}


def _counting_pagefind(monkeypatch) -> list[int]:
    runs: list[int] = []
    real = search.build_index

    def counted(*args, **kwargs):
        runs.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(search, "build_index", counted)
    return runs


def test_a_setting_that_changes_every_paper_page_indexes_again(tmp_path, monkeypatch):
    site = searchable(tmp_path / "site")
    build(site)
    runs = _counting_pagefind(monkeypatch)
    build(site)
    assert runs == [], "nothing changed: no Pagefind"
    (site / "site.yaml").write_text((site / "site.yaml").read_text().replace("Test Papers", "Other Papers"))
    build(site)
    assert runs == [1]
    rebuilt, cold = index_files(site / "output"), index_files(_cold_copy(site, tmp_path))
    assert stable(rebuilt) == stable(cold) and len(rebuilt) == len(cold), "no file of the old index left"


def test_nothing_changed_with_search_on_touches_no_file(tmp_path, monkeypatch):
    site = searchable(tmp_path / "site")
    build(site)
    before = mtimes(site / "output")
    runs = _counting_pagefind(monkeypatch)
    result = build(site)
    assert runs == [] and result.report is not None and result.report.written == 0
    assert mtimes(site / "output") == before


def test_an_index_file_gone_is_made_again(tmp_path):
    """The index is kept only while its files are intact; made again, it is the
    index a cold build makes, with no file of the old one left beside it."""
    site = searchable(tmp_path / "site")
    build(site)
    out = site / "output"
    before = index_files(out)
    fragment = next(p for p in before if p.startswith("pagefind/fragment/"))
    (out / fragment).unlink()
    (out / "pagefind/pagefind.js").write_bytes(b"broken")
    build(site)
    after = index_files(out)
    assert sorted(stable(after)) == sorted(stable(before))
    assert all(after[p] == before[p] for p in stable(before)), "every index file back as it was"
    cold = index_files(_cold_copy(site, tmp_path))
    assert len(after) == len(cold), "no file of the old index left"


def _cold_copy(site: Path, tmp_path: Path) -> Path:
    import shutil

    copy = tmp_path / "cold"
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("output", ".sitegen-cache"))
    build(copy)
    return copy / "output"


def test_a_failing_index_leaves_the_live_site_as_it_was(tmp_path, monkeypatch):
    """The index is made before the swap: when Pagefind fails, output/ keeps the
    last build whole, pages and index alike."""
    site = searchable(tmp_path / "site")
    build(site)
    before = tree(site / "output")
    edited = [dict(p) for p in PAPERS]
    edited[0]["title"] = "A new title"
    write_site(site, edited, search=True)

    def fail(*args, **kwargs):
        raise OutputError(search.Problem("Pagefind failed"))

    monkeypatch.setattr(search, "build_index", fail)
    with pytest.raises(OutputError):
        build(site)
    assert tree(site / "output") == before


def test_the_timings_name_the_search_phase(tmp_path):
    import subprocess
    import sys

    site = searchable(tmp_path / "site")
    done = subprocess.run(
        [sys.executable, "-m", "sitegen", "build", "--site", str(site), "--timings"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert re.search(r"(^|  )search \d+\.\d\d s", done.stdout.splitlines()[-1]), done.stdout
