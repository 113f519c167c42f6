"""Sharing render work between this process and forked workers."""

import dataclasses
import multiprocessing
import os
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from sitegen import parallel, processes, render, schedule, siteplan
from sitegen.build import build
from sitegen.cache import Slot
from sitegen.config import load_config
from sitegen.loading import load_papers
from sitegen.render import Renderer
from sitegen.site import build_site
from sitegen.theme import resolve_theme
from sitegen.writer import spare_of
from tests.sitekit import paper, tree, write_site

PARENT = os.getpid()


def _slow_task(task):
    time.sleep(0.01)
    return task, os.getpid()


def _fails_in_a_worker(task):
    if os.getpid() != PARENT:
        raise ValueError(f"task {task} failed in a worker")
    return task


def test_every_task_runs_once_some_here_and_some_in_a_worker():
    done = []
    with multiprocessing.get_context("fork").Pool(1) as pool:
        processes.share(pool, 1, _slow_task, list(range(40)), done.append)
    assert sorted(task for task, _ in done) == list(range(40))
    pids = {pid for _, pid in done}
    assert PARENT in pids and len(pids) == 2, "both this process and the worker took tasks"


def test_an_error_in_a_worker_reaches_the_caller():
    with multiprocessing.get_context("fork").Pool(1) as pool:
        with pytest.raises(ValueError, match="failed in a worker"):
            processes.share(pool, 1, _fails_in_a_worker, list(range(10)), lambda result: None)


def _papers(source, count, prefix):
    return [SimpleNamespace(id=f"{prefix}{i}", source=Path(source)) for i in range(count)]


def test_paper_runs_keep_cached_content_files_whole(monkeypatch):
    monkeypatch.setattr(parallel, "_CHUNK", 4)
    monkeypatch.setattr(parallel, "_LAST_CHUNK", 4)
    papers = _papers("a.yaml", 3, "a") + _papers("b.yaml", 2, "b") + _papers("c.yaml", 1, "c")
    papers += _papers("big.yaml", 6, "g") + _papers("uncached.yaml", 2, "u")
    names = ("a.yaml", "b.yaml", "c.yaml", "big.yaml")
    files = {Path(name): Slot(Path("papers.sqlite"), name.encode()) for name in names}
    pages = {p.id: (f"page of {p.id}", None) for p in papers if p.id != "a1"}
    runs = parallel._paper_tasks(papers, pages, files, 2)
    assert [(blobs, ids) for blobs, ids, _ in runs] == [
        # a and b together reach a run's size; a file bigger than a run, or one
        # the cache lacks, is read from this process's papers and cut anywhere.
        ([files[Path("a.yaml")], files[Path("b.yaml")]], ["a0", "a1", "a2", "b0", "b1"]),
        ([files[Path("c.yaml")]], ["c0", "g0", "g1", "g2"]),
        ([], ["g3", "g4", "g5", "u0"]),
        ([], ["u1"]),
    ]
    assert runs[0][2] == [pages[i] for i in ("a0", "a2", "b0", "b1")], "only pages still to render"
    assert [ids for _, ids, _ in parallel._paper_tasks(papers, pages, {}, 2)] == [
        ["a0", "a1", "a2", "b0"],
        ["b1", "c0", "g0", "g1"],
        ["g2", "g3", "g4", "g5"],
        ["u0", "u1"],
    ], "without copies, runs are simply _CHUNK papers each"


def test_paper_runs_get_shorter_towards_the_end_so_processes_finish_together(monkeypatch):
    monkeypatch.setattr(parallel, "_CHUNK", 8)
    monkeypatch.setattr(parallel, "_LAST_CHUNK", 2)
    papers = _papers("a.yaml", 50, "a")
    pages = {p.id: (f"page of {p.id}", None) for p in papers}
    runs = [ids for _, ids, _ in parallel._paper_tasks(papers, pages, {}, 2)]
    assert [i for run in runs for i in run] == [p.id for p in papers], "every paper once, in order"
    sizes = [len(run) for run in runs]
    # Full runs while a quarter of what is left (2 processes) is at least a run,
    # then a quarter of what is left, never under the shortest run.
    assert sizes == [8, 8, 8, 6, 5, 3, 3, 2, 2, 2, 2, 1]
    copies = {Path("a.yaml"): Slot(Path("papers.sqlite"), b"a")}
    assert parallel._paper_tasks(papers, pages, copies, 2)[0][0] == [], "a file longer than a run is cut"


