"""Full-text search: the new site's paper pages indexed by Pagefind into pagefind/.

Pagefind (a Rust binary from the ``pagefind-bin`` wheel) reads HTML files and
writes a static index plus the scripts that query it in the browser. It runs
once the pages are rendered, on links to this build's paper pages (which sit
partly in the spare folder, partly in output/), and its files join the build
like any other output: compared with output/'s, written only if they differ,
and swapped in with the rest of the site, never written into the live output/.

Pagefind's output is a function of the pages it reads, except its filter
index (``pagefind/filter/*.pf_filter``) and the two files naming it, which it
writes in hash-map order (docs/search.md, "Determinism"). It costs a second at
10k papers, so it runs only when a paper page changed: the index's key is the
digest of every paper page's key, and an index made again for the same pages
keeps the files it already had (``add_index``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import OutputError, Problem

if TYPE_CHECKING:
    from .writer import Writer

SEARCH_FOLDER = "pagefind"  # under the site's base path; the search page loads it from there

# Pagefind writes four browser interfaces; the search page uses the default one.
# The others (~270 KB) are left out of the site.
_LEFT_OUT = (
    "pagefind-component-ui.",
    "pagefind-modular-ui.",
    "pagefind-highlight.js",
)


def pagefind_executable() -> Path:
    """The binary from the pagefind-bin wheel (a dependency of sitegen)."""
    try:
        from pagefind_bin import get_executable

        return Path(get_executable())
    except (ImportError, FileNotFoundError):
        message = "the Pagefind binary is missing: pip install pagefind-bin, or set 'search: false'"
        raise OutputError(Problem(message, "site.yaml", None, "search")) from None


def index_key(page_keys: Iterable[tuple[str, str]]) -> str:
    """The index's key: each indexed page's path and key (what its bytes depend on)."""
    h = hashlib.blake2b(digest_size=16)
    for path, key in sorted(page_keys):
        h.update(f"{path}\n{key}\n".encode())
    return h.hexdigest()


def build_index(pages: Iterable[tuple[str, str]], scratch_parent: Path) -> dict[str, bytes]:
    """Index ``pages`` (path in the site, the file holding its bytes) and
    return Pagefind's files by their path in the site (``pagefind/...``)."""
    scratch_parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="search-", dir=scratch_parent))
    try:
        site, bundle = scratch / "site", scratch / "bundle"
        _gather(pages, site)
        _run(site, bundle)
        return _read_bundle(bundle)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _gather(pages: Iterable[tuple[str, str]], site: Path) -> None:
    """A folder of the pages to index, as links to the files: no page is copied
    unless the scratch folder is on another file system than the site."""
    made: set[str] = set()
    for path, source in pages:
        target = os.path.join(site, path)
        folder = os.path.dirname(target)
        if folder not in made:
            os.makedirs(folder, exist_ok=True)
            made.add(folder)
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)


def _run(site: Path, bundle: Path) -> None:
    command = [str(pagefind_executable()), "--site", str(site), "--output-path", str(bundle), "--silent"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError as error:
        problem = Problem(f"cannot run Pagefind: {error.strerror or error}", None, None, "search")
        raise OutputError(problem) from None
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()[-5:]
        message = f"Pagefind failed (exit status {done.returncode}): {' / '.join(said) or 'no message'}"
        raise OutputError(Problem(message, None, None, "search"))


def _read_bundle(bundle: Path) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for folder, _, names in os.walk(bundle):
        for name in names:
            if name.startswith(_LEFT_OUT):
                continue
            source = os.path.join(folder, name)
            relative = os.path.relpath(source, bundle).replace(os.sep, "/")
            with open(source, "rb") as handle:
                files[f"{SEARCH_FOLDER}/{relative}"] = handle.read()
    return dict(sorted(files.items()))


def add_index(writer: Writer, paper_paths: Iterable[str], scratch_parent: Path) -> bool:
    """Give ``writer`` the search index of these paper pages (rendered or kept
    by this build); True if Pagefind ran, False if the last index still holds."""
    pages = writer.holders(paper_paths)
    key = index_key((path, page_key) for path, _, page_key in pages)
    previous = writer.recorded(f"{SEARCH_FOLDER}/")
    # Kept whole or made again whole: a new run names its filter index anew, so
    # files kept beside it would be stale (the writer leaves unchanged bytes alone).
    if previous and all(writer.intact(path, key) for path in previous):
        for path in previous:
            writer.reuse(path, key)
        return False
    for path, data in build_index(((path, source) for path, source, _ in pages), scratch_parent).items():
        writer.add(path, data, key)
    return True
