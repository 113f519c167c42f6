"""The parallel load's cheap parts (issue 18 item 5): the listing, the hand-back, the cache writes."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import time
from pathlib import Path

import pytest

from sitegen import loadforks, loading, model
from sitegen.cache import ParseCache
from sitegen.config import load_config
from sitegen.errors import ContentError
from tests.sitekit import worker_goes_first


def _site(tmp_path: Path, count: int, settings: str = "") -> Path:
    site = tmp_path / "site"
    (site / "content/papers").mkdir(parents=True)
    (site / "site.yaml").write_text(f"title: T\nbase_url: https://e.org/\n{settings}")
    for n in range(count):
        (site / f"content/papers/{n:02d}.yaml").write_text(f"id: p{n}\ntitle: P\ndate: 2025-03-01\n")
    return site


@pytest.mark.parametrize("workers", [1, 2])
def test_the_load_lists_files_without_a_stat_or_a_path_each_and_the_read_refuses_one_too_big(
    tmp_path, monkeypatch, workers
):
    monkeypatch.setattr(loading, "PARALLEL_PARSE_FILES", 0)
    site = _site(tmp_path, 6, "limits:\n  file_size: 60\n")
    (site / "content/papers/03.yaml").write_text("id: p3\ntitle: P\ndate: 2025-03-01\nabstract: " + "x" * 40)
    calls = []
    real = loading.walk
    walks = tmp_path / "walks"  # each listing of the load, from whichever process made it

    def recording(*args, **kwargs):
        calls.append(kwargs)
        with walks.open("a") as out:
            out.write(f"{kwargs['sizes']} {kwargs['path_type'].__name__}\n")
        return real(*args, **kwargs)

    monkeypatch.setattr(loading, "walk", recording)
    config = load_config(site)
    with pytest.raises(ContentError) as caught:
        loading.load_papers(config, workers=workers)
    assert walks.read_text() == "None str\n", "one listing: no lstat, no Path a file"
    assert [str(p) for p in caught.value.problems] == [
        "content/papers/03.yaml: file is 83 bytes, more than limits.file_size (60);"
        " split it or raise the limit"
    ], "the same message as the listing gave, from the read"
    # The listing for the fingerprint still refuses the file unread, with Paths.
    calls.clear()
    with pytest.raises(ContentError) as listed:
        loading.content_files(config)
    assert [str(p) for p in listed.value.problems] == [str(p) for p in caught.value.problems]
    assert calls[0]["sizes"] == 60 and calls[0]["path_type"] is Path


def test_a_worker_hands_back_a_files_papers_as_their_cache_row_and_a_checked_only_for_problems(tmp_path):
    site = _site(tmp_path, 2)
    (site / "content/papers/01.yaml").write_text("id: p1\ntitle: [1]\ndate: 2025-03-01\n")
    config = load_config(site)
    files = loading._listing(config, [], sizes=False, path_type=str)
    loadforks._worker_config = config
    loadforks._worker_cache = cache = ParseCache(tmp_path / "cache.sqlite", "UTC")
    loadforks._worker_writing = multiprocessing.get_context("fork").Lock()
    try:
        loadforks._fork_starts()
        index, digests, handed = loadforks._check_batch((7, files))
        assert loadforks._pending, "the rows wait for more (or for the end)"
        assert loadforks._rows_written() == [7], "the last word: the batches whose rows were written"
        assert not loadforks._pending
    finally:
        loadforks._worker_config = loadforks._worker_cache = loadforks._worker_writing = None
        loadforks._fork_starts()
    assert index == 7
    assert cache.slot("content/papers/00.yaml", digests[0]).id in _row_ids(tmp_path / "cache.sqlite")
    assert type(handed[0]) is bytes and loadforks.unpickle_papers(handed[0])[0][1].id == "p0"
    assert isinstance(handed[1], loading.Checked) and handed[1].problems
    assert digests is not None and len(digests) == 2 and all(digests)


def test_a_worker_writes_the_parse_cache_holding_the_loads_lock(tmp_path, monkeypatch):
    monkeypatch.setattr(loading, "PARALLEL_PARSE_FILES", 0)
    site = _site(tmp_path, 40)
    log = tmp_path / "writes.log"
    real = loadforks.write_many

    def recording(rows):
        lock = loadforks._worker_writing
        held = lock is not None and not lock.acquire(False)  # not re-entrant: False while held
        with log.open("a") as handle:
            handle.write(f"{held}\n")
        return real(rows)

    monkeypatch.setattr(loadforks, "write_many", recording)
    worker_goes_first(loading, monkeypatch, tmp_path / "worker-started")
    cache = ParseCache(tmp_path / "cache.sqlite", "UTC")
    assert len(loading.load_papers(load_config(site), cache, 2)) == 40
    writes = log.read_text().split()
    assert writes and set(writes) == {"True"}, "each worker write held the lock"
    assert cache.shared_writes is None and loadforks._worker_writing is None, "and the load let go of it"


def _row_ids(store: Path) -> set[bytes]:
    with sqlite3.connect(store) as connection:
        return {row for (row,) in connection.execute("SELECT id FROM papers")}


def _rows(store: Path) -> int:
    with sqlite3.connect(store) as connection:
        return connection.execute("SELECT count(*) FROM papers").fetchone()[0]


def test_the_parent_writes_the_parse_cache_only_when_no_worker_is_writing(tmp_path):
    store = tmp_path / "cache.sqlite"
    cache = ParseCache(store, "UTC")
    blob = b"x" * 150_000
    cache.add("a", "1", blob)  # creates the store: count from here
    cache.flush()
    lock = multiprocessing.get_context("fork").Lock()
    cache.shared_writes = lock
    lock.acquire()  # a worker is writing
    for n in range(4):  # 600 KB, above the shared batch (512 KB)
        cache.add(f"b{n}", "1", blob)
    assert _rows(store) == 1, "nothing written while the lock is held, and no waiting for it"
    lock.release()
    cache.add("c", "1", blob)
    assert _rows(store) == 6, "written as soon as the lock is free"
    cache.shared_writes = None
    cache.add("d", "1", blob)
    assert _rows(store) == 6, "alone, rows wait for a 1 MiB batch"
    cache.flush()
    assert _rows(store) == 7


def test_with_two_forks_every_row_a_fork_wrote_counts_as_stored_even_if_it_ends_first(tmp_path, monkeypatch):
    """A fork's last word can arrive while another fork still holds an earlier
    batch, so that some of the first fork's batches are not taken in yet: their
    rows must still count as stored, or the save drops them as stale and the
    next build parses those files again."""
    monkeypatch.setattr(loading, "PARALLEL_PARSE_FILES", 0)
    site = _site(tmp_path, 90)
    parent = os.getpid()
    flag = tmp_path / "slow-fork"
    real = loadforks.check_file

    def slow_in_one_fork(*args, **kwargs):
        if os.getpid() != parent:
            try:  # the first fork here, once: its batch holds back every later one
                os.close(os.open(flag, os.O_CREAT | os.O_EXCL))
                time.sleep(1.5)
            except FileExistsError:
                pass
        return real(*args, **kwargs)

    monkeypatch.setattr(loadforks, "check_file", slow_in_one_fork)
    store = tmp_path / "cache.sqlite"
    cache = ParseCache(store, "UTC")
    assert len(loading.load_papers(load_config(site), cache, 3)) == 90
    assert flag.exists(), "a fork checked files"
    assert len(cache.papers_files()) == 90, "every file counts as stored, whichever process wrote it"
    cache.save()
    assert _rows(store) == 90, "and the save keeps every row"


def test_with_one_fork_the_fork_lists_the_files_and_sends_them_here(tmp_path, monkeypatch):
    """With two processes, the fork lists the files (this one imports meanwhile)
    and sends the listing: names, the paths of files reached through a link,
    and the listing's problems, first. With more forks, this process lists."""
    monkeypatch.setattr(loading, "PARALLEL_PARSE_FILES", 0)
    site = _site(tmp_path, 40)
    (site / "elsewhere").mkdir()
    (site / "elsewhere/real.yaml").write_text("id: linked\ntitle: L\ndate: 2025-03-02\n")
    (site / "content/papers/zz-link.yaml").symlink_to(site / "elsewhere/real.yaml")
    walks = tmp_path / "walks"
    real = loading.walk

    def recording(*args, **kwargs):
        with walks.open("a") as out:
            out.write(f"{os.getpid()}\n")
        return real(*args, **kwargs)

    monkeypatch.setattr(loading, "walk", recording)
    config = load_config(site)
    one = loading.load_papers(config, workers=1)
    assert [str(paper.source) for paper in one][-1] == "content/papers/zz-link.yaml"
    for workers, lister in ((2, "a fork"), (3, "this process")):
        walks.unlink()
        assert loading.load_papers(config, workers=workers) == one
        pids = walks.read_text().split()
        assert len(pids) == 1 and (pids[0] == str(os.getpid())) == (lister == "this process"), workers
    (site / "content/papers/00-out.yaml").symlink_to("/etc/hostname")
    (site / "content/papers/07.yaml").write_text("id: p7\ntitle: P\ndate: 2025-13-01\n")
    said = {}
    for workers in (1, 2):
        with pytest.raises(ContentError) as caught:
            loading.load_papers(config, workers=workers)
        said[workers] = [str(problem) for problem in caught.value.problems]
    assert said[2] == said[1] and len(said[1]) == 2 and said[1][0].startswith("content/papers/00-out.yaml")


