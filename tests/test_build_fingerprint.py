"""A cold build records the fingerprint of the content it loaded (by the
digests the load took, not by listing the files again): the next build with
nothing changed stops at the unchanged check, and one after a file was added
while the first build ran builds it."""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

import sitegen.build
from sitegen.build import build
from sitegen.errors import ContentError
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


def _edit(site: Path, name: str, title: str) -> None:
    path = site / "content" / "papers" / name
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"title: .*", f"title: {title}", text, count=1), encoding="utf-8")


def test_a_one_file_edit_reads_each_unchanged_content_file_once(tmp_path, monkeypatch):
    """The unchanged check reads and hashes every file; the load takes the
    papers of those it hashed from the parse cache by that digest, unread: only
    the edited file, which the cache lacks, is read again (to be parsed)."""
    site = _site(tmp_path)
    build(site)
    _edit(site, "a/x.yaml", "Paper one, edited")
    papers = site / "content" / "papers"
    opened: list[str] = []
    real = os.open

    def counting_open(path, *args, **kwargs):
        if str(path).startswith(str(papers)):
            opened.append(Path(path).relative_to(papers).as_posix())
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", counting_open)
    result = build(site)
    assert "render" in result.phases and result.report.written > 0
    assert "Paper one, edited" in (site / "output/papers/p1/index.html").read_text(encoding="utf-8")
    counts = Counter(opened)
    assert counts.pop("a/x.yaml") == 2, "the edited file: hashed by the check, then parsed"
    assert counts == dict.fromkeys(set(FILES) - {"a/x.yaml"}, 1), "every other file read once"


def test_a_file_changed_after_the_check_is_recorded_as_the_load_took_it(tmp_path, monkeypatch):
    """Edited to X, then to Y after the unchanged check read X and before the
    load read it: the site is built from Y, and so is the fingerprint recorded.
    Put back to X, the next build builds X (a record of X would have said
    "unchanged", and the site kept Y)."""
    site = _site(tmp_path)
    build(site)
    _edit(site, "a/x.yaml", "X")
    real = sitegen.build._content_seen

    def check_then_edit(*args):
        seen = real(*args)
        _edit(site, "a/x.yaml", "Y")
        return seen

    monkeypatch.setattr(sitegen.build, "_content_seen", check_then_edit)
    build(site)
    page = site / "output/papers/p1/index.html"
    assert "<title>Y &middot;" in page.read_text(encoding="utf-8")
    monkeypatch.setattr(sitegen.build, "_content_seen", real)
    _edit(site, "a/x.yaml", "X")
    again = build(site)
    assert "render" in again.phases, "X is not what the site was built from"
    assert "<title>X &middot;" in page.read_text(encoding="utf-8")
    assert "render" not in build(site).phases, "and now it is"


@pytest.mark.parametrize("cached", [True, False])
def test_a_file_made_a_pipe_or_a_link_after_it_was_listed_is_reported_not_read(tmp_path, monkeypatch, cached):
    """Listed as a regular file by the unchanged check, then made a named pipe
    (the check's read refuses it, and so does the load's, which says why), or
    made a link out of the site after the check read it: the load reads it
    again only if the cache lacks its papers, and then refuses it; else it
    takes the papers of the bytes the check read, and the next build refuses it."""
    site = _site(tmp_path)
    if not cached:
        _edit(site, "a/x.yaml", "Not cached")
    build(site)
    if cached:
        _edit(site, "a-b/y.yaml", "Edited")  # something to build
    else:
        _edit(site, "a/x.yaml", "Edited")
    real_listing, real_seen = sitegen.build.content_files, sitegen.build._content_seen

    def list_then_make_a_pipe(*args, **kwargs):
        files = real_listing(*args, **kwargs)
        (site / "content/papers/b.yaml").unlink()
        os.mkfifo(site / "content/papers/b.yaml")
        return files

    def check_then_link_out(*args):
        seen = real_seen(*args)
        (site / "content/papers/a/x.yaml").unlink()
        (site / "content/papers/a/x.yaml").symlink_to("/etc/passwd")
        return seen

    monkeypatch.setattr(sitegen.build, "content_files", list_then_make_a_pipe)
    monkeypatch.setattr(sitegen.build, "_content_seen", check_then_link_out)
    with pytest.raises(ContentError) as caught:
        build(site)
    problems = {problem.path: problem.message for problem in caught.value.problems}
    assert "named pipe" in problems.pop("content/papers/b.yaml")
    if cached:
        assert not problems, "a/x.yaml: the papers of the bytes the check read"
        monkeypatch.undo()
        with pytest.raises(ContentError) as caught:
            build(site)
        problems = {problem.path: problem.message for problem in caught.value.problems}
        assert "symbolic link" in problems["content/papers/a/x.yaml"]
    else:
        assert "symbolic link" in problems.pop("content/papers/a/x.yaml")
    assert "root:" not in str(caught.value)
