"""Helpers for tests: write small sites into tmp folders and read built files."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent


def sitegen(site: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`sitegen ...` in a child, in the site folder; a hang fails the test instead of the suite."""
    return subprocess.run(
        [sys.executable, "-m", "sitegen", *args],
        cwd=site,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def write_site(root: Path, papers: list[dict[str, Any]] | None = None, **settings: Any) -> Path:
    """A site folder with site.yaml and one content file holding ``papers``.

    Search is off unless asked for (``search=True``): Pagefind's filter index
    differs in byte order from run to run (docs/search.md), which tests that
    compare whole trees of separate builds are not about; tests/test_search.py
    checks it."""
    config = {"title": "Test Papers", "base_url": "https://example.org/", "description": "Test feed."}
    config.update(settings)
    config.setdefault("search", False)  # last, so the other settings keep their lines
    root.mkdir(parents=True, exist_ok=True)
    (root / "site.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    content = root / "content" / "papers"
    content.mkdir(parents=True, exist_ok=True)
    if papers is not None:
        (content / "papers.yaml").write_text(
            yaml.safe_dump(papers, sort_keys=False, allow_unicode=True), encoding="utf-8"
        )
    return root


def paper(id: str, day: str = "2025-03-14", **fields: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": id, "title": fields.pop("title", f"Paper {id}"), "date": day}
    entry.update(fields)
    return entry


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` by relative POSIX path."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


# Pagefind writes its filter index (tag -> pages) in hash-map order, which
# changes from run to run (Pagefind issue #638), and the two files that name it
# by its hash change with it. Everything else it writes is a function of the pages.
PAGEFIND_VOLATILE = re.compile(
    r"pagefind/(filter/[^/]+\.pf_filter|pagefind-entry\.json|pagefind\.[^/]+\.pf_meta)"
)


def stable(files: dict[str, bytes]) -> dict[str, bytes]:
    """``files`` (a tree) without the files of Pagefind's that differ between runs."""
    return {path: data for path, data in files.items() if not PAGEFIND_VOLATILE.fullmatch(path)}


def worker_goes_first(loading: Any, monkeypatch: Any, marker: Path) -> None:
    """This process checks no content file of a -j2 load until the worker has
    started a batch (it touches ``marker``; delete it before each load), so the
    worker always takes some files, however busy the machine."""
    from sitegen import loadforks

    real_batch, real_check = loadforks._check_batch, loadforks.check_read

    def in_worker(task: Any) -> Any:
        marker.touch()
        return real_batch(task)

    def here(*args: Any) -> Any:
        deadline = time.monotonic() + 30
        forked = loadforks._worker_config is not None  # else a load in this process alone
        while forked and not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.001)
        return real_check(*args)

    monkeypatch.setattr(loadforks, "_check_batch", in_worker)
    monkeypatch.setattr(loadforks, "check_read", here)


def bench_module(name: str) -> ModuleType:
    """A module of bench/, a folder of scripts that import each other by bare name."""
    sys.path.insert(0, str(REPO / "bench"))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(REPO / "bench"))