def test_lend_swaps_in_copies_with_the_same_digest_and_puts_the_originals_back(tmp_path):
    site_dir = write_site(tmp_path / "s", [paper("a"), paper("b")])
    config = load_config(site_dir)
    site = build_site(load_papers(config), config)
    renderer = Renderer(site, resolve_theme(config))
    original_a, original_b = site.papers
    copy_a = dataclasses.replace(original_a, title="Copy")
    stale_b = dataclasses.replace(original_b, digest="other")
    with renderer.lend([copy_a, stale_b]):
        assert renderer.view("a").title == "Copy"
        assert renderer.view("b").paper is original_b, "a copy with another digest is not used"
    renderer.forget(["a", "b"])
    assert renderer.view("a").paper is original_a


def test_views_made_ahead_are_every_view_a_run_of_paper_pages_shows(tmp_path, monkeypatch):
    papers = [paper(f"p{i}", abstract=f"Text *{i}*.") for i in range(5)] + [paper("q", "2025-03-15")]
    site_dir = write_site(tmp_path / "s", papers)
    config = load_config(site_dir)
    site = build_site(load_papers(config), config)
    on_demand = Renderer(site, resolve_theme(config))
    ahead = Renderer(site, resolve_theme(config))
    outputs = [o for o in siteplan.plan(site) if o.kind == "paper" and o.key[0] in ("p2", "q")]
    made = []
    real_make_view = render.make_view

    def counting_make_view(paper, *args):
        made.append(paper.id)
        return real_make_view(paper, *args)

    monkeypatch.setattr(render, "make_view", counting_make_view)
    ahead.prepare_views(outputs, ["p4"])
    near = site.neighbours["p2"]
    assert near.previous and near.next
    assert sorted(made) == sorted({"p2", near.previous.id, near.next.id, "q", "p4"})
    made_ahead = list(made)
    pages = [ahead.render(o) for o in outputs]
    assert made == made_ahead, "rendering the pages needed no view that was not made ahead"
    assert pages == [on_demand.render(o) for o in outputs], "views made ahead render the same pages"


def test_a_site_of_many_files_renders_the_same_across_processes(tmp_path, monkeypatch):
    monkeypatch.setattr(parallel, "PARALLEL_THRESHOLD", 0)
    monkeypatch.setattr(parallel, "_CHUNK", 4)
    monkeypatch.setattr(parallel, "COPIES_FROM", 0)
    site = write_site(tmp_path / "s")
    for day in range(12):
        entries = [
            paper(f"d{day}p{i}", f"2025-03-{10 + day}", tags=[f"t{i % 2}"], abstract=f"Text *{i}*.")
            for i in range(3)
        ]
        (site / f"content/papers/day{day}.yaml").write_text(yaml.safe_dump(entries))
    lent = []
    real_lend = Renderer.lend

    def counting_lend(self, papers):
        papers = list(papers)
        lent.extend(p.id for p in papers)
        return real_lend(self, papers)

    monkeypatch.setattr(Renderer, "lend", counting_lend)
    build(site, tmp_path / "serial", workers=1)
    build(site, tmp_path / "parallel", workers=3)
    assert tree(tmp_path / "parallel") == tree(tmp_path / "serial")
    assert lent, "this process rendered some papers from parse-cache copies"
    lent.clear()
    monkeypatch.setattr(parallel, "COPIES_FROM", 37)  # one paper more than the site has
    build(site, tmp_path / "small", workers=3)
    assert tree(tmp_path / "small") == tree(tmp_path / "serial")
    assert not lent, "a small site renders from its own papers"


