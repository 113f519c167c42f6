"""bench/: the five content layouts hold the same papers, and the bench's edits keep each format."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
import yaml

from sitegen.config import load_config
from sitegen.loading import load_papers
from tests.sitekit import bench_module, worker_goes_first

REPO = Path(__file__).resolve().parents[2]
generate = bench_module("generate")
layouts = bench_module("layouts")

PAPERS = 120


def _papers(site: Path) -> dict[str, tuple]:
    """What a page shows of each paper; links as a set (safe_dump sorts them)."""
    return {
        p.id: (
            p.title,
            p.day,
            tuple(a.name for a in p.authors),
            p.tags,
            p.abstract,
            p.upvotes,
            frozenset(p.links),
        )
        for p in load_papers(load_config(site))
    }


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Path], dict]:
    root = tmp_path_factory.mktemp("corpus")
    sites = {name: root / name for name in layouts.LAYOUTS}
    return sites, generate.write_corpus(sites, PAPERS, seed=5)


def test_every_layout_holds_the_same_papers(corpus):
    sites, stats = corpus
    expected = _papers(sites["day-sitegen"])
    assert len(expected) == stats["papers"] == PAPERS
    for name in ("day-safedump", "paper-sitegen", "paper-safedump", "paper-json"):
        assert _papers(sites[name]) == expected, name
    per_paper = sorted((sites["paper-json"] / "content" / "papers").rglob("*.json"))
    per_day = sorted((sites["day-safedump"] / "content" / "papers").rglob("*.yaml"))
    assert len(per_paper) == PAPERS and len(per_day) == stats["days"] < PAPERS


@pytest.mark.parametrize("name", list(layouts.LAYOUTS))
def test_two_processes_load_what_one_does_papers_and_every_problem(corpus, name, tmp_path, monkeypatch):
    """Issue 18 item 5: a worker hands its papers back, and -j2 loads what -j1 does, in
    every layout, with and without the parse cache: the same papers, or the same problems
    (every one at once, each with its file, line and field)."""
    import shutil

    from sitegen import loading
    from sitegen.cache import ParseCache
    from sitegen.errors import ContentError

    monkeypatch.setattr(loading, "PARALLEL_PARSE_FILES", 0)
    site = tmp_path / "site"
    shutil.copytree(corpus[0][name], site)
    config = load_config(site)
    handed: list[str] = []  # files whose papers a worker stored (in its last word)
    real_stored = ParseCache.stored

    def recording(self, files):
        handed.extend(name for name, _ in files)
        return real_stored(self, files)

    def load(workers: int, store: str | None):
        (tmp_path / "worker-started").unlink(missing_ok=True)
        cache = ParseCache(tmp_path / f"{store}.sqlite", "UTC") if store else None
        try:
            return loading.load_papers(config, cache, workers), cache
        except ContentError as error:
            return [str(problem) for problem in error.problems], cache

    one, _ = load(1, None)
    assert len(one) == PAPERS
    monkeypatch.setattr(ParseCache, "stored", recording)
    worker_goes_first(loading, monkeypatch, tmp_path / "worker-started")
    for store in (None, "cold"):
        assert load(2, store)[0] == one, store
    assert any(handed), "the worker checked some of the files"
    _, cache = load(2, "again")
    listed = sorted((site / "content" / "papers").rglob("*.*"))
    assert cache is not None and len(cache.digests()) == len(listed), "every file is in the cache"
    assert load(1, "again")[0] == one, "and what the worker stored there is read back whole"

    files = listed
    for path in files[::5]:  # a link with a scheme sitegen refuses, in a fifth of the files
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("https://arxiv.org/abs/", "ftp://arxiv.org/abs/", 1), encoding="utf-8")
    files[-2].write_text(files[-2].read_text(encoding="utf-8") + "\n]: [\n", encoding="utf-8")
    shutil.copyfile(files[1], files[1].with_name("zz" + files[1].name))  # its ids again
    problems, _ = load(1, None)
    for path in files[::5]:
        shown = path.relative_to(site).as_posix()
        pattern = rf"{re.escape(shown)}:\d+: links.arxiv: URL scheme 'ftp' is not allowed"
        assert any(re.match(pattern, problem) for problem in problems), (shown, problems)
    assert any(problem.startswith(files[-2].relative_to(site).as_posix()) for problem in problems)
    assert any(": id: duplicate id " in problem for problem in problems)
    for store in (None, "broken"):
        assert load(2, store)[0] == problems, store


def test_safe_dump_layouts_are_what_safe_dump_writes(corpus):
    sites, _ = corpus
    for name in ("day-safedump", "paper-safedump"):
        for path in (sites[name] / "content" / "papers").rglob("*.yaml"):
            text = path.read_text(encoding="utf-8")
            assert yaml.safe_dump(yaml.safe_load(text)) == text, path


@pytest.mark.parametrize("name", list(layouts.LAYOUTS))
def test_the_bench_edits_the_same_paper_in_the_layouts_own_format(corpus, name):
    sites, stats = corpus
    site, layout = sites[name], layouts.LAYOUTS[name]
    edit = layouts.edit_one_abstract(site, layout, stats["edit_day"], stats["edit_id"], "test")
    try:
        text = edit.path.read_text(encoding="utf-8")
        edited = _papers(site)[stats["edit_id"]]
        assert edited[4].startswith("(Edited: test.) ")
        if name.endswith("safedump"):
            assert yaml.safe_dump(yaml.safe_load(text)) == text
        elif name == "paper-json":
            assert json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n" == text
        else:  # a text edit: only the abstract's first line changed
            before, after = edit.original.splitlines(), text.splitlines()
            assert len(before) == len(after) and sum(a != b for a, b in zip(before, after, strict=True)) == 1
    finally:
        edit.path.write_text(edit.original, encoding="utf-8")


def test_the_same_arguments_give_the_same_files(tmp_path):
    def write(root: Path) -> dict[str, bytes]:
        generate.write_corpus({"paper-safedump": root / "s", "hugo": root / "h"}, 60, seed=2)
        return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}

    assert write(tmp_path / "a") == write(tmp_path / "b")


def test_the_peers_make_author_feeds_and_sitegen_builds_without_search(tmp_path):
    """bench/README.md: author feeds in every tool (Hugo: a term's html, rss and atom), day
    feeds in none (Hugo's days: their second order and digests), and sitegen's site without a
    Pagefind index."""
    peer_sites = bench_module("peer_sites")
    (tmp_path / "hugo").mkdir()
    peer_sites.start_hugo(tmp_path / "hugo")
    fronts = {
        name: yaml.safe_load((tmp_path / "hugo" / "content" / name / "_index.md").read_text().split("---")[1])
        for name in ("authors", "days")
    }
    assert fronts["authors"]["cascade"]["outputs"] == ["html", "rss", "atom"]
    assert fronts["days"]["cascade"]["outputs"] == ["html", "listed", "digest", "digesttext"]
    assert fronts["authors"]["outputs"] == fronts["days"]["outputs"] == ["html"]
    settings: dict = {}
    exec(peer_sites.PELICAN_CONFIG, settings)
    assert settings["AUTHOR_FEED_ATOM"] and settings["AUTHOR_FEED_RSS"]
    assert yaml.safe_load(generate.SITE_YAML)["search"] is False
    assert "author_feeds" not in yaml.safe_load(generate.SITE_YAML)  # sitegen's default: on


def test_the_load_only_bench_loads_every_paper_with_each_jobs_count(tmp_path, capsys):
    """bench/loads.py (issue 18 item 5): a row per layout, -j1 and -j2, the cache left clean."""
    loads = bench_module("loads")
    args = ["--sizes", "40", "--layouts", "paper-json,day-sitegen", "--repeat", "1", "--work", str(tmp_path)]
    assert loads.main([*args, "--sitegen-python", sys.executable]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == ["paper-json", "day-sitegen"]
    load = loads.load_once(sys.executable, tmp_path / "corpus-40" / "sitegen-paper-json", 2)
    assert load.wall > 0 and load.here > 0 and load.workers is not None and load.others is not None
    assert not (tmp_path / "corpus-40" / "sitegen-day-sitegen" / ".sitegen-cache").exists()
