import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from sitegen.cache import ParseCache, content_digest, content_fingerprint, pickle_papers


def put(cache: ParseCache, name: str, raw: bytes, papers: list) -> None:
    """What the loader does for a file it validated."""
    cache.add(name, content_digest(raw), pickle_papers(papers))
    cache.flush()


def get(cache: ParseCache, name: str, raw: bytes):
    return cache.get(name, content_digest(raw))


def test_a_file_is_reused_only_while_its_bytes_are_the_same(tmp_path):
    store = tmp_path / "papers.sqlite"
    cache = ParseCache(store, "UTC")
    put(cache, "a.yaml", b"one", ["papers of a"])
    cache.save()
    again = ParseCache(store, "UTC")
    assert get(again, "a.yaml", b"one") == ["papers of a"]
    assert get(again, "a.yaml", b"one, edited") is None
    assert get(again, "b.yaml", b"one") is None, "the name is part of the key"
    assert get(ParseCache(store, "Europe/Paris"), "a.yaml", b"one") is None, "settings are part of the key"


def test_the_cache_is_one_file_however_many_content_files(tmp_path):
    cache = ParseCache(tmp_path / "cache" / "papers.sqlite", "UTC")
    for n in range(200):
        cache.add(f"{n}.yaml", content_digest(str(n).encode()), pickle_papers([n]))
    cache.save()
    assert {p.name for p in (tmp_path / "cache").iterdir()} <= {
        "papers.sqlite",
        "papers.sqlite-wal",
        "papers.sqlite-shm",
    }
    again = ParseCache(tmp_path / "cache" / "papers.sqlite", "UTC")
    assert [get(again, f"{n}.yaml", str(n).encode()) for n in range(200)] == [[n] for n in range(200)]


def test_a_cache_from_other_code_is_ignored(tmp_path, monkeypatch):
    from sitegen import cache as cache_module

    store = tmp_path / "papers.sqlite"
    cache = ParseCache(store, "UTC")
    put(cache, "a.yaml", b"one", ["papers of a"])
    cache.save()
    assert ParseCache(store, "UTC").has_entries()
    monkeypatch.setattr(cache_module, "code_digest", lambda: "other code")
    other = ParseCache(store, "UTC")
    assert not other.has_entries() and get(other, "a.yaml", b"one") is None


