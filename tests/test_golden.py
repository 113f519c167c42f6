"""Golden output: a fixed site built now must equal the stored tree, byte for byte.

After an intended change to templates or rendering, regenerate with
``pytest tests/test_golden.py --regen-golden`` and review the diff of
tests/sites/golden/expected/ in the commit.
"""

from __future__ import annotations

import shutil

from sitegen.build import build
from tests.sitekit import REPO, tree

GOLDEN = REPO / "tests/sites/golden"
SEARCH = "pagefind/"


def test_build_matches_the_stored_tree(tmp_path, request):
    site = tmp_path / "site"
    shutil.copytree(GOLDEN / "site", site)
    build(site, tmp_path / "out")
    # Pagefind's files (its scripts, WebAssembly and index) are another tool's
    # output, not stored here: tests/test_search.py checks them.
    built = {path: data for path, data in tree(tmp_path / "out").items() if not path.startswith(SEARCH)}
    assert "pagefind/pagefind-entry.json" in tree(tmp_path / "out")
    expected_dir = GOLDEN / "expected"
    if request.config.getoption("--regen-golden"):
        shutil.rmtree(expected_dir, ignore_errors=True)
        shutil.copytree(tmp_path / "out", expected_dir, ignore=shutil.ignore_patterns("pagefind"))
    expected = tree(expected_dir)
    assert sorted(built) == sorted(expected), "files added or missing"
    changed = [path for path in built if built[path] != expected[path]]
    assert changed == [], f"differ from the golden tree: {changed[:10]}"
