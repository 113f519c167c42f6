"""feedentries (docs/feeds.md; docs/performance-notes.md, "Feed entries written once"): a feed
whose entries' bytes come from the cache is, byte for byte, the feed feedgen builds entry
by entry (tests/feedgen_oracle.py), whatever else the feeds sharing the cache hold."""

from __future__ import annotations

import dataclasses
import multiprocessing
import tempfile
from datetime import date, datetime, timezone

import pytest

from sitegen import feedxml
from sitegen.feedentries import EntryBytes
from sitegen.feeds import FeedEntry, FeedInfo, prepare, render_atom, render_rss
from sitegen.model import Author, Paper
from tests import feedgen_oracle

UTC = timezone.utc
ORACLE = {render_atom: feedgen_oracle.render_atom, render_rss: feedgen_oracle.render_rss}


def _paper(n: int, **changes: object) -> Paper:
    values: dict[str, object] = {
        "id": f"2401.{n:05d}",
        "title": f"Paper {n}",
        "date": datetime(2024, 1, n, 12, 0, tzinfo=UTC),
        "day": date(2024, 1, n),
        "authors": (Author("Ada Lovelace"), Author(f"Author {n}")),
        "tags": ("llm",),
    }
    values.update(changes)
    return Paper(**values)  # type: ignore[arg-type]


def _entry(paper: Paper, content: str = "<p>An abstract &amp; more.</p>", **changes: object) -> FeedEntry:
    entry = FeedEntry(paper, f"https://example.org/papers/{paper.id}/", content, "An abstract & more.")
    return dataclasses.replace(entry, **changes)


# Entries that test what an entry's bytes could depend on: markup and characters to
# escape, text that looks like the cut points, CR, non-ASCII, an entry without authors,
# content or summary, one with a thumbnail (a feed with one declares Media RSS).
PLAIN = _entry(_paper(1))
HOSTILE = _entry(
    _paper(2, title='A <b>title</b> & ]]> "quoted" $x^2$', tags=("a&b", "<c>", "é")),
    content="<p>Text with  </entry>\n and     </item>\n and </feed>\r\n\u00e9 \U0001d6fc \x01</p>",
    summary="  </entry>\n  <entry> \u2028 \x0b",
)
ANONYMOUS = _entry(_paper(3, authors=()), content="", summary="")
PICTURED = _entry(_paper(4), thumbnail="https://example.org/static/a%20b.png?x=1&y=2")
UPDATED = _entry(_paper(5, updated=datetime(2024, 2, 1, 8, 0, tzinfo=timezone.utc)))


def _info(**changes: object) -> FeedInfo:
    values: dict[str, object] = {
        "title": "Daily Papers",
        "description": "Papers worth reading",
        "language": "en",
        "site_url": "https://example.org/",
        "feed_url": "https://example.org/atom.xml",
        "author": "The Curators",
        "id_base": "feed",
    }
    values.update(changes)
    return FeedInfo(**values)  # type: ignore[arg-type]


# Feeds that share entries and differ in everything a feed sets itself.
FEEDS = [
    (_info(), [PLAIN, HOSTILE, ANONYMOUS, PICTURED, UPDATED]),  # with Media RSS
    (_info(language="fr", title="Papiers", id_base="author/ada"), [PLAIN, ANONYMOUS, UPDATED]),  # without
    (
        _info(author=None, description="", feed_url="https://example.org/tags/llm/rss.xml"),
        [ANONYMOUS, HOSTILE],
    ),
    (_info(site_url="https://other.example/sub/", id_base="tag:other.example,2026:x"), [PICTURED]),
    (_info(id_base="tag/none"), []),
    (_info(), [UPDATED, PLAIN, HOSTILE, PICTURED, ANONYMOUS]),  # the same entries in another order
]


@pytest.mark.parametrize("render", [render_atom, render_rss])
def test_feeds_from_the_cache_are_the_feeds_built_entry_by_entry(render) -> None:  # noqa: ANN001
    cache = EntryBytes()
    for info, entries in FEEDS:
        assert render(info, entries, cache) == render(info, entries) == ORACLE[render](info, entries), info
    assert cache.made == 5  # each entry made once, and reused by every later feed