def test_a_forks_papers_are_made_as_they_pickle_and_taken_in_here_without_a_checked(tmp_path, monkeypatch):
    """A fork only pickles its papers: it makes each as a model.Flat, as a Paper
    pickles (no Paper, no Author, no Path; this process makes them as it
    unpickles them), and this process takes them in without a Checked each."""
    monkeypatch.setattr(loading, "PARALLEL_PARSE_FILES", 0)
    site = _site(tmp_path, 0)
    for n in range(60):
        (site / f"content/papers/{n:02d}.yaml").write_text(
            f"id: p{n}\ntitle: P\ndate: 2025-03-01T10:00:00+01:00\nupdated: 2025-03-02\n"
            f"authors: [Ada Lovelace, {{name: Alan Turing, affiliation: NPL}}]\n"
        )
    kinds = tmp_path / "kinds"
    real_pickle, real_checked = loadforks.pickle_papers, loadforks.Checked
    parent = os.getpid()
    made_here: list[object] = []

    def recording(papers):
        if os.getpid() != parent:
            with kinds.open("a") as out:
                for _, paper in papers:
                    authors = {type(author).__name__ for author in paper.values[model._AUTHORS]}
                    source = type(paper.values[model._SOURCE]).__name__
                    out.write(f"{type(paper).__name__}/{'+'.join(sorted(authors))}/{source}\n")
        return real_pickle(papers)

    def checked(*args, **kwargs):
        made_here.append(args)
        return real_checked(*args, **kwargs)

    monkeypatch.setattr(loadforks, "pickle_papers", recording)
    monkeypatch.setattr(loadforks, "Checked", checked)
    worker_goes_first(loading, monkeypatch, tmp_path / "worker-started")
    one = loading.load_papers(load_config(site), workers=1)
    two = loading.load_papers(load_config(site), ParseCache(tmp_path / "c.sqlite", "UTC"), workers=2)
    assert two == one and all(isinstance(paper.source, Path) for paper in two)
    assert set(kinds.read_text().split()) == {"Flat/tuple/str"}, "the fork made no Paper, Author or Path"
    assert made_here == [], "no Checked made here for a fork's file"


