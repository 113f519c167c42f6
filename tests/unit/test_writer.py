import os
import pickle
import shutil
from pathlib import Path

import pytest

from sitegen.errors import OutputError
from sitegen.writer import Writer, check_output_dir, spare_of
from tests.sitekit import tree


def write(out: Path, manifest: Path, files: dict[str, bytes]):
    writer = Writer(out, manifest)
    writer.begin()
    for path, data in files.items():
        writer.add(path, data)
    return writer.commit()


def test_only_changed_files_are_rewritten_and_stale_ones_removed(tmp_path):
    out, manifest = tmp_path / "out", tmp_path / "cache" / "m.json"
    report = write(out, manifest, {"a/index.html": b"A", "b/index.html": b"B"})
    assert (report.written, report.unchanged, report.removed) == (2, 0, 0)
    old = (out / "a/index.html").stat().st_mtime_ns
    os.utime(out / "a/index.html", ns=(1, 1))  # any rewrite would reset this

    report = write(out, manifest, {"a/index.html": b"A", "c.xml": b"C"})
    assert (report.written, report.unchanged, report.removed) == (1, 1, 1)
    assert (out / "a/index.html").stat().st_mtime_ns == 1 != old
    assert not (out / "b").exists(), "the emptied folder of a removed page goes too"
    assert (out / "c.xml").read_bytes() == b"C"


def test_files_the_user_put_there_are_never_pruned(tmp_path):
    out, manifest = tmp_path / "out", tmp_path / "m.json"
    out.mkdir()
    (out / "CNAME").write_text("papers.example.org")
    write(out, manifest, {"index.html": b"x"})
    write(out, manifest, {"other.html": b"y"})
    assert (out / "CNAME").exists() and not (out / "index.html").exists()


def test_an_aborted_build_leaves_the_previous_output_untouched(tmp_path):
    out, manifest = tmp_path / "out", tmp_path / "m.json"
    write(out, manifest, {"index.html": b"old"})
    assert not spare_of(out).exists(), "a cold build leaves no spare: this build makes its own"
    writer = Writer(out, manifest)
    writer.begin()
    writer.add("index.html", b"new")
    writer.add("extra.html", b"new")
    writer.abort()
    assert sorted(p.name for p in out.iterdir()) == ["index.html"]
    assert (out / "index.html").read_bytes() == b"old"
    assert not spare_of(out).exists(), "a spare folder the failed build made goes with it"


def test_a_record_is_trusted_only_for_the_folder_it_describes(tmp_path):
    out, manifest = tmp_path / "out", tmp_path / "m.json"
    write(out, manifest, {"index.html": b"old"})
    assert Writer(out, manifest).has_record
    shutil.copytree(out, tmp_path / "copy")  # e.g. restored from a backup, or another tool's output
    shutil.rmtree(out)
    (tmp_path / "copy").rename(out)
    assert not Writer(out, manifest).has_record


def test_pages_that_become_folders_and_back_reuse_the_spare_folder(tmp_path):
    out, manifest = tmp_path / "out", tmp_path / "m.json"
    sites = [
        {"a": b"file", "b/index.html": b"B", "c/d/e.html": b"E"},
        {"a/index.html": b"folder", "b": b"file now", "c/x.html": b"X"},
        {"a": b"file again", "b/index.html": b"B", "c/d/e.html": b"E"},
        {"a/index.html": b"folder", "b": b"file now", "c/x.html": b"X"},
    ]
    for files in sites:
        write(out, manifest, files)
        assert tree(out) == files


def test_the_users_files_folders_and_links_survive_rebuilds(tmp_path):
    out, manifest = tmp_path / "out", tmp_path / "m.json"
    out.mkdir()
    (out / ".well-known").mkdir()
    (out / ".well-known/security.txt").write_text("contact")
    (out / "empty").mkdir()
    (out / "latest").symlink_to("index.html")
    for version in (b"1", b"2", b"3"):
        report = write(out, manifest, {"index.html": version, "a/index.html": version})
        assert report.removed == 0
    assert (out / ".well-known/security.txt").read_text() == "contact" and (out / "empty").is_dir()
    assert os.readlink(out / "latest") == "index.html" and (out / "latest").read_bytes() == b"3"


def test_a_missing_manifest_still_skips_identical_files(tmp_path):
    out = tmp_path / "out"
    write(out, tmp_path / "m1.json", {"index.html": b"same"})
    os.utime(out / "index.html", ns=(1, 1))
    report = write(out, tmp_path / "other.json", {"index.html": b"same"})
    assert report.unchanged == 1 and (out / "index.html").stat().st_mtime_ns == 1


@pytest.mark.parametrize(
    "path",
    [
        "../escape.html",
        "/etc/passwd",
        ".sitegen-staging/x",
        "a/../../escape.html",
        "..\\\\escape.html",
        "a//b",
    ],
)
def test_paths_outside_the_output_folder_are_refused(tmp_path, path):
    writer = Writer(tmp_path / "out", tmp_path / "m.json")
    with pytest.raises(OutputError):
        writer.add(path, b"x")
    writer.abort()
    assert not (tmp_path / "escape.html").exists()


def test_the_same_file_twice_is_an_error(tmp_path):
    writer = Writer(tmp_path / "out", tmp_path / "m.json")
    writer.add("a.html", b"1")
    with pytest.raises(OutputError):
        writer.add("a.html", b"2")