@pytest.mark.parametrize("render", [render_atom, render_rss])
def test_an_entry_that_differs_is_not_taken_from_the_cache(render) -> None:  # noqa: ANN001
    # The same paper with another abstract, title, link or site id (as two builds of a
    # changed site, or two sites, may give one renderer): a cache keyed by the paper
    # alone would hand back the first one's bytes.
    cache, oracle = EntryBytes(), ORACLE[render]
    assert render(_info(), [PLAIN], cache) == oracle(_info(), [PLAIN])
    changed = [
        dataclasses.replace(PLAIN, content_html="<p>Another abstract.</p>"),
        dataclasses.replace(PLAIN, title="Another title"),
        dataclasses.replace(PLAIN, url="https://example.org/moved/"),
        dataclasses.replace(PLAIN, thumbnail="https://example.org/t.png"),
    ]
    if render is render_atom:  # RSS has no summary
        changed.append(dataclasses.replace(PLAIN, summary="Another summary."))
    for entry in changed:
        fresh = oracle(_info(), [entry])
        assert render(_info(), [entry], cache) == fresh
        assert fresh != oracle(_info(), [PLAIN])
    site = "tag:alice.example,2026:"
    info = _info(site_id=site)
    prepared = prepare(PLAIN, site)
    assert render(info, [prepared], cache) == oracle(info, [PLAIN])
    assert b"tag:alice.example,2026:paper/2401.00001" in render(info, [prepared], cache)


def _render_in_child(entries: list[FeedEntry], cache: EntryBytes, go: object, rss: bool) -> None:
    go.wait()  # type: ignore[attr-defined]
    (render_rss if rss else render_atom)(_info(), entries, cache)


@pytest.mark.parametrize("rss", [False, True])
def test_a_forked_process_keeps_its_entries_apart(rss: bool) -> None:
    # Build workers fork with the renderer's cache: a child writing its entries where
    # the parent writes its own would hand the parent the child's bytes.
    render = render_rss if rss else render_atom
    context = multiprocessing.get_context("fork")
    cache = EntryBytes()
    render(_info(), [PLAIN], cache)
    go = context.Event()
    child = context.Process(target=_render_in_child, args=([HOSTILE, PICTURED], cache, go, rss))
    child.start()
    try:
        theirs = [UPDATED, ANONYMOUS]
        render(_info(), theirs, cache)  # the parent's after the fork: where the child would write
        go.set()
        child.join(30)
    finally:
        go.set()
        child.join(30)
    assert child.exitcode == 0
    assert render(_info(), [PLAIN, *theirs], cache) == ORACLE[render](_info(), [PLAIN, *theirs])
    assert cache.made == 3


def test_the_entries_file_has_no_name(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    # Nothing is left behind, even by a build that is killed: the file is never in a folder.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    cache = EntryBytes()
    for info, entries in FEEDS:
        render_atom(info, entries, cache)
    assert cache.made == 5
    assert list(tmp_path.iterdir()) == []


def test_without_a_temporary_file_feeds_are_built_all_the_same(monkeypatch) -> None:  # noqa: ANN001
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    cache = EntryBytes()
    for info, entries in FEEDS:
        assert render_atom(info, entries, cache) == feedgen_oracle.render_atom(info, entries)


@pytest.mark.parametrize("render", [render_atom, render_rss])
def test_an_entry_that_fails_leaves_no_trace(render, monkeypatch) -> None:  # noqa: ANN001
    # Should writing an entry raise half-way through the entries a feed lacks, the
    # feeds after it must not carry that entry nor lack the others.
    name = "rss_item" if render is render_rss else "atom_entry"
    real = getattr(feedxml, name)

    def refuse_the_hostile_one(item):  # noqa: ANN001, ANN202
        if item.title.startswith("A <b>"):
            raise ValueError("refused")
        return real(item)

    cache = EntryBytes()
    monkeypatch.setattr(feedxml, name, refuse_the_hostile_one)
    with pytest.raises(ValueError, match="refused"):
        render(_info(), [PLAIN, HOSTILE], cache)
    monkeypatch.setattr(feedxml, name, real)
    for info, entries in FEEDS:
        assert render(info, entries, cache) == ORACLE[render](info, entries)