@pytest.mark.parametrize("damage", ["garbage", "truncated", "zeroed pages", "empty"])
def test_a_torn_or_corrupt_store_is_ignored_and_started_again(tmp_path, damage):
    store = tmp_path / "papers.sqlite"
    cache = ParseCache(store, "UTC")
    for n in range(50):
        put(cache, f"{n}.yaml", str(n).encode(), [f"papers of {n}", "x" * 3000])
    cache.save()
    sqlite3.connect(store).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
    data = store.read_bytes()
    if damage == "garbage":
        store.write_bytes(b"not a database at all" * 100)
    elif damage == "truncated":
        store.write_bytes(data[: len(data) // 3])
    elif damage == "zeroed pages":  # what an OS crash can leave: some pages never written
        store.write_bytes(data[:8192] + bytes(len(data) // 2) + data[8192 + len(data) // 2 :])
    else:
        store.write_bytes(b"")
    again = ParseCache(store, "UTC")
    found = [get(again, f"{n}.yaml", str(n).encode()) for n in range(50)]
    assert all(value in (None, [f"papers of {n}", "x" * 3000]) for n, value in enumerate(found)), (
        "never wrong"
    )
    put(again, "new.yaml", b"new", ["new papers"])
    again.save()  # a build on a damaged store still succeeds: the store is made anew
    for _ in range(2):  # by this build or the next
        cache = ParseCache(store, "UTC")
        put(cache, "new.yaml", b"new", ["new papers"])
        cache.save()
    assert get(ParseCache(store, "UTC"), "new.yaml", b"new") == ["new papers"]


def test_a_row_whose_bytes_changed_is_not_trusted(tmp_path):
    store = tmp_path / "papers.sqlite"
    cache = ParseCache(store, "UTC")
    put(cache, "a.yaml", b"one", ["papers of a"])
    cache.save()
    with sqlite3.connect(store) as connection:  # one byte of the pickle flipped, as a torn page might
        [(blob,)] = connection.execute("SELECT papers FROM papers").fetchall()
        changed = blob.replace(b"papers of a", b"papers of b")
        connection.execute("UPDATE papers SET papers = ?", (changed,))
    assert get(ParseCache(store, "UTC"), "a.yaml", b"one") is None


def test_rows_asked_for_together_are_those_asked_for_one_at_a_time(tmp_path):
    """get_many (one query for many files: the load after the unchanged check)
    gives what get gives file by file, in the order asked: a torn row, a row of
    other bytes and a file never stored are None, and only the files found are
    known by their digests."""
    store = tmp_path / "papers.sqlite"
    cache = ParseCache(store, "UTC")
    for n in range(6):
        put(cache, f"{n}.yaml", str(n).encode(), [f"papers of {n}"])
    cache.save()
    with sqlite3.connect(store) as connection:  # 4.yaml's row torn
        torn = ParseCache(store, "UTC").slot("4.yaml", content_digest(b"4")).id
        connection.execute("UPDATE papers SET papers = ? WHERE id = ?", (pickle_papers(["torn"]), torn))
    asked = [(f"{n}.yaml", content_digest(str(n).encode())) for n in (5, 3, 4, 0)]
    asked += [("1.yaml", content_digest(b"1, edited")), ("new.yaml", content_digest(b"new"))]
    one_at_a_time = ParseCache(store, "UTC")
    expected = [one_at_a_time.get(name, digest) for name, digest in asked]
    assert expected == [["papers of 5"], ["papers of 3"], None, ["papers of 0"], None, None]
    together = ParseCache(store, "UTC")
    assert together.get_many(asked) == expected
    assert together.digests() == one_at_a_time.digests() == dict(asked[:2] + asked[3:4])


def test_an_edit_rewrites_one_row_and_removes_what_is_gone(tmp_path):
    store = tmp_path / "papers.sqlite"

    def rows() -> set[bytes]:
        with sqlite3.connect(store) as connection:
            return {row for (row,) in connection.execute("SELECT id FROM papers")}

    cache = ParseCache(store, "UTC")
    put(cache, "a.yaml", b"a", ["A"])
    put(cache, "b.yaml", b"b", ["B"])
    cache.save()
    before = rows()
    assert len(before) == 2
    again = ParseCache(store, "UTC")
    assert get(again, "a.yaml", b"a") == ["A"]
    put(again, "b.yaml", b"b2", ["B2"])
    again.save()
    after = rows()
    assert len(after) == 2 and len(after & before) == 1, "a.yaml's row kept, b's replaced"
    third = ParseCache(store, "UTC")
    assert get(third, "a.yaml", b"a") == ["A"]  # b.yaml is gone from the site
    third.save()
    assert len(rows()) == 1


def test_a_failed_build_keeps_what_the_last_one_saved(tmp_path):
    store = tmp_path / "papers.sqlite"
    cache = ParseCache(store, "UTC")
    put(cache, "a.yaml", b"a", ["A"])
    cache.save()
    failed = ParseCache(store, "UTC")
    put(failed, "a.yaml", b"a, edited", ["A2"])  # written during loading; the build then fails: no save()
    assert get(ParseCache(store, "UTC"), "a.yaml", b"a") == ["A"]


def test_the_pickle_folder_of_an_older_sitegen_is_removed(tmp_path):
    (tmp_path / "papers").mkdir()
    (tmp_path / "papers" / "0123.pickle").write_bytes(b"old")
    cache = ParseCache(tmp_path / "papers.sqlite", "UTC")
    put(cache, "a.yaml", b"a", ["A"])
    cache.save()
    assert not (tmp_path / "papers").exists()


def _writer(store, name: str, rounds: int) -> None:
    for n in range(rounds):
        cache = ParseCache(store, "UTC")
        raw = f"{name} {n}".encode()
        put(cache, name, raw, [name, n])
        # Each process keeps only its own file, so saves prune the others' rows under them.
        assert get(cache, name, raw) in (None, [name, n])
        cache.save()


def test_processes_using_one_store_at_once_read_what_they_wrote_or_nothing(tmp_path):
    store = tmp_path / "papers.sqlite"
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_writer, args=(store, f"{w}.yaml", 40)) for w in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]
    found = [get(ParseCache(store, "UTC"), f"{w}.yaml", f"{w}.yaml 39".encode()) for w in range(4)]
    assert all(value in (None, [f"{w}.yaml", 39]) for w, value in enumerate(found))


def test_a_process_killed_while_writing_leaves_whole_rows_or_none(tmp_path):
    store = tmp_path / "papers.sqlite"
    seed = ParseCache(store, "UTC")
    put(seed, "seed.yaml", b"seed", ["seed"])
    seed.save()
    script = textwrap.dedent(
        f"""
        import os, sys
        from pathlib import Path
        from sitegen.cache import ParseCache, content_digest, pickle_papers
        cache = ParseCache(Path({str(store)!r}), "UTC")
        n = 0
        while True:
            cache.add(f"{{n}}.yaml", content_digest(str(n).encode()), pickle_papers([n, "x" * 5000]))
            if n % 7 == 0:
                cache.flush()
                if n == 196:
                    print("writing", flush=True)
            n += 1
        """
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    for kill in range(5):
        process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, env=env)
        assert process.stdout is not None and process.stdout.readline() == b"writing\n"
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        cache = ParseCache(store, "UTC")
        assert get(cache, "seed.yaml", b"seed") == ["seed"]
        found = [get(cache, f"{n}.yaml", str(n).encode()) for n in range(300)]
        assert all(value in (None, [n, "x" * 5000]) for n, value in enumerate(found)), f"kill {kill}"
        assert sum(value is not None for value in found) >= 197, "what was committed before the kill is kept"


def test_the_fingerprint_from_the_load_digests_equals_one_read_from_disk(tmp_path):
    files = []
    for name, text in (("a.yaml", b"one"), ("b.yaml", b"two")):
        (tmp_path / name).write_bytes(text)
        files.append((name, tmp_path / name))
    cache = ParseCache(tmp_path / "cache.sqlite", "UTC")
    put(cache, "a.yaml", b"one", ["A"])  # b.yaml not in the cache: read from disk
    assert cache.digests().keys() == {"a.yaml"}
    from_disk = content_fingerprint(files, "UTC")
    assert content_fingerprint(files, "UTC", cache.digests()) == from_disk
    (tmp_path / "b.yaml").write_bytes(b"two, edited")
    assert content_fingerprint(files, "UTC", cache.digests()) != from_disk


def test_the_fingerprint_reads_ahead_only_files_not_known_and_never_waits_on_a_pipe(tmp_path, monkeypatch):
    """The unchanged check reads every content file: ahead (safefiles.read_ahead),
    so a cold disk serves many at once. A file made a pipe since it was listed
    counts as changed (read_bytes waited for a writer forever)."""
    import threading

    files = []
    for n in range(6):
        (tmp_path / f"{n}.yaml").write_bytes(b"x%d" % n)
        files.append((f"{n}.yaml", tmp_path / f"{n}.yaml"))
    before = content_fingerprint(files, "UTC")
    asked: list[str] = []
    real = os.posix_fadvise

    def advise(fd, *rest):
        asked.append(os.path.basename(os.readlink(f"/proc/self/fd/{fd}")))
        return real(fd, *rest)

    monkeypatch.setattr(os, "posix_fadvise", advise)
    known = {"1.yaml": content_digest(b"x1"), "4.yaml": content_digest(b"x4")}
    assert content_fingerprint(files, "UTC", known) == before
    assert asked == ["0.yaml", "2.yaml", "3.yaml", "5.yaml"]
    (tmp_path / "3.yaml").unlink()
    os.mkfifo(tmp_path / "3.yaml")
    result: list[str] = []
    thread = threading.Thread(target=lambda: result.append(content_fingerprint(files, "UTC")), daemon=True)
    thread.start()
    thread.join(20)
    assert result and result[0] != before


def test_library_versions_are_those_importlib_metadata_reports():
    from importlib import metadata

    from sitegen.codedigest import _versions

    found = _versions(("jinja2", "pyromark", "no-such-library"))
    assert found == {
        "jinja2": metadata.version("jinja2"),
        "pyromark": metadata.version("pyromark"),
        "no-such-library": "?",
    }


def test_a_store_deleted_while_a_process_runs_on_is_made_again(tmp_path):
    """The preview server builds again and again in one process; the cache is safe to delete."""
    import shutil

    store = tmp_path / "cache" / "papers.sqlite"
    first = ParseCache(store, "UTC")
    put(first, "a.yaml", b"a", ["A"])
    first.save()
    shutil.rmtree(tmp_path / "cache")
    again = ParseCache(store, "UTC")
    assert get(again, "a.yaml", b"a") is None
    put(again, "a.yaml", b"a", ["A"])
    again.save()
    assert store.exists() and get(ParseCache(store, "UTC"), "a.yaml", b"a") == ["A"]


def test_a_store_that_cannot_be_written_is_skipped_and_the_build_goes_on(site_factory, tmp_path):
    """docs/architecture.md: the parse cache is best effort."""
    from sitegen.build import CACHE_DIR, build
    from tests.sitekit import paper, tree

    papers = [paper(f"p{i}", abstract=f"A {i}.") for i in range(3)]
    site = site_factory(papers)
    (site / CACHE_DIR / "papers.sqlite").mkdir(parents=True)  # a folder where the store would be
    build(site)
    cold = site_factory(papers, name="cold")
    build(cold)
    assert tree(site / "output") == tree(cold / "output")
    (site / "content/papers/papers.yaml").write_text(
        (site / "content/papers/papers.yaml").read_text().replace("A 1.", "Edited."), encoding="utf-8"
    )
    build(site)
    assert "Edited." in (site / "output/papers/p1/index.html").read_text()
    assert (site / CACHE_DIR / "papers.sqlite").is_dir()


def test_a_new_store_is_made_without_a_sync(tmp_path, monkeypatch):
    """synchronous=OFF is set before the store turns to WAL: the other way round,
    making a store synced it four times (up to tens of ms each on a busy disk)."""
    statements: list[str] = []
    real = sqlite3.connect

    def tracing(*args, **kwargs):
        connection = real(*args, **kwargs)
        connection.set_trace_callback(statements.append)
        return connection

    monkeypatch.setattr(sqlite3, "connect", tracing)
    cache = ParseCache(tmp_path / "new.sqlite", "UTC")
    cache.add("a.yaml", "1", pickle_papers([]))
    cache.flush()
    pragmas = [s for s in statements if s.startswith("PRAGMA")]
    assert pragmas[:2] == ["PRAGMA synchronous=OFF", "PRAGMA journal_mode=WAL"]
