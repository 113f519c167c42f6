"""feedrecords (docs/performance-notes.md, "Memory at 100k papers"): in a parallel build the
process that renders a paper's page makes its feed entries and digest item; the
processes of the last phase splice those bytes in, never making a view or an entry
of their own, and every feed and digest is byte for byte what a serial build makes."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen import buildfile, feedrecords, parallel
from sitegen.build import build
from sitegen.feeds import FeedInfo, feed_shell
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

    no_room = {"pwrite": full_disk, "pwritev": full_disk}
    monkeypatch.setattr(buildfile, "os", SimpleNamespace(**{**vars(os), **no_room}))
    spliced = []
    real_render = feedrecords.render
    monkeypatch.setattr(
        feedrecords, "render", lambda *args: spliced.append(made := real_render(*args)) or made
    )
    build(site, tmp_path / "parallel", workers=2)
    assert tree(tmp_path / "parallel") == tree(tmp_path / "serial")
    assert spliced and not any(spliced), "no record was written, so every feed was made from views"


def test_records_splice_into_feeds_only_when_every_entry_has_one(tmp_path):
    out = buildfile.RecordFile(multiprocessing.get_context("fork"))
    records = feedrecords.Records(out.fd)
    records.take(out.write([("a", feedrecords._HEADER.pack(3, 0, 0, 0, 0) + b"<a>")]))
    assert records.get_all(["a", "b"]) == [feedrecords.Record(b"<a>", None, None, None, False, False), None]
    info = FeedInfo("t", "d", "en", "https://x/", "https://x/atom.xml", None, "feed")
    a, b = _paper("a", _moment()), _paper("b", _moment())
    assert feedrecords.render(records, info, "atom", [a, b]) is None, "b has no record"
    assert feedrecords.render(records, info, "rss", [a]) is None, "a's record has no RSS item"
    assert feedrecords.render(records, info, "atom", [a]).endswith(b"<a></feed>\n")
    out.close()


def _moment():
    return datetime(2025, 1, 1, tzinfo=timezone.utc)


def _paper(paper_id, moment):
    """What a feed's own elements read of a Paper: its id, its ``modified`` and
    the moments that is made of (listed, updated)."""
    listed = moment - timedelta(days=1)
    return SimpleNamespace(
        id=paper_id, date=listed, published=None, updated=moment, modified=moment, authors=()
    )


def test_processes_write_the_one_record_file_each_at_a_place_of_its_own(tmp_path):
    """Every process of a build writes the records file it inherited; each write
    takes its place at the end first, so none overwrites another's."""
    context = multiprocessing.get_context("fork")
    out = buildfile.RecordFile(context)
    pids = []
    for n in range(3):
        pid = os.fork()
        if pid == 0:  # a worker: ~200 writes, each read back by the parent below
            code = 0
            try:
                handed = [out.write([(f"{n}-{i}", bytes([65 + n]) * (1 + i % 50))]) for i in range(200)]
                (tmp_path / f"{n}").write_text(repr(handed))
            except BaseException:
                code = 1
            os._exit(code)
        pids.append(pid)
    assert all(os.waitpid(pid, 0)[1] == 0 for pid in pids)
    for n in range(3):
        for [(paper_id, at, length)] in eval((tmp_path / f"{n}").read_text()):
            assert os.pread(out.fd, length, at) == bytes([65 + n]) * length, paper_id
    out.close()


_BLOCKED_BUILD = """
import os, sys, time
from pathlib import Path
from sitegen import parallel
from sitegen.build import build
parallel.PARALLEL_THRESHOLD, parallel._CHUNK, parallel._LAST_CHUNK = 0, 4, 4
real, ready, go = parallel._render_chunk, Path(sys.argv[3]), Path(sys.argv[4])

def waiting(chunk):  # the last phase waits, every record written, until told to go on
    try:
        os.close(os.open(ready, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        pass
    while not go.exists():
        time.sleep(0.02)
    return real(chunk)

parallel._render_chunk = waiting
build(Path(sys.argv[1]), Path(sys.argv[2]), workers=2)
"""


def _blocked_build(tmp_path, site, out, temp):
    ready, go = tmp_path / f"{out.name}.ready", tmp_path / f"{out.name}.go"
    env = {**os.environ, "TMPDIR": str(temp), "PYTHONPATH": os.pathsep.join(sys.path)}
    args = [sys.executable, "-c", _BLOCKED_BUILD, str(site), str(out), str(ready), str(go)]
    process = subprocess.Popen(args, env=env, cwd=Path(__file__).parents[2])
    deadline = time.monotonic() + 60
    while not ready.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError("the build never got to its last phase")
        time.sleep(0.02)
    return process, go


