"""A parse-cache store shipped with a site (committed, or sent in a pull request) is
input like any other file there (sitegen/cacherows.py): it can neither run code on the
machine that builds the site nor put what the validation refuses into its pages."""

import dataclasses
import marshal
import os
import pickle
import shutil
import sqlite3
from pathlib import Path

from sitegen import bibstore, cache
from sitegen.build import build
from sitegen.cache import CACHE_DIR
from tests.sitekit import paper, sitegen, tree, write_site

MARKER = "ran.txt"  # what the code in the row would write


class _RunsCode:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return exec, (f"open({str(self.marker)!r}, 'w').write('ran')",)


def _site(tmp_path: Path) -> Path:
    links = {"code": "https://github.com/a/b"}
    papers = [paper("2403.00001", abstract="First.", links=links), paper("2403.00002", abstract="Second.")]
    return write_site(tmp_path / "site", papers)


def _rewrite_rows(store: Path, rewrite) -> int:
    """Every row of ``store`` replaced by ``rewrite(its papers)``, its CRC made to match,
    as someone who ships a store of their own making can."""
    with sqlite3.connect(store) as db:
        rows = db.execute("SELECT id, papers FROM papers").fetchall()
        for row_id, blob in rows:
            new = rewrite(pickle.loads(blob))
            db.execute(
                "UPDATE papers SET papers = ?, crc = ? WHERE id = ?", (new, cache._crc(row_id, new), row_id)
            )
    return len(rows)


def _built_again(site: Path, out: Path) -> dict[str, bytes]:
    """A build after output/ is gone: the load takes every file's papers from the store."""
    for path in sorted(out.rglob("*"), reverse=True):
        path.unlink() if not path.is_dir() or path.is_symlink() else path.rmdir()
    build(site, out, workers=1)
    return tree(out)


def test_a_row_that_names_other_code_runs_nothing_and_the_file_is_parsed_again(tmp_path):
    site, out = _site(tmp_path), tmp_path / "out"
    build(site, out, workers=1)
    first = tree(out)
    marker = tmp_path / MARKER
    assert (
        _rewrite_rows(site / ".sitegen-cache" / "papers.sqlite", lambda _: pickle.dumps(_RunsCode(marker)))
        == 1
    )
    assert (
        pickle.loads(pickle.dumps(_RunsCode(tmp_path / "probe"))) is None and (tmp_path / "probe").exists()
    ), "the row would run its code if pickle.loads read it"
    assert _built_again(site, out) == first
    assert not marker.exists(), "the store's row ran code"


def test_a_row_with_values_the_validation_refuses_is_not_used(tmp_path):
    site, out = _site(tmp_path), tmp_path / "out"
    build(site, out, workers=1)
    first = tree(out)

    def hostile(papers):
        links = (("code", "javascript:alert(document.domain)"),)
        return cache.pickle_papers([(at, dataclasses.replace(p, links=links)) for at, p in papers])

    assert _rewrite_rows(site / ".sitegen-cache" / "papers.sqlite", hostile) == 1
    again = _built_again(site, out)
    assert not [name for name, data in again.items() if b"javascript:" in data]
    assert again == first, "the file's papers as parsed, not the row's"


def test_records_that_are_links_or_pipes_are_removed_before_any_is_read(tmp_path):
    site = _site(tmp_path)
    assert sitegen(site, "build", "-q").returncode == 0
    first = tree(site / "output")
    cache_dir = site / CACHE_DIR
    shutil.rmtree(site / "output")  # a clone: the site's files and the cache it came with
    names = sorted(path.name for path in cache_dir.iterdir() if path.is_file())
    assert {"papers.sqlite", "related.bin"} <= set(names) and any(n.endswith(".bib") for n in names)
    for name in names:  # each record a link to an endless file, and one a pipe
        (cache_dir / name).unlink()
        (cache_dir / name).symlink_to("/dev/zero")
    os.mkfifo(cache_dir / "manifest-000000000000.json")
    done = sitegen(site, "build", "-q")
    assert done.returncode == 0, done.stderr
    assert tree(site / "output") == first
    assert not [path for path in cache_dir.iterdir() if path.is_symlink()]


def test_a_cache_folder_that_is_a_link_is_refused_and_what_it_names_is_left_alone(tmp_path):
    site, elsewhere = _site(tmp_path), tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("mine")
    os.symlink(tmp_path / "nowhere", elsewhere / "a-link")
    (site / CACHE_DIR).symlink_to(elsewhere)
    done = sitegen(site, "build", "-q")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"{CACHE_DIR}: is a symbolic link" in done.stderr and "safe to delete" in done.stderr, done.stderr
    assert sorted(p.name for p in elsewhere.iterdir()) == ["a-link", "keep.txt"], (
        "nothing made or removed there"
    )
    assert not (site / "output").exists()


def test_papers_bib_entries_that_came_with_the_site_are_not_reused(tmp_path):
    site, out = _site(tmp_path), tmp_path / "out"
    build(site, out, workers=1)
    first = tree(out)
    (store,) = (site / CACHE_DIR).glob("manifest-*.bib")
    blob = store.read_bytes()  # the store as bibstore.write makes it, its entries changed
    _, size = bibstore._HEAD.unpack_from(blob, len(bibstore._MAGIC))
    body = blob[len(bibstore._MAGIC) + bibstore._HEAD.size :]
    settings, *rows = marshal.loads(body[:size])
    bibstore.write(store, settings, tuple(rows), body[size:].replace(b"@misc{", b"@evil{"))
    assert bibstore.read(store, settings).data.tobytes().startswith(b"@evil{"), "a store it would reuse"
    shutil.rmtree(out)  # as in a clone: the store came with the site, output/ did not
    build(site, out, workers=1)
    assert tree(out) == first, "papers.bib made anew, not taken from the store"
