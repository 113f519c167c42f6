"""feedrecords (docs/performance.md, "Memory at 100k papers"): in a parallel build the
process that renders a paper's page makes its feed entries and digest item; the
processes of the last phase splice those bytes in, never making a view or an entry
of their own, and every feed and digest is byte for byte what a serial build makes."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from sitegen import feedrecords, parallel
from sitegen.build import build
from sitegen.feeds import FeedInfo
from sitegen.render import Renderer
from tests.sitekit import paper, tree, write_site

PARENT = os.getpid()
_seen: dict[str, int] = {}


def _papers() -> list[dict]:
    """Papers with what an entry's bytes could depend on: markup, math and characters
    to escape, a note, a thumbnail (Media RSS on a feed's root), no authors (the
    feed then needs an author of its own), many tags and shared authors."""
    out = []
    for i in range(48):
        fields: dict = {
            "authors": ["Ada Lovelace", f"Author {i % 7}"],
            "tags": ["llm", f"t{i % 5}"],
            "abstract": f"Abstract {i} with *emphasis*, $x^{i}$ & <b>bold</b> ]]> </entry>\n </item>",
        }
        if i % 6 == 0:
            fields["note"] = f"A **note** on {i}."
        if i % 4 == 1:
            fields["thumbnail"] = f"/static/p{i} a.png"
        if i % 9 == 2:
            fields["authors"] = []
        if i == 3:
            fields["title"] = 'A <b>title</b> & "quoted" $\\alpha$ é'
        out.append(paper(f"p{i:02d}", f"2025-03-{10 + i % 6:02d}", **fields))
    return out


def _site(root):
    return write_site(
        root, _papers(), feeds={"entries": 5, "author_feeds": ["atom", "rss", "json"]}, digest={"papers": 4}
    )


def _refuse_view(self, paper_id):
    raise AssertionError(f"the last phase made a view of {paper_id}")


def _refuse_entry(renderer, paper):
    raise AssertionError(f"the last phase made the feed entry of {paper.id}")


def _last_phase_chunk(chunk):
    """parallel._render_chunk in a process that must not make views or entries."""
    renderer = parallel._renderer
    assert renderer is not None
    if os.getpid() == PARENT:
        _seen.setdefault("views_in_parent", len(renderer._views))
        _seen["records"] = len(renderer.memo[feedrecords.RECORDS])
        _seen["wanted"] = len(feedrecords.wanted(renderer))
    view, entry = Renderer.view, feedrecords.feed_entry
    Renderer.view, feedrecords.feed_entry = _refuse_view, _refuse_entry  # type: ignore[method-assign]
    try:
        return _real_render_chunk(chunk)
    finally:
        Renderer.view, feedrecords.feed_entry = view, entry  # type: ignore[method-assign]


_real_render_chunk = parallel._render_chunk


@pytest.fixture
def small_runs(monkeypatch):
    monkeypatch.setattr(parallel, "PARALLEL_THRESHOLD", 0)
    monkeypatch.setattr(parallel, "_CHUNK", 4)
    monkeypatch.setattr(parallel, "_LAST_CHUNK", 4)
    _seen.clear()


def test_feeds_and_digests_from_records_are_the_serial_builds_bytes(tmp_path, monkeypatch, small_runs):
    site = _site(tmp_path / "s")
    build(site, tmp_path / "serial", workers=1)
    monkeypatch.setattr(parallel, "_render_chunk", _last_phase_chunk)
    build(site, tmp_path / "parallel", workers=2)
    serial, made = tree(tmp_path / "serial"), tree(tmp_path / "parallel")
    assert made == serial
    feeds = [path for path in serial if path.endswith(("atom.xml", "rss.xml", "feed.json"))]
    assert len(feeds) > 40 and any(b"media:thumbnail" in serial[path] for path in feeds)
    assert any(path.startswith("digest/") for path in serial)
    # Each paper a feed or a digest shows has a record, none a view in this process.
    assert _seen["records"] == _seen["wanted"] > 24
    assert _seen["views_in_parent"] <= 2 * 48 // 4, "at most a run's neighbours' views are left"


def test_without_records_feeds_are_made_from_views_with_the_same_bytes(tmp_path, monkeypatch, small_runs):
    site = _site(tmp_path / "s")
    build(site, tmp_path / "serial", workers=1)

    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(feedrecords, "os", SimpleNamespace(**{**vars(os), "pwrite": full_disk}))
    spliced = []
    real_render = feedrecords.render
    monkeypatch.setattr(
        feedrecords, "render", lambda *args: spliced.append(made := real_render(*args)) or made
    )
    build(site, tmp_path / "parallel", workers=2)
    assert tree(tmp_path / "parallel") == tree(tmp_path / "serial")
    assert spliced and not any(spliced), "no record was written, so every feed was made from views"


def test_records_splice_into_feeds_only_when_every_entry_has_one(tmp_path):
    records = feedrecords.Records()
    folder = tmp_path / "handover"
    folder.mkdir()
    out = feedrecords.RecordFile(str(folder))
    handed = out.write([("a", feedrecords._HEADER.pack(3, 0, 0, 0, 0) + b"<a>")])
    out.close()
    records.take(handed)
    assert records.get("a") == feedrecords.Record(b"<a>", None, None, None, False)
    assert records.get("b") is None
    info = FeedInfo("t", "d", "en", "https://x/", "https://x/atom.xml", None, "feed")
    a = SimpleNamespace(id="a", modified=_moment(), authors=())
    b = SimpleNamespace(id="b", modified=_moment(), authors=())
    assert feedrecords.render(records, info, "atom", [a, b]) is None, "b has no record"
    assert feedrecords.render(records, info, "rss", [a]) is None, "a's record has no RSS item"
    assert feedrecords.render(records, info, "atom", [a]).endswith(b"<a></feed>\n")
    records.close()


def _moment():
    return datetime(2025, 1, 1, tzinfo=timezone.utc)


def test_the_hand_over_folder_in_tmpdir_is_removed_after_the_build_and_after_a_failure(
    tmp_path, monkeypatch, small_runs
):
    """docs/performance.md: the records sit in a folder of TMPDIR "removed with it" (the build)."""
    import tempfile

    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    site = _site(tmp_path / "s")
    made_in: list[str] = []
    real_file = feedrecords.RecordFile

    def record_file(folder):
        made_in.append(folder)
        return real_file(folder)

    monkeypatch.setattr(parallel, "RecordFile", record_file)
    build(site, tmp_path / "out", workers=2)
    assert made_in and all(folder.startswith(str(temp)) for folder in made_in)
    assert list(temp.iterdir()) == []

    def broken(chunk):
        raise RuntimeError("a template broke in the last phase")

    monkeypatch.setattr(parallel, "_render_chunk", broken)
    with pytest.raises(Exception, match="template broke"):
        build(site, tmp_path / "out2", workers=2)
    assert len(made_in) == 2 and list(temp.iterdir()) == []
