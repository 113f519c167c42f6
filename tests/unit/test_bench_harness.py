"""bench/README.md's statements about the harness itself: the memory sampler backs off
when a sample is slow, a corpus is written again only when its stamp says so, and
loads.py alternates its -j counts."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pytest

from tests.sitekit import bench_module

REPO = Path(__file__).resolve().parents[2]
loads = bench_module("loads")
measure = bench_module("measure")
run = bench_module("run")


class _Done:
    """Stands in for the sampler's stop event: records each wait, stops after `stop` of them."""

    def __init__(self, stop: int) -> None:
        self.waits: list[float] = []
        self.stop = stop

    def wait(self, seconds: float) -> bool:
        self.waits.append(round(seconds, 6))
        return len(self.waits) > self.stop


def test_a_slow_sample_makes_the_sampler_wait_nine_times_as_long(monkeypatch):
    took = iter([0.001, 0.05, 0.0105, 0.2])  # seconds each sample takes
    clock = [0.0]

    def sample() -> None:
        clock[0] += next(took)

    sampler = measure._TreeSampler(session=0, interval=0.1)
    sampler._done = _Done(stop=4)
    monkeypatch.setattr(sampler, "sample", sample)
    monkeypatch.setattr(measure.time, "perf_counter", lambda: clock[0])
    sampler.run()
    # 0.1 at first; a quick sample keeps 0.1; 0.05 s -> 0.45 s; 0.0105 s (over 1/10 of the
    # interval, under 1/9) -> 0.1; 0.2 s -> 1.8 s: never more than ~10% of the time sampling
    assert sampler._done.waits == [0.1, 0.1, 0.45, 0.1, 1.8]
    assert sampler.samples == 4


def _bench_size(work: Path, seed: int = 1) -> str:
    args = argparse.Namespace(work=work, seed=seed, layouts=["paper-json"], peers=[], repeat=0)
    run.bench_size(40, args, None, [])
    return "generating" if (work / "generated").exists() else "kept"


def test_a_corpus_is_written_again_only_when_its_stamp_names_other_arguments_or_is_gone(
    tmp_path, monkeypatch, capsys
):
    write_corpus = run.generate.write_corpus

    def counted(sites, size, seed):
        (tmp_path / "generated").touch()
        return write_corpus(sites, size, seed)

    monkeypatch.setattr(run.generate, "write_corpus", counted)
    site = tmp_path / "corpus-40" / "sitegen-paper-json"

    def once(seed: int = 1) -> str:
        (tmp_path / "generated").unlink(missing_ok=True)
        return _bench_size(tmp_path, seed)

    assert once() == "generating"
    content = sorted((site / "content").rglob("*.json"))
    original = content[0].read_text()
    assert once() == "kept", "same arguments, same generator: kept"
    assert once(seed=2) == "generating", "other arguments"
    assert once(seed=1) == "generating"
    # What a run killed during its one-edit build leaves: an edited file and no stamp.
    edited = original.replace('"abstract": "', '"abstract": "edited ', 1)
    assert edited != original
    content[0].write_text(edited)
    (site / run.STAMP).unlink()
    assert once() == "generating"
    assert content[0].read_text() == original
    assert once() == "kept"


def test_the_one_edit_build_takes_the_stamp_away_before_it_edits(tmp_path, monkeypatch):
    args = argparse.Namespace(work=tmp_path, seed=1, layouts=["paper-json"], peers=[], repeat=0)
    run.bench_size(40, args, None, [])
    site = tmp_path / "corpus-40" / "sitegen-paper-json"
    stats = run._stamped(site)["stats"]
    assert (site / run.STAMP).is_file()

    class Tools:
        sitegen = ["sitegen"]

        def fingerprint(self) -> str:
            return "code"

    def built(r, *_args, **_kwargs):
        r.exit_code = 0
        return r

    class Killed(BaseException):
        pass

    stamped_at_edit = []

    def edit(site_dir, *_args):
        stamped_at_edit.append((site_dir / run.STAMP).exists())
        raise Killed  # the run is killed here: no finally puts anything back

    for name in ("settle", "set_aside", "remove"):
        monkeypatch.setattr(run, name, lambda *a, **k: None)
    monkeypatch.setattr(run, "measure", built)
    monkeypatch.setattr(run, "scan", lambda out: {})
    monkeypatch.setattr(run.layouts, "edit_one_abstract", edit)
    args.sitegen_arg, args.timeout = [], 60
    with pytest.raises(Killed):
        run.sitegen_scenarios(40, "paper-json", site, tmp_path / "out", stats, 0, args, Tools(), [])
    assert stamped_at_edit == [False]
    assert not (site / run.STAMP).exists(), "the next run writes this corpus again"


def test_loads_alternates_the_jobs_counts_and_prints_the_load_average(tmp_path, monkeypatch, capsys):
    calls: list[tuple[str, int]] = []
    warmed: list[str] = []

    def load_once(python, site, workers):
        calls.append((site.name, workers))
        return loads.Load((1.0 if workers == 1 else 0.5), 2.0, 0.4 / workers, workers - 1.0, 0.1 * workers)

    monkeypatch.setattr(loads, "load_once", load_once)
    monkeypatch.setattr(loads, "_warm", lambda site: warmed.append(site.name))
    argv = ["--sizes", "40", "--layouts", "paper-json", "--repeat", "3", "--work", str(tmp_path)]
    assert loads.main([*argv, "--sitegen-python", sys.executable]) == 0
    assert calls == [("sitegen-paper-json", j) for _ in range(3) for j in (1, 2)]
    assert warmed == ["sitegen-paper-json"], "the files are read once, before the loads"
    out = capsys.readouterr().out
    assert out.count("load average ") == 2
    assert "| `paper-json` | 1.00 (1.00) | 0.50 (0.50) | 0.50 | 2.00 / 2.00 |" in out
    # the stage's CPU here + in its workers, the cores it kept busy, others' CPU meanwhile
    assert "| 0.40 + 0.00 / 0.20 + 1.00 | 0.40 / 2.40 | 0.10 / 0.20 |" in out


def test_each_load_starts_without_a_parse_cache(tmp_path):
    """bench/README.md: loads.py times cold loads (no .sitegen-cache)."""
    site = tmp_path / "site"
    (site / ".sitegen-cache").mkdir(parents=True)
    (site / ".sitegen-cache" / "parse.sqlite").write_text("left by an earlier load")
    python = tmp_path / "python"  # stands in for the child: fails if it finds a cache
    python.write_text('#!/bin/sh\ntest -e "$3/.sitegen-cache" && exit 3\necho "0.25 40"\n')
    python.chmod(0o755)
    load = loads.load_once(str(python), site, 2)
    assert load.wall == 0.25 and load.cpu >= 0 and load.others is None
