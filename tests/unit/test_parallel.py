"""Sharing render work between this process and forked workers."""

import dataclasses
import multiprocessing.pool
import os
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen import parallel, render, schedule, siteplan
from sitegen.build import build
from sitegen.config import load_config
from sitegen.loading import load_papers
from sitegen.render import Renderer
from sitegen.site import build_site
from sitegen.theme import resolve_theme
from sitegen.writer import spare_of
from tests.sitekit import paper, tree, write_site

PARENT = os.getpid()


def _papers(source, count, prefix):
    path = Path(source)  # one Path a content file, as the loader makes them
    return [SimpleNamespace(id=f"{prefix}{i}", source=path) for i in range(count)]


def test_paper_runs_keep_cached_content_files_whole(monkeypatch):
    monkeypatch.setattr(parallel, "_CHUNK", 4)
    monkeypatch.setattr(parallel, "_LAST_CHUNK", 4)
    papers = _papers("a.yaml", 3, "a") + _papers("b.yaml", 2, "b") + _papers("c.yaml", 1, "c")
    papers += _papers("big.yaml", 6, "g") + _papers("uncached.yaml", 2, "u")
    names = ("a.yaml", "b.yaml", "c.yaml", "big.yaml")
    files = {name: f"digest of {name}" for name in names}  # name -> the digest the load took
    # A paper's page and its cite files (siteplan.WITH_PAPER) go with the paper.
    pages = {p.id: [(f"page of {p.id}", None), (f"cite of {p.id}", None)] for p in papers if p.id != "a1"}
    runs = parallel._paper_tasks(papers, pages, files, 2)
    assert [(blobs, ids) for blobs, ids, _ in runs] == [
        # a and b together reach a run's size; a file bigger than a run, or one
        # the cache lacks, is read from this process's papers and cut anywhere.
        ([("a.yaml", files["a.yaml"]), ("b.yaml", files["b.yaml"])], ["a0", "a1", "a2", "b0", "b1"]),
        ([("c.yaml", files["c.yaml"])], ["c0", "g0", "g1", "g2"]),
        ([], ["g3", "g4", "g5", "u0"]),
        ([], ["u1"]),
    ]
    assert runs[0][2] == [item for i in ("a0", "a2", "b0", "b1") for item in pages[i]], (
        "only pages still to render"
    )
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
    pages = {p.id: [(f"page of {p.id}", None)] for p in papers}
    runs = [ids for _, ids, _ in parallel._paper_tasks(papers, pages, {}, 2)]
    assert [i for run in runs for i in run] == [p.id for p in papers], "every paper once, in order"
    sizes = [len(run) for run in runs]
    # Full runs while a quarter of what is left (2 processes) is at least a run,
    # then a quarter of what is left, never under the shortest run.
    assert sizes == [8, 8, 8, 6, 5, 3, 3, 2, 2, 2, 2, 1]
    copies = {"a.yaml": "its digest"}
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


def test_workers_hand_back_cards_through_their_pipes_and_leave_no_file_in_tmpdir(tmp_path, monkeypatch):
    monkeypatch.setattr(parallel, "PARALLEL_THRESHOLD", 0)
    monkeypatch.setattr(parallel, "_CHUNK", 4)
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    site = write_site(tmp_path / "s")
    entries = [paper(f"p{i}", f"2025-03-{10 + i % 5}", tags=["t"]) for i in range(40)]
    (site / "content/papers/all.yaml").write_text(yaml.safe_dump(entries))
    adopted = []
    real_adopt = Renderer.adopt

    def recording_adopt(self, fragments):
        adopted.append(len(fragments))
        return real_adopt(self, fragments)

    monkeypatch.setattr(Renderer, "adopt", recording_adopt)

    def no_pool(*args, **kwargs):
        raise AssertionError("rendering made a multiprocessing Pool (processes.share_forked has none)")

    monkeypatch.setattr(multiprocessing.pool.Pool, "__init__", no_pool)
    build(site, tmp_path / "serial", workers=1)
    build(site, tmp_path / "parallel", workers=2)
    assert tree(tmp_path / "parallel") == tree(tmp_path / "serial")
    assert sum(adopted) == 40 and len(adopted) >= 2, "every card came back, some from the worker"
    assert list(temp.iterdir()) == [], "nothing named in TMPDIR"

    monkeypatch.setattr(Renderer, "fragments", _fragments_fail_in_a_worker)
    with pytest.raises(ValueError, match="in a worker"):
        build(site, tmp_path / "failed", workers=2)
    assert list(temp.iterdir()) == [], "nor after a failed build"


def _fragments_fail_in_a_worker(self, paper_id, with_prose):
    if os.getpid() != PARENT:
        raise ValueError("a card failed in a worker")
    return paper_id, None, b"<article></article>"


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


_kinds_log: list[Path] = []  # where the wrapped chunks below write the kinds they render
_real_paper_chunk, _real_render_chunk = parallel._paper_chunk, parallel._render_chunk


def _log_kinds(phase: str, items) -> None:
    with open(_kinds_log[0], "a", encoding="utf-8") as handle:
        handle.write("".join(f"{phase} {output.kind}\n" for output, _ in items))


def _logged_paper_chunk(task):
    _log_kinds("first", task[2])
    return _real_paper_chunk(task)


def _logged_render_chunk(chunk):  # module-level: the pool pickles it by name
    _log_kinds("last", chunk)
    return _real_render_chunk(chunk)


