"""A cold build records the fingerprint of the content it loaded (by the
digests the load took, not by listing the files again): the next build with
nothing changed stops at the unchanged check, and one after a file was added
while the first build ran builds it."""

from __future__ import annotations

from pathlib import Path

import yaml

import sitegen.build
from sitegen.build import build
from tests.sitekit import paper, write_site

# Names whose order as strings ('-' and '.' sort before '/') is not the order
# of their parts, which is how content_files lists them.
FILES = ["a.yaml", "a/x.yaml", "a-b/y.yaml", "a.b/z.yaml", "a/b/w.yaml", "a0.yaml", "b.yaml"]


def _write(site: Path, name: str, number: int) -> None:
    path = site / "content" / "papers" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump([paper(f"p{number}", title=f"Paper {number}")]), encoding="utf-8")


def _site(tmp_path: Path) -> Path:
    site = write_site(tmp_path / "site")
    for number, name in enumerate(FILES):
        _write(site, name, number)
    return site


def test_a_rebuild_of_nested_content_with_nothing_changed_stops_at_the_unchanged_check(tmp_path):
    site = _site(tmp_path)
    first = build(site)
    assert first.papers == len(FILES) and "render" in first.phases
    again = build(site)
    assert "render" not in again.phases and again.report.written == 0, "nothing changed: nothing rendered"
    _write(site, "a-b/y.yaml", 99)  # an edit in a folder is still seen
    assert "render" in build(site).phases


def test_a_file_added_while_a_cold_build_runs_is_built_by_the_next(tmp_path, monkeypatch):
    site = _site(tmp_path)
    real = sitegen.build.build_site

    def build_site_and_add_a_file(papers, config):  # after the load, before the fingerprint was taken
        _write(site, "a/late.yaml", 50)
        return real(papers, config)

    monkeypatch.setattr(sitegen.build, "build_site", build_site_and_add_a_file)
    assert build(site).papers == len(FILES), "the file came after the load"
    monkeypatch.setattr(sitegen.build, "build_site", real)
    second = build(site)
    assert second.papers == len(FILES) + 1 and "render" in second.phases
    assert (site / "output" / "papers" / "p50" / "index.html").is_file()
