"""Whatever a source answers, an import ends in papers or in one SourceError line: never a traceback."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.config import load_config
from sitegen.errors import SitegenError
from sitegen.importers import arxiv, hf_daily
from sitegen.importers.apply import apply_import
from sitegen.importers.base import Imported, SourceError
from sitegen.loading import load_papers

# JSON values that look a little like a listing: the keys the importer reads, with any values.
KEYS = ["paper", "id", "title", "summary", "authors", "name", "upvotes", "publishedAt", "githubRepo"]
KEYS += ["projectPage", "ai_keywords", "thumbnail", "numComments", "hidden"]
scalars = st.none() | st.booleans() | st.integers(-5, 10**12) | st.floats() | st.text(max_size=30)
json_values = st.recursive(
    scalars | st.sampled_from(["2403.09629", "https://github.com/x/y", "2025-03-14T09:30:00.000Z"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=6),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_hf_listing_any_json_gives_papers_or_one_source_error(value: object) -> None:
    body = json.dumps(value).encode()
    try:
        papers = hf_daily.parse_listing(body, None, keyword_tags=2)
    except SourceError as error:
        assert len(error.problems) == 1 and "\n" not in str(error)
        return
    assert all(isinstance(p, Imported) and p.fields.get("title") for p in papers)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_arxiv_any_bytes_give_papers_or_one_source_error(body: bytes) -> None:
    try:
        arxiv.parse_feed(body, date(2025, 3, 14))
    except SourceError as error:
        assert len(error.problems) == 1


# Text a source might send: control characters, noncharacters, quotes, YAML syntax, long lines.
pieces = st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from(
    ["\x00", "\x07", "\x1b", "\ufffe", "\u2028", ": ", "- ", "#", "'", '"', "|", "&a", "*a", "\n", "  "]
)
nasty_text = st.lists(pieces, min_size=1, max_size=30).map("".join)


def _fresh_site(tmp_path: Path) -> Path:
    """An empty site; hypothesis runs many examples in one tmp_path, so the last one's goes first."""
    site = tmp_path / "site"
    if site.exists():
        shutil.rmtree(site)
    (site / "content/papers").mkdir(parents=True)
    (site / "site.yaml").write_text("title: T\nbase_url: https://e.org/\n", encoding="utf-8")
    return site


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=nasty_text, abstract=nasty_text, author=nasty_text, tag=nasty_text)
def test_whatever_text_a_source_sends_the_site_still_checks_or_nothing_is_written(
    tmp_path: Path, title: str, abstract: str, author: str, tag: str
) -> None:
    site = _fresh_site(tmp_path)
    fields = {"title": title, "abstract": abstract, "authors": [author], "tags": [tag]}
    paper = Imported("2403.09629", date(2025, 3, 14), fields, "test")
    config = load_config(site)
    try:
        outcome = apply_import(config, [paper], date(2025, 3, 14))
    except SitegenError:
        assert not (site / "content/papers/2025").exists()  # refused as a whole
        return
    if outcome.skipped:  # the paper would not pass `sitegen check`: nothing written for it
        assert not (site / "content/papers/2025").exists()
        return
    [loaded] = load_papers(config)
    assert loaded.abstract == abstract  # what was written reads back as it was given
    assert apply_import(config, [paper], date(2025, 3, 14)).files == []  # and a re-import changes nothing


ids = st.sampled_from(["2403.09629", "2403.09630", "2403.09631", "hep-th/9901001", "2501.00001"])
batches = st.lists(
    st.lists(
        st.tuples(ids, st.integers(0, 500), st.sampled_from([date(2025, 3, 14), date(2025, 3, 15)])),
        max_size=5,
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=batches)
def test_any_sequence_of_imports_keeps_one_entry_per_paper_with_the_latest_values(
    tmp_path: Path, batches: list[list[tuple[str, int, date]]]
) -> None:
    config = load_config(_fresh_site(tmp_path))
    latest: dict[str, int] = {}
    for batch in batches:
        papers = [Imported(i, day, {"title": f"T {i}", "upvotes": up}, "test") for i, up, day in batch]
        apply_import(config, papers, date(2025, 3, 20))
        firsts: dict[str, int] = {}  # within one import the first mention of a paper stands
        for paper_id, upvotes, _ in batch:
            firsts.setdefault(paper_id, upvotes)
        latest.update(firsts)
        loaded = {p.id: p.upvotes for p in load_papers(config)}
        assert loaded == latest
    if batches[-1]:
        again = [Imported(i, day, {"title": f"T {i}", "upvotes": up}, "test") for i, up, day in batches[-1]]
        assert apply_import(config, again, date(2025, 3, 20)).files == []