def test_this_process_runs_meanwhile_while_the_fork_lists(tmp_path, monkeypatch):
    """The fork's listing does not wait for this process: ``meanwhile`` (the
    build's imports) runs while the fork lists."""
    monkeypatch.setattr(loading, "PARALLEL_PARSE_FILES", 0)
    site = _site(tmp_path, 20)
    started, seen = tmp_path / "meanwhile-started", tmp_path / "seen"
    real = loading.walk

    def waiting(*args, **kwargs):
        deadline = time.monotonic() + 10
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.001)
        seen.write_text(str(started.exists()))
        return real(*args, **kwargs)

    monkeypatch.setattr(loading, "walk", waiting)
    assert len(loading.load_papers(load_config(site), workers=2, meanwhile=started.touch)) == 20
    assert seen.read_text() == "True"


def test_whether_to_fork_is_told_from_the_papers_folders_own_entries(tmp_path, monkeypatch):
    """Before the listing: a folder among the papers folder's entries, or at
    least PARALLEL_PARSE_FILES of them, means many files."""
    site = _site(tmp_path, 10)
    config = load_config(site)
    assert not loading._in_forks(2, config, None), "10 files, no folder"
    monkeypatch.setattr(loading, "PARALLEL_PARSE_FILES", 10)
    assert loading._in_forks(2, config, None), "as many files as the threshold"
    monkeypatch.setattr(loading, "PARALLEL_PARSE_FILES", 64)
    (site / "content/papers/2025").mkdir()
    assert loading._in_forks(2, config, None), "a folder"
    assert not loading._in_forks(1, config, None), "one process"