def test_dangerous_output_folders_are_refused(tmp_path):
    site = tmp_path / "site"
    content = site / "content"
    content.mkdir(parents=True)
    for bad in (site, tmp_path, content, content / "papers", Path("/"), Path.home()):
        with pytest.raises(OutputError):
            check_output_dir(bad, site, content)
    check_output_dir(site / "output", site, content)
    check_output_dir(tmp_path / "elsewhere", site, content)


def test_folders_of_files_merged_from_a_worker_are_not_made_again(tmp_path, monkeypatch):
    """A cite file rendered in the last phase goes into its paper's folder, which a
    worker made in the first: no mkdir for it."""
    from sitegen import tree as tree_ops

    out = tmp_path / "out"
    writer = Writer(out, tmp_path / "cache" / "m.json")
    writer.begin()
    pid = os.fork()
    if pid == 0:  # a worker process
        worker = writer.fork()
        worker.add("papers/a/index.html", b"page")
        worker.add("index.html", b"home")
        (tmp_path / "done").write_bytes(pickle.dumps(worker.export()))
        os._exit(0)
    assert os.waitpid(pid, 0)[1] == 0
    writer.merge(pickle.loads((tmp_path / "done").read_bytes()))
    made = []
    real = tree_ops.make_folder
    monkeypatch.setattr(tree_ops, "make_folder", lambda folder: made.append(folder) or real(folder))
    last_phase = writer.fork()
    last_phase.add("papers/a/cite.bib", b"bib")
    last_phase.add("robots.txt", b"robots")
    last_phase.add("papers/b/cite.bib", b"other")
    writer.merge(last_phase.export())
    assert [os.path.relpath(folder, tmp_path) for folder in made] == [
        ".out.sitegen-spare/papers/b",
    ], "only the folder no file was written into yet"
    writer.commit()
    assert tree(out) == {
        "papers/a/index.html": b"page",
        "papers/a/cite.bib": b"bib",
        "papers/b/cite.bib": b"other",
        "index.html": b"home",
        "robots.txt": b"robots",
    }
    assert not spare_of(out).exists(), "a cold build makes no second tree of links"


def test_a_build_holds_each_files_entry_as_one_string_and_records_key_and_size(tmp_path):
    """The writer holds an entry for every file a build makes (427k at 100k
    papers) while the last phase's processes are forked from it: one string
    each (manifest.py), not a list, a key and an int. A worker's entries,
    merged, are held the same way, and the manifest file still records
    [input key, size], which the next build reuses the files by."""
    import json
    import sys

    out, manifest = tmp_path / "out", tmp_path / "cache" / "m.json"
    writer = Writer(out, manifest)
    writer.begin()
    writer.add("a/index.html", b"AAAA", "k" * 32)
    worker = writer.fork()
    worker.add("b/index.html", b"BB", "j" * 32)
    writer.merge(pickle.loads(pickle.dumps(worker.export())))
    held = writer.export()[0]
    assert set(held) == {"a/index.html", "b/index.html"}
    assert all(type(value) is str for value in held.values())
    assert max(sys.getsizeof(value) for value in held.values()) <= 100
    writer.commit()
    files = json.loads(manifest.read_text(encoding="utf-8"))["files"]
    assert files == {"a/index.html": ["k" * 32, 4], "b/index.html": ["j" * 32, 2]}

    again = Writer(out, manifest)
    again.begin()
    assert again.reuse("a/index.html", "k" * 32) and again.reuse("b/index.html", "j" * 32)
    assert not again.reuse("c/index.html", "k" * 32)
    assert again.holders(["a/index.html"])[0][2] == "k" * 32
    again.commit()
    assert json.loads(manifest.read_text(encoding="utf-8"))["files"] == files


def test_the_manifest_text_is_what_json_writes_of_its_records(tmp_path):
    """manifest.dumps writes the text itself, without a list per entry; it must
    read back as the records json.dumps would write, odd characters included."""
    import json

    from sitegen.manifest import dumps, entry, load, records

    held = {
        "b/index.html": entry("k1", 10),
        'a/"quoted"\\/x.html': entry("", 0),
        "é/ünï.xml": entry("k\n2", 12345678901),
        "a.xml": entry("x y", 3),
    }
    head = {"version": 4, "tree": "1:2", "fingerprint": "f\u2028", "papers": 2}
    text = dumps(head, held)
    assert text == json.dumps({**head, "files": records(held)}, separators=(",", ":"))
    assert json.loads(text)["files"]["a.xml"] == ["x y", 3]
    (tmp_path / "m.json").write_text(text, encoding="utf-8")
    assert load(tmp_path / "m.json")["files"] == records(held)


def test_folders_of_is_every_folder_that_holds_a_path():
    from sitegen.tree import folders_of, parents

    paths = ["index.html", "a/b/c/d.html", "a/b/e.html", "a/f.xml", "g/h/i.txt", "g/j/k.txt"]
    assert folders_of(paths) == {p for path in paths for p in parents(path)}
    assert folders_of(paths) == {"a", "a/b", "a/b/c", "g", "g/h", "g/j"}


def test_a_short_write_is_carried_on_until_every_byte_is_written(tmp_path, monkeypatch):
    """os.write may take less than it is given (a signal, a full pipe of a
    FUSE file system): tree.write_file goes on from where it stopped."""
    from sitegen import tree as files

    real = os.write
    calls = []

    def a_few_bytes(fd, data):
        calls.append(len(data))
        return real(fd, bytes(data[:3]))

    monkeypatch.setattr(files.os, "write", a_few_bytes)
    files.write_file(str(tmp_path / "f"), b"0123456789")
    assert (tmp_path / "f").read_bytes() == b"0123456789"
    assert calls == [10, 7, 4, 1]
