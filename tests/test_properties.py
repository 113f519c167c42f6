"""Any paper a contributor can write either builds into pages and feeds that parse, or is refused
with path:line messages; never a traceback, and two builds of the same input are byte-identical."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import lxml.etree
import lxml.html
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sitegen.build import build
from sitegen.errors import SitegenError
from tests.sitekit import stable, tree

# Text with what hostile or unlucky input holds: markup, quotes, format characters,
# right-to-left marks, YAML and Markdown syntax; now and then a control character or a
# noncharacter (which must be refused with its place, never crash a feed).
friendly = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Co", "Cn")) | st.sampled_from(
    [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "[x](javascript:alert(1))",
        "<a href='javascript:alert(1)'>x</a>",
        "$x^2$",
        "$$\\frac{a}{b}$$",
        "{{ 7*7 }}",
        "{% raw %}",
        "&amp;",
        "\u202e",
        "\u2028",
        "\t",
        "# ",
        "- ",
        ": ",
        "*",
        "`",
        "\\",
    ]
)
hostile = st.sampled_from(["\x00", "\x07", "\x1b[31m", "\ufffe", "\x85"])
pieces = st.one_of(friendly, friendly, friendly, friendly, friendly, friendly, friendly, friendly, hostile)
text = st.lists(pieces, min_size=0, max_size=12).map("".join)
# A field that must not be blank: a word first, then anything.
named = st.builds(str.__add__, st.sampled_from(["A", "Paper ", "Étude ", "Über ", "<i>x</i> "]), text)


def mostly(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``good`` nine times in ten: a site is refused for one bad value, and most should build."""
    return st.one_of(*([good] * 9), bad)


ids = mostly(
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,20}", fullmatch=True),
    st.sampled_from(["2403.09629", "hep-th/9901001", "../escape", "a/b", ".hidden", "x..y", "CON"]),
)
urls = mostly(
    st.sampled_from(
        [
            "https://example.org/a?b=1&c=2",
            "http://example.org/<x>",
            'https://example.org/"quoted"',
            "https://example.org/a b",
            "mailto:someone@example.org",
            "/relative/path.pdf",
            "//cdn.example.org/x.png",
            "HTTPS://EXAMPLE.ORG/Straße",
        ]
    ),
    st.sampled_from(["JaVaScRiPt:alert(1)", "java\tscript:alert(1)", "data:text/html,<b>", "vbscript:x"]),
)
dates = mostly(
    st.sampled_from(["2025-03-14", "2025-03-14T09:30:00Z", "2024-02-29 23:59", "2025-03-14T23:30:00-05:00"]),
    st.sampled_from(["2025-02-30", "14 March 2025", "2025-03-14 25:00"]),
)


def paper_strategy(
    ids: st.SearchStrategy[str], text: st.SearchStrategy[str], named: st.SearchStrategy[str], urls, dates
) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"id": ids, "title": named, "date": dates},
        optional={
            "abstract": text,
            "note": text,
            "venue": text,
            "authors": st.lists(
                named | st.fixed_dictionaries({"name": named}, optional={"url": urls}), max_size=3
            ),
            "tags": st.lists(named, max_size=4),
            "links": st.dictionaries(
                st.sampled_from(["code", "pdf", "<b>x</b>", "project page"]), urls, max_size=3
            ),
            "thumbnail": urls,
            "upvotes": mostly(st.integers(0, 10**6), st.integers(-5, -1)),
            "extra": st.dictionaries(st.sampled_from(["a", "b"]), text, max_size=2),
        },
    )


papers = paper_strategy(ids, text, named, urls, dates)

# What a careful contributor writes: every value acceptable, still full of markup and
# odd characters. Such a site must always build.
friendly_text = st.lists(friendly, max_size=12).map("".join)
openings = st.sampled_from(["A", "Paper ", "Étude ", "<i>x</i> "])
friendly_named = st.builds(str.__add__, openings, friendly_text)
good_ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,20}", fullmatch=True) | st.sampled_from(
    ["2403.09629", "hep-th/9901001", "math.GT/0309136v2"]
)
good_urls = st.sampled_from(
    ["https://example.org/a?b=1&c=2", "http://example.org/<x>", "https://example.org/a b", "/rel.pdf"]
)
good_dates = st.sampled_from(["2025-03-14", "2025-03-14T09:30:00Z", "2024-02-29 23:59"])
good_papers = paper_strategy(good_ids, friendly_text, friendly_named, good_urls, good_dates).filter(
    lambda paper: paper.get("upvotes", 0) >= 0
)


def _write(site: Path, entries: list[dict[str, Any]], as_json: bool) -> None:
    if site.exists():
        shutil.rmtree(site)
    folder = site / "content" / "papers"
    folder.mkdir(parents=True)
    (site / "site.yaml").write_text(
        'title: "Prop <b>site</b>"\nbase_url: https://example.org/sub/\ndescription: "a & b <i>"\n',
        encoding="utf-8",
    )
    if as_json:
        (folder / "p.json").write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
    else:
        (folder / "p.yaml").write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")


def _parses(out: Path) -> None:
    for path in out.rglob("*"):
        if path.suffix == ".html":
            document = lxml.html.fromstring(path.read_bytes())
            for link in document.iter("a"):
                href = (link.get("href") or "").strip().lower()
                assert not href.startswith(("javascript:", "data:", "vbscript:")), (path, href)
            assert not document.xpath("//script[not(@type='application/ld+json')][not(@src)]"), path
        elif path.suffix == ".xml":
            lxml.etree.fromstring(path.read_bytes())
        elif path.suffix == ".json":
            json.loads(path.read_bytes())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    entries=st.lists(good_papers, min_size=1, max_size=3, unique_by=lambda p: p["id"].casefold()),
    as_json=st.booleans(),
)
def test_any_acceptable_paper_builds_into_pages_and_feeds_that_parse(
    tmp_path: Path, entries: list[dict[str, Any]], as_json: bool
) -> None:
    site = tmp_path / "site"
    _write(site, entries, as_json)
    first = build(site, site / "out1", workers=1)
    assert first.papers == len(entries)
    _parses(site / "out1")
    build(site, site / "out2", workers=1)
    assert stable(tree(site / "out1")) == stable(tree(site / "out2"))  # with search (the default) on


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(papers, min_size=1, max_size=3), as_json=st.booleans())
def test_any_paper_builds_cleanly_or_is_refused_with_locations(
    tmp_path: Path, entries: list[dict[str, Any]], as_json: bool
) -> None:
    site = tmp_path / "site"
    _write(site, entries, as_json)
    try:
        first = build(site, site / "out1", workers=1)
    except SitegenError as error:
        event("refused")
        assert error.problems
        for problem in error.problems:
            assert problem.path is not None and str(problem.path).startswith("content/papers/p."), problem
            assert problem.line is not None, problem
        assert not (site / "out1").exists()
        return
    event("built")
    assert first.papers == len(entries)
    _parses(site / "out1")
    build(site, site / "out2", workers=1)
    assert stable(tree(site / "out1")) == stable(tree(site / "out2"))  # with search (the default) on