@pytest.mark.parametrize(("workers", "cached"), [(1, False), (1, True), (2, True)])
def test_equal_small_values_of_many_papers_are_one_object_each(tmp_path, monkeypatch, workers, cached):
    """Tag and link names, authors, listing days and moments and empty ``extra``
    are one object for all the papers that have them (model.SharedValues), in
    papers this process parsed, in papers a fork handed back and in papers
    read back from the parse cache (the last two made so as they are
    unpickled): each paper its own was ~60 MiB more at 100k papers, held to the
    build's end and copied by every forked render worker that reads them.
    Values are unchanged."""
    monkeypatch.setattr(loading, "PARALLEL_PARSE_FILES", 0)
    site = _site(tmp_path, 0)
    for n in range(80):
        (site / f"content/papers/{n:02d}.yaml").write_text(
            f"id: p{n}\ntitle: P{n}\ndate: 2025-03-0{1 + n % 2}T10:00:00+01:00\nupdated: 2025-03-09\n"
            f"authors: [Ada Lovelace, {{name: Alan Turing, affiliation: NPL}}]\n"
            f"tags: [LLM, agents]\nlinks: {{pdf: 'https://e.org/{n}.pdf', code: 'https://e.org/c{n}'}}\n"
        )
    cache = ParseCache(tmp_path / "c.sqlite", "UTC") if cached else None
    papers = loading.load_papers(load_config(site), cache, workers=workers)
    assert len(papers) == 80
    if cached:  # and again, every file's papers from the cache
        again = loading.load_papers(load_config(site), ParseCache(tmp_path / "c.sqlite", "UTC"))
        assert again == papers and all(paper.source is not None for paper in again)
        _one_object_each(again)
    _one_object_each(papers)


def _one_object_each(papers):

    def objects(values) -> int:
        return len({id(value) for value in values})

    assert objects(p.tags for p in papers) == 1
    assert objects(tag for p in papers for tag in p.tags) == 2
    assert objects(p.authors for p in papers) == 1
    assert objects(a for p in papers for a in p.authors) == 2
    assert objects(name for p in papers for name, _ in p.links) == 2
    assert objects(p.day for p in papers) == 2 and objects(p.date for p in papers) == 2
    assert objects(p.updated for p in papers) == 1
    assert objects(p.extra for p in papers) == 1 and papers[0].extra == {}
    assert [p.links for p in papers[:2]] == [
        (("pdf", "https://e.org/0.pdf"), ("code", "https://e.org/c0")),
        (("pdf", "https://e.org/1.pdf"), ("code", "https://e.org/c1")),
    ]
    assert objects(p.links for p in papers) == 80 and objects(p.title for p in papers) == 80


def test_moments_equal_across_zones_stay_apart():
    """Two moments equal as instants but written in different zones show
    differently: each paper keeps its own."""
    from datetime import datetime, timedelta, timezone

    from sitegen.model import Paper, SharedValues

    utc = datetime(2025, 3, 1, 9, tzinfo=timezone.utc)
    paris = utc.astimezone(timezone(timedelta(hours=1)))
    shared = SharedValues()
    one = shared.share(Paper("a", "A", utc, utc.date()))
    two = shared.share(Paper("b", "B", paris, paris.date()))
    assert one.date == two.date and one.date is utc and two.date is paris