def _records_file_of(pid: int) -> list[str]:
    """The files the build's process has open that have no name."""
    fds = Path(f"/proc/{pid}/fd")
    links = []
    for fd in fds.iterdir():
        with contextlib.suppress(OSError):
            links.append(os.readlink(fd))
    return [link for link in links if link.endswith(" (deleted)")]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_build_killed_with_its_records_written_leaves_no_file_behind(tmp_path, monkeypatch, small_runs):
    """The records sit in one file with no name, in TMPDIR: a build SIGKILLed
    (a CI timeout, the OOM killer) leaves nothing there, nor in the site, that
    the next build must find and sweep."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    site = _site(tmp_path / "s")
    build(site, tmp_path / "serial", workers=1)
    before = set(tmp_path.rglob("*"))
    process, _ = _blocked_build(tmp_path, site, tmp_path / "out", temp)
    try:
        unnamed = _records_file_of(process.pid)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert any(link.startswith(str(temp)) for link in unnamed), f"the records file is in TMPDIR: {unnamed}"
    deadline = time.monotonic() + 10  # its workers die with it (processes.py)
    while list(temp.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert list(temp.iterdir()) == [], "nothing named in TMPDIR"
    build(site, tmp_path / "out", workers=2)
    assert tree(tmp_path / "out") == tree(tmp_path / "serial")
    new = {path.relative_to(tmp_path).parts for path in set(tmp_path.rglob("*")) - before}
    assert {parts[0] for parts in new} == {"out", "out.ready", "s"}
    assert {parts[:2] for parts in new if parts[0] == "s"} == {("s", ".sitegen-cache")}
    assert not [path for path in (site / ".sitegen-cache").iterdir() if path.is_dir()], "no folder"
    assert list(temp.iterdir()) == []


def test_two_builds_of_two_sites_at_once_keep_to_their_own_records(tmp_path, monkeypatch, small_runs):
    """One build waits in its last phase, its records written, while another
    site builds from start to end with the same TMPDIR; then it goes on."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    one = _site(tmp_path / "one")
    two = write_site(tmp_path / "two", _papers()[::-1][:30], feeds={"entries": 3})
    build(one, tmp_path / "one-serial", workers=1)
    build(two, tmp_path / "two-serial", workers=1)
    (tmp_path / "a").mkdir()  # each output folder in a folder of its own: a build locks the parent
    process, go = _blocked_build(tmp_path, one, tmp_path / "a" / "one-out", temp)
    try:
        build(two, tmp_path / "two-out", workers=2)
        go.touch()
        assert process.wait(timeout=60) == 0
    finally:
        process.kill()
    assert tree(tmp_path / "two-out") == tree(tmp_path / "two-serial")
    assert tree(tmp_path / "a" / "one-out") == tree(tmp_path / "one-serial")
    assert list(temp.iterdir()) == []


def test_feeds_of_the_same_papers_one_after_another_read_each_record_once(tmp_path):
    """A tag's or an author's feeds, one a format, render in a row: the second
    reads no record again; what the feed's own elements need (an author of its
    own when an entry names none) comes from the record's flags."""
    out = buildfile.RecordFile(multiprocessing.get_context("fork"))
    records = feedrecords.Records(out.fd)
    header = feedrecords._HEADER

    def record(flags):
        return header.pack(3, 3, 0, 0, flags) + b"<a><r>"

    named = feedrecords.NAMED
    records.take(out.write([("a", record(named)), ("b", record(named)), ("c", record(0))]))
    info = FeedInfo("Site", "d", "en", "https://x/", "https://x/atom.xml", None, "feed")
    a, b, c = (_paper(i, _moment()) for i in "abc")
    atom = feedrecords.render(records, info, "atom", [a, b])
    assert records.read == 2
    assert b"<r><r>" in feedrecords.render(records, info, "rss", [a, b])
    assert records.read == 2, "the same papers' records again: none read anew"
    assert b"<author>" not in atom, "every entry names an author"
    with_c = feedrecords.render(records, info, "atom", [b, c])
    assert records.read == 4, "another group's papers: read again"
    assert b"<author>\n    <name>Site</name>" in with_c, "c names none: the feed names the site"


def test_papers_bib_from_the_pages_entries_is_the_serial_builds(tmp_path, monkeypatch, small_runs):
    """papers.bib in a parallel build: each run's entries, made by its views, are
    a record; the last phase makes no citation of its own (but for a paper
    whose run left no record: then it makes that one)."""
    site = _site(tmp_path / "s")
    build(site, tmp_path / "serial", workers=1)
    from sitegen.pages import cite

    # papers.bib may render in the parent or in the forked worker, as the runs
    # fall: the citations made are counted in a file that both can append to.
    made = tmp_path / "made"
    made.touch()
    real = cite._citation

    def counted(renderer, paper):
        with made.open("a") as log:
            log.write(paper.id + "\n")
        return real(renderer, paper)

    monkeypatch.setattr(cite, "_citation", counted)
    build(site, tmp_path / "parallel", workers=2)
    assert tree(tmp_path / "parallel")["papers.bib"] == tree(tmp_path / "serial")["papers.bib"]
    assert made.read_text() == "", "every entry from the records"
    real_bibtex = feedrecords.Records.bibtex
    monkeypatch.setattr(feedrecords.Records, "bibtex", lambda self: dict(list(real_bibtex(self).items())[5:]))
    build(site, tmp_path / "again", workers=2)
    assert tree(tmp_path / "again")["papers.bib"] == tree(tmp_path / "serial")["papers.bib"]
    assert len(made.read_text().split()) == 5, "the papers without an entry made here"