def test_workers_hand_back_cards_in_files_that_are_gone_after_the_build(tmp_path, monkeypatch):
    monkeypatch.setattr(parallel, "PARALLEL_THRESHOLD", 0)
    monkeypatch.setattr(parallel, "_CHUNK", 4)
    handovers = tmp_path / "tmp"
    handovers.mkdir()
    monkeypatch.setattr(parallel.tempfile, "tempdir", str(handovers))
    site = write_site(tmp_path / "s")
    entries = [paper(f"p{i}", f"2025-03-{10 + i % 5}", tags=["t"]) for i in range(40)]
    (site / "content/papers/all.yaml").write_text(yaml.safe_dump(entries))
    taken = []
    real_take = parallel._take_handover

    def recording_take(fragments):
        taken.append(fragments)
        return real_take(fragments)

    monkeypatch.setattr(parallel, "_take_handover", recording_take)
    build(site, tmp_path / "serial", workers=1)
    build(site, tmp_path / "parallel", workers=2)
    assert tree(tmp_path / "parallel") == tree(tmp_path / "serial")
    assert any(isinstance(f, str) for f in taken), "a worker handed its cards back in a file"
    assert list(handovers.iterdir()) == [], "the hand-over folder is removed"

    monkeypatch.setattr(Renderer, "fragments", _fragments_fail_in_a_worker)
    with pytest.raises(ValueError, match="in a worker"):
        build(site, tmp_path / "failed", workers=2)
    assert list(handovers.iterdir()) == [], "a failed build removes it too"


def _fragments_fail_in_a_worker(self, paper_id, with_prose):
    if os.getpid() != PARENT:
        raise ValueError("a card failed in a worker")
    return paper_id, None, b"<article></article>"


def _timed_task(task):
    time.sleep(0.01)
    return task, os.getpid(), time.monotonic()  # one clock for every process on Linux


def test_this_process_runs_meanwhile_while_the_worker_takes_tasks():
    done = []
    meanwhile_ended = []

    def meanwhile():
        time.sleep(0.3)
        meanwhile_ended.append(time.monotonic())

    with multiprocessing.get_context("fork").Pool(1) as pool:
        processes.share(pool, 1, _timed_task, list(range(40)), done.append, meanwhile=meanwhile)
    assert sorted(task for task, _, _ in done) == list(range(40))
    by_the_worker_meanwhile = [t for t, pid, at in done if pid != PARENT and at < meanwhile_ended[0]]
    # Fed only by this process, the worker would have had the first two tasks and waited.
    assert len(by_the_worker_meanwhile) >= 5, "the worker kept getting tasks meanwhile (~30 in 0.3 s)"


def _cold_site(root):
    site = write_site(root)
    entries = [paper(f"p{i}", f"2025-03-{10 + i % 5}", tags=["t"], authors=["Ada"]) for i in range(40)]
    (site / "content/papers/all.yaml").write_text(yaml.safe_dump(entries))
    return site


def test_a_cold_build_plans_the_rest_while_paper_pages_render(tmp_path, monkeypatch):
    monkeypatch.setattr(parallel, "PARALLEL_THRESHOLD", 0)
    monkeypatch.setattr(parallel, "_CHUNK", 4)
    site = _cold_site(tmp_path / "s")
    pages_seen = []
    written = spare_of(tmp_path / "out")  # where a build writes before its swap into out/
    real_plan = siteplan.plan

    def plan_waiting_for_a_paper_page(site_, papers=None):
        # Planned first, as before, no paper page would ever appear here.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not list((written / "papers").glob("*/index.html")):
            time.sleep(0.01)
        pages_seen.append(len(list((written / "papers").glob("*/index.html"))))
        return real_plan(site_, papers)

    monkeypatch.setattr(schedule, "plan", plan_waiting_for_a_paper_page)
    build(site, tmp_path / "out", workers=2)
    assert len(pages_seen) == 1 and pages_seen[0] > 0, "a worker wrote paper pages while this process planned"
    build(site, tmp_path / "serial", workers=1)
    assert tree(tmp_path / "out") == tree(tmp_path / "serial")


def test_a_problem_found_while_paper_pages_render_fails_the_build_and_leaves_nothing(tmp_path, monkeypatch):
    from sitegen.errors import OutputError, Problem

    monkeypatch.setattr(parallel, "PARALLEL_THRESHOLD", 0)
    monkeypatch.setattr(parallel, "_CHUNK", 4)
    site = _cold_site(tmp_path / "s")

    def clash(outputs, static):
        raise OutputError(Problem("two outputs claim the same file: a and b", "x"))

    monkeypatch.setattr("sitegen.schedule.check_unique", clash)
    with pytest.raises(OutputError, match="claim the same file"):
        build(site, tmp_path / "new", workers=2)
    assert not (tmp_path / "new").exists(), "a new output folder is removed again"
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "mine.txt").write_text("the user's own file")
    with pytest.raises(OutputError, match="claim the same file"):
        build(site, kept, workers=2)
    assert tree(kept) == {"mine.txt": b"the user's own file"}, "the folder is as it was"