def test_cite_files_render_with_their_paper_none_in_the_last_phase(tmp_path, monkeypatch):
    """Each paper's cite files render in the first phase with its page, from
    the same copies; the last phase's processes, forked from this one, would
    each read (and so copy) every paper's memory to make them (docs/performance-notes.md,
    "Memory at 100k papers"). The files are the serial build's bytes."""
    papers = [
        paper(f"p{i:02d}", f"2025-03-{10 + i % 6:02d}", abstract=f"Abstract {i}, *emphasis*")
        for i in range(40)
    ]
    site = write_site(tmp_path / "s", papers)
    build(site, tmp_path / "serial", workers=1)
    monkeypatch.setattr(parallel, "PARALLEL_THRESHOLD", 0)
    monkeypatch.setattr(parallel, "_CHUNK", 4)
    monkeypatch.setattr(parallel, "_LAST_CHUNK", 4)
    log = tmp_path / "kinds.log"
    monkeypatch.setattr(parallel, "_paper_chunk", _logged_paper_chunk)
    monkeypatch.setattr(parallel, "_render_chunk", _logged_render_chunk)
    _kinds_log[:] = [log]
    build(site, tmp_path / "parallel", workers=2)
    assert tree(tmp_path / "parallel") == tree(tmp_path / "serial")
    rendered = log.read_text(encoding="utf-8").splitlines()
    assert rendered.count("first cite") == 40 * 2 and rendered.count("first paper") == 40
    assert "last bibliography" in rendered and not any(line.startswith("last cite") for line in rendered)


def test_the_last_phase_forks_without_the_paper_runs_or_the_content_files_names(tmp_path, monkeypatch):
    """The paper runs (each with its ids, its outputs and its content files'
    names and digests, which find their parse-cache slots) and the table of
    the files' names are dropped once the paper pages are done: the last
    phase's fork does not start with them (~30 MiB at 100k papers)."""
    import gc
    import sys

    monkeypatch.setattr(parallel, "PARALLEL_THRESHOLD", 0)
    monkeypatch.setattr(parallel, "_CHUNK", 4)
    monkeypatch.setattr(parallel, "COPIES_FROM", 0)
    site = write_site(tmp_path / "s")
    for day in range(6):
        entries = [paper(f"d{day}p{i}", f"2025-03-{10 + day}", abstract=f"Text *{i}*.") for i in range(3)]
        (site / f"content/papers/day{day}.yaml").write_text(yaml.safe_dump(entries))
    real_share = parallel.share_forked
    held, runs = [], {}

    def watching(count, work, tasks, *args, **kwargs):
        names = sys._getframe(1).f_locals
        if work is parallel._render_chunk:  # the last phase
            held.append({name for name in ("tasks", "pages", "files", "names") if name in names})
            alive = [
                o for o in gc.get_objects() if id(o) in runs and type(o) is tuple and o[1] == runs[id(o)]
            ]
            held.append(alive)
        else:
            runs.update((id(task), list(task[1])) for task in tasks if task[0])
        return real_share(count, work, tasks, *args, **kwargs)

    monkeypatch.setattr(parallel, "share_forked", watching)
    build(site, tmp_path / "parallel", workers=2)
    assert runs, "the runs named their content files"
    assert held[0] == set(), "no table of runs, pages or files is left"
    assert held[1] == [], "no paper run outlives the paper pages"


def _runs_the_plain_way(papers, pages, files, processes):
    """The runs as _paper_tasks made them before (a map of Paths to slots,
    _run_size asked at every step): the reference its one pass must match."""
    by_file = {}
    for p in papers:
        by_file.setdefault(p.source, []).append(p.id)
    runs, blobs, ids, left = [], [], [], len(papers)
    for source, file_ids in by_file.items():
        name = None if source is None else str(source)
        ids += file_ids
        if name in files and len(file_ids) <= parallel._run_size(left, processes):
            blobs.append((name, files[name]))
        else:
            while len(ids) > parallel._run_size(left, processes):
                n = parallel._run_size(left, processes)
                runs.append((blobs, ids[:n]))
                blobs, ids, left = [], ids[n:], left - n
        if len(ids) >= parallel._run_size(left, processes):
            runs.append((blobs, ids))
            blobs, ids, left = [], [], left - len(ids)
    if ids:
        runs.append((blobs, ids))
    return [(b, run, [item for i in run for item in pages.get(i, ())]) for b, run in runs]


@settings(max_examples=300, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 12), max_size=30),
    cached=st.lists(st.booleans(), min_size=30, max_size=30),
    order=st.randoms(use_true_random=False),
    chunk=st.integers(1, 9),
    last=st.integers(1, 9),
    processes=st.integers(1, 4),
    named=st.booleans(),
)
def test_paper_runs_are_those_of_the_plain_way(sizes, cached, order, chunk, last, processes, named):
    """Any content files (a file's papers anywhere in the site's order, papers
    without a source, files the cache lacks), any run sizes: the runs are the
    reference's, whether a file's name comes from the loader's table or its Path."""
    sources = [Path(f"papers/f{i}.yaml") for i in range(len(sizes))] + [None]
    papers = [
        SimpleNamespace(id=f"p{i}-{j}", source=source)
        for i, (source, size) in enumerate(zip(sources, [*sizes, 2], strict=True))
        for j in range(size)
    ]
    order.shuffle(papers)
    files = {str(s): f"d{i}" for i, s in enumerate(sources[:-1]) if cached[i]}
    pages = {p.id: [(f"page {p.id}", None)] for p in papers if hash(p.id) % 5}
    names = {id(s): str(s) for s in sources[:-1]} if named else None
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parallel, "_CHUNK", chunk)
        patch.setattr(parallel, "_LAST_CHUNK", last)
        got = parallel._paper_tasks(papers, pages, files, processes, names)
        assert got == _runs_the_plain_way(papers, pages, files, processes)