# Names that share a slug ("Ada Lovelace", "ada lovelace"), that slugify apart, and a
# name given twice in one byline: an author's feed counts each of its papers once.
_NAMES = ["Ada Lovelace", "ada lovelace", "ADA LOVELACE", "Émile Zola", "Emile Zola", "Bo", "Cy", "Dee"]


def _wanted_from_groups(site, config):
    """feedrecords.wanted as it was: from the site's author groups themselves."""
    feeds, out = config.feeds, {}

    def add(papers, bits):
        for shown in papers:
            out[shown.id] = out.get(shown.id, 0) | bits

    formats = feedrecords._bits(feeds.formats)
    add(site.papers[: feeds.entries], formats)
    for tag in site.tags if feeds.tag_feeds else ():
        add(tag.papers[: feeds.entries], formats)
    for author in site.authors if feeds.author_formats else ():
        add(author.papers[: feeds.entries], feedrecords._bits(feeds.author_formats))
    for day in site.days:
        add(day.papers[: config.digest.papers], feedrecords.DIGEST)
    return out


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 9), st.integers(0, 3), st.lists(st.sampled_from(_NAMES), max_size=4)),
        max_size=30,
    ),
    st.integers(1, 4),
    st.sampled_from([("atom", "rss"), ("atom",), ("json",), ()]),
)
def test_the_papers_author_feeds_show_are_those_of_the_author_groups(papers, entries, author_feeds):
    """feedrecords.wanted names the papers ``author.papers[:entries]`` of each of
    the site's author groups holds, without grouping the authors: a cold build
    asks before its paper pages start, and groups them while the pages render
    (schedule.py), not with the second core idle."""
    from sitegen.config import Config, FeedSettings, ListSettings
    from sitegen.model import Author, Paper
    from sitegen.site import build_site

    made = []
    for i, (day, upvotes, names) in enumerate(papers):
        moment = datetime(2025, 3, day, tzinfo=timezone.utc)
        authors = tuple(Author(name) for name in names)
        made.append(
            Paper(
                id=f"p{i}", title=f"P {i}", date=moment, day=moment.date(), upvotes=upvotes, authors=authors
            )
        )
    feeds = FeedSettings(entries=entries, tag_feeds=False, author_feeds=author_feeds or False)
    config = Config(
        site_dir=Path("."), title="T", base_url="https://e.org/", feeds=feeds, digest=ListSettings(1)
    )
    site = build_site(made, config)
    found = feedrecords.wanted(SimpleNamespace(site=site, config=config))
    assert "authors" not in vars(site), "wanted grouped the site's authors"
    assert found == _wanted_from_groups(site, config)


_zones = st.sampled_from(
    [timezone.utc, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]
)
_moments = st.builds(
    lambda seconds, zone: (
        datetime(2025, 3, 14, tzinfo=timezone.utc).astimezone(zone) + timedelta(seconds=seconds)
    ),
    st.integers(0, 3),  # few values: ties, and the same moment in another zone
    _zones,
)


@settings(max_examples=300)
@given(
    st.lists(st.tuples(st.booleans(), _moments, st.booleans()), max_size=6),
    st.sampled_from([None, "Curator"]),
    st.booleans(),
)
def test_a_feeds_own_elements_from_the_summed_facts_are_those_from_each_entrys(entries, author, rss):
    """feed_shell given one entry's facts summing them all (any thumbnail, the
    newest moment as max finds it, an author named by every entry) writes what
    it writes from each entry's own: the newest of two equal moments in two
    zones is the first, as max takes it."""
    info = FeedInfo("Site", "d", "en", "https://x/", "https://x/atom.xml", author, "feed")
    papers = [_paper(str(i), moment) for i, (_, moment, _) in enumerate(entries)]
    flags = [media * feedrecords.MEDIA | named * feedrecords.NAMED for media, _, named in entries]
    each = [feedrecords._Facts(media, moment, named) for media, moment, named in entries]
    summed = feedrecords.summed_facts(papers, flags)  # type: ignore[arg-type]
    assert feed_shell(info, summed, rss) == feed_shell(info, each, rss)  # type: ignore[arg-type]
