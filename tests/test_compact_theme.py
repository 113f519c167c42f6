"""The built-in compact theme, built over the golden site and held against the default theme.

docs/themes.md says compact extends default and changes only the card and the stylesheet:
so every page built with it is the default's page plus one <link> to compact.css, except
that list pages show compact cards (one line per paper, the abstract in a <details>) for
the same papers, in the same order. Feeds, sitemap and the rest are the same bytes
(but the search index, whose file names differ from build to build).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from sitegen.build import build
from tests.sitekit import REPO, tree

GOLDEN = REPO / "tests/sites/golden"
COMPACT_LINK = re.compile(r'<link rel="stylesheet" href="/golden/static/compact\.css\?v=[0-9a-f]+">\n')
CARD = re.compile(r'<article class="card">\n.*?\n</article>\n', re.S)
ENTRY = re.compile(r'<article class="entry">\n.*?\n</article>\n', re.S)


def _built(tmp_path: Path, theme: str | None) -> dict[str, bytes]:
    site = tmp_path / f"site-{theme}"
    shutil.copytree(GOLDEN / "site", site)
    if theme:
        with (site / "site.yaml").open("a", encoding="utf-8") as settings:
            settings.write(f"theme: {theme}\n")
    build(site, tmp_path / f"out-{theme}")
    return tree(tmp_path / f"out-{theme}")


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, bytes], dict[str, bytes]]:
    tmp = tmp_path_factory.mktemp("compact")
    return _built(tmp, None), _built(tmp, "compact")


def _text(files: dict[str, bytes], name: str) -> str:
    return files[name].decode("utf-8")


def _kept(files: dict[str, bytes]) -> dict[str, bytes]:
    """Without the search index: Pagefind's file names differ from build to build (as in
    tests/test_golden.py, which leaves it out)."""
    assert "pagefind/pagefind.js" in files
    return {name: data for name, data in files.items() if not name.startswith("pagefind/")}


def test_compact_has_the_same_files_and_only_html_and_its_css_differ(builds):
    default, compact = (_kept(files) for files in builds)
    assert sorted(compact) == sorted([*default, "static/compact.css"])
    differ = sorted(name for name in default if default[name] != compact[name])
    styled = sorted(
        name for name in default if name.endswith(".html") and b'rel="stylesheet"' in default[name]
    )
    assert differ == styled, "every page with a stylesheet, nothing else (not the emails)"


def test_every_page_is_the_default_page_plus_the_compact_stylesheet_but_for_the_cards(builds):
    default, compact = builds
    pages = [
        name for name in default if name.endswith(".html") and 'rel="stylesheet"' in _text(default, name)
    ]
    lists = 0
    for name in pages:
        page = _text(compact, name)
        assert len(COMPACT_LINK.findall(page)) == 1, name
        assert page.index("/static/style.css") < page.index("/static/compact.css"), name
        plain = COMPACT_LINK.sub("", page)
        before = _text(default, name)
        if CARD.search(before):
            lists += 1
            assert len(CARD.findall(before)) == len(ENTRY.findall(plain)), name
            plain, before = ENTRY.sub("", plain), CARD.sub("", before)
        assert plain == before, f"{name} differs from the default theme's beyond its cards"
    assert lists >= 8, "home pages, day, tag, author and trending pages"


def test_list_pages_show_the_same_papers_one_entry_each(builds):
    default, compact = builds
    for name in default:
        if name.endswith(".html") and CARD.search(_text(default, name)):
            cards = re.findall(r'<h3 class="card-title"><a href="([^"]+)">', _text(default, name))
            entries = re.findall(r'<h3 class="entry-title"><a href="([^"]+)">', _text(compact, name))
            assert entries == cards and entries, name
            assert _text(compact, name).count('<article class="entry">') == len(entries), name


def test_an_entry_is_one_line_with_the_abstract_in_details(builds):
    _, compact = builds
    home = _text(compact, "index.html")
    entries = re.findall(r'<article class="entry">\n(.*?)\n</article>', home, re.S)
    assert entries
    assert 'class="card-thumb"' in _text(builds[0], "index.html"), "the default's cards show thumbnails"
    for entry in entries:
        assert "<img" not in entry, "no thumbnails in compact lists (docs/themes.md)"
        line, _, rest = entry.partition("</div>")
        url = re.search(r'<h3 class="entry-title"><a href="/golden/([^"]+)">', line).group(1)
        paper = _text(compact, url + "index.html")
        if 'class="upvotes"' in paper:
            votes = re.search(r"&#9650;</span> (\d+) upvotes", paper).group(1)
            assert f'&#9650;</span> {votes}<span class="visually-hidden"> upvotes</span>' in line
        tags = re.findall(r'<a class="tag" href="([^"]+)"', paper.split("<section", 1)[0])
        assert re.findall(r'<a class="tag" href="([^"]+)"', line) == tags
        authors = re.findall(r'<li><a href="(/golden/authors/[^"]+)">', paper)
        shown = re.findall(r'<a href="(/golden/authors/[^"]+)">', line)
        assert shown == authors[:3]
        assert ("et al." in line) == (len(authors) > 3)
        heading = r'<h2 id="abstract-heading"[^>]*>Abstract</h2>\n'
        abstract = re.search(heading + r"(.*?)\n  </section>", paper, re.S)
        if abstract:
            assert '<details class="entry-abstract">' in rest
            assert abstract.group(1).strip() in rest, "the whole abstract, as on the paper page"
        else:
            assert "<details" not in rest
