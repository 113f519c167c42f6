"""A parse-cache store shipped with a site (committed, or sent in a pull request) is
input like any other file there (sitegen/cacherows.py): it can neither run code on the
machine that builds the site nor put what the validation refuses into its pages."""

import dataclasses
import pickle
import sqlite3
from pathlib import Path

from sitegen import cache
from sitegen.build import build
from tests.sitekit import paper, tree, write_site

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
