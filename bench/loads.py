"""How loading scales with processes: the load stage alone, -j1 against -j2, in every layout.

    python bench/loads.py --sizes 10000 [--layouts paper-json] [--jobs 1,2] [--repeat 3]

Loads each layout's bench site (the corpora of bench/run.py, under bench/work/corpus-N/,
generated when missing or stale) the way `sitegen build` does before it renders: a cold
load (no .sitegen-cache), with the build's GC settings, the parse cache it fills, and
rendering's imports done meanwhile, which is what `sitegen build --timings` reports as
``load``. Each load is a child process; the site's files are read once before, so every
load finds them in the page cache, as a build right after the bench's warm-up does.
Runs are interleaved (j1, j2, j1, j2, ...) so the machine's drift falls on both alike.
Prints, per layout, the median and minimum wall time of each -j and their ratio
(issue 18 item 5: -j2 within 0.6x of -j1), and CPU time (user + sys, the workers' too).
Then, of the load stage alone: its CPU here and in its workers, how many cores it kept busy
(its CPU over its wall), and the CPU the rest of the machine took meanwhile (the machine's
busy time in /proc/stat less the load's own): a -j2 load whose others' CPU is not ~0 did
not have two cores to itself, and its ratio says little.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

import generate
import layouts
import options
from measure import BENCH, REPO
from run import _corpus_key, _sites, _stamp, _stamped
from tools import sitegen_python

# In the child: the build's own calls (sitegen/build.py), up to the end of its "load" stage;
# around the load alone, its CPU (here, and in its workers once they are reaped) and the
# machine's busy CPU time (/proc/stat: user nice system irq softirq steal, every core).
CHILD = """
import os, resource, sys, time
from pathlib import Path
from sitegen.build import _import_rendering, _parse_cache
from sitegen.config import load_config
from sitegen.gcsettings import build_gc, long_lived
from sitegen.loading import load_papers

def busy():
    try:
        with open("/proc/stat") as stat:
            ticks = [int(n) for n in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return float("nan")
    return (sum(ticks[:3]) + sum(ticks[5:8])) / os.sysconf("SC_CLK_TCK")

def cpu(who):
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime

site, workers = Path(sys.argv[1]), int(sys.argv[2])
with build_gc():
    config = load_config(site)
    cache = _parse_cache(config)
    here, machine = cpu(resource.RUSAGE_SELF), busy()
    start = time.perf_counter()
    with long_lived():
        papers = load_papers(config, cache, workers, meanwhile=_import_rendering)
    took = time.perf_counter() - start
    machine, here = busy() - machine, cpu(resource.RUSAGE_SELF) - here
forks = cpu(resource.RUSAGE_CHILDREN)
print(f"{took:.4f} {len(papers)} {here:.4f} {forks:.4f} {machine - here - forks:.4f}")
"""


class Load(NamedTuple):
    """One load: the wall of its stage and the CPU of its whole child process (seconds);
    then, of the stage alone, its CPU here and in its workers, and the CPU the rest of
    the machine took meanwhile (None where the child does not say)."""

    wall: float
    cpu: float
    here: float | None = None
    workers: float | None = None
    others: float | None = None


def _warm(site: Path) -> None:
    for path in (site / "content").rglob("*"):
        if path.is_file():
            path.read_bytes()


def load_once(python: str, site: Path, workers: int) -> Load:
    """The load stage's wall, the CPU of the child and its workers, and what the child says more."""
    shutil.rmtree(site / ".sitegen-cache", ignore_errors=True)
    child = subprocess.Popen(
        [python, "-c", CHILD, str(site), str(workers)], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    _, status, usage = os.wait4(child.pid, 0)
    out = child.stdout.read() if child.stdout else ""
    if status != 0:
        sys.exit(f"error: the load of {site} with -j{workers} failed (status {status})")
    said = out.split()
    more = [float(n) for n in said[2:5]]
    return Load(float(said[0]), usage.ru_utime + usage.ru_stime, *more)


def _stage(loads: dict[int, list[Load]], jobs: list[int]) -> str:
    """The stage's CPU here + in its workers, the cores it used and others' CPU, per -j (medians)."""
    told = {j: [load for load in loads[j] if load.others is not None] for j in jobs}
    if not all(told.values()):
        return " | | "
    median = statistics.median
    stage = " / ".join(
        f"{median(load.here for load in told[j]):.2f} + {median(load.workers for load in told[j]):.2f}"
        for j in jobs
    )
    cores = " / ".join(
        f"{median((load.here + load.workers) / load.wall for load in told[j]):.2f}" for j in jobs
    )
    others = " / ".join(f"{median(load.others for load in told[j]):.2f}" for j in jobs)
    return f"{stage} | {cores} | {others}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=options._sizes, default=[10000], help="corpus sizes (default 10k)")
    parser.add_argument("--layouts", type=options._layouts, default=list(layouts.LAYOUTS))
    parser.add_argument("--jobs", default="1,2", help="worker counts to compare, the first the base (1,2)")
    parser.add_argument("--repeat", type=int, default=3, help="loads of each layout and -j (3)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=BENCH / "work")
    parser.add_argument("--sitegen-python", metavar="PYTHON")
    args = parser.parse_args(argv)
    jobs = [int(j) for j in args.jobs.split(",")]
    python = sitegen_python(args.sitegen_python)
    print(f"load average {os.getloadavg()[0]:.2f} at the start; {os.cpu_count()} CPUs", flush=True)
    for size in args.sizes:
        sites = _sites(args.work / f"corpus-{size}", args.layouts)
        key = _corpus_key(size, args.seed)
        stale = {name: site for name, site in sites.items() if _stamped(site).get("key") != key}
        if stale:
            print(f"generating {', '.join(stale)} ({size:,} papers)", flush=True)
            stats = generate.write_corpus(stale, size, args.seed)
            for site in stale.values():
                _stamp(site, {"key": key, "stats": stats})
        print(f"\n{size:,} papers: load wall s, median (min) of {args.repeat}; CPU s median; of the stage")
        print(
            "alone, medians: its CPU s here + in its workers, the cores it kept busy, others' CPU s meanwhile"
        )
        runs = " | ".join(f"-j{j}" for j in jobs)
        print(f"| layout | {runs} | -j{jobs[-1]} / -j{jobs[0]} | CPU | stage CPU | cores | others' CPU |")
        print(f"|---|{'---:|' * len(jobs)}---:|---|---|---|---|")
        for name, site in sites.items():
            _warm(site)
            loads: dict[int, list[Load]] = {j: [] for j in jobs}
            for _ in range(args.repeat):
                for j in jobs:
                    loads[j].append(Load(*load_once(python, site, j)))
            shutil.rmtree(site / ".sitegen-cache", ignore_errors=True)
            walls = {j: [load.wall for load in loads[j]] for j in jobs}
            cells = [f"{statistics.median(walls[j]):.2f} ({min(walls[j]):.2f})" for j in jobs]
            ratio = statistics.median(walls[jobs[-1]]) / statistics.median(walls[jobs[0]])
            cpu = " / ".join(f"{statistics.median(load.cpu for load in loads[j]):.2f}" for j in jobs)
            print(
                f"| `{name}` | {' | '.join(cells)} | {ratio:.2f} | {cpu} | {_stage(loads, jobs)} |",
                flush=True,
            )
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"load average {os.getloadavg()[0]:.2f} at the end; {when}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
