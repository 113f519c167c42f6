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

import generate
import layouts
import options
from measure import BENCH, REPO
from run import _corpus_key, _sites, _stamp, _stamped
from tools import sitegen_python

# In the child: the build's own calls (sitegen/build.py), up to the end of its "load" stage.
CHILD = """
import sys, time
from pathlib import Path
from sitegen.build import _import_rendering, _parse_cache
from sitegen.config import load_config
from sitegen.gcsettings import build_gc, long_lived
from sitegen.loading import load_papers

site, workers = Path(sys.argv[1]), int(sys.argv[2])
with build_gc():
    config = load_config(site)
    cache = _parse_cache(config)
    start = time.perf_counter()
    with long_lived():
        papers = load_papers(config, cache, workers, meanwhile=_import_rendering)
    took = time.perf_counter() - start
print(f"{took:.4f} {len(papers)}")
"""


def _warm(site: Path) -> None:
    for path in (site / "content").rglob("*"):
        if path.is_file():
            path.read_bytes()


def load_once(python: str, site: Path, workers: int) -> tuple[float, float]:
    """(wall seconds of the load stage, CPU seconds of the child and its workers)."""
    shutil.rmtree(site / ".sitegen-cache", ignore_errors=True)
    child = subprocess.Popen(
        [python, "-c", CHILD, str(site), str(workers)], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    _, status, usage = os.wait4(child.pid, 0)
    out = child.stdout.read() if child.stdout else ""
    if status != 0:
        sys.exit(f"error: the load of {site} with -j{workers} failed (status {status})")
    return float(out.split()[0]), usage.ru_utime + usage.ru_stime


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
        print(f"\n{size:,} papers: load wall s, median (min) of {args.repeat}; CPU s median")
        print(f"| layout | {' | '.join(f'-j{j}' for j in jobs)} | -j{jobs[-1]} / -j{jobs[0]} | CPU |")
        print(f"|---|{'---:|' * len(jobs)}---:|---|")
        for name, site in sites.items():
            _warm(site)
            walls: dict[int, list[float]] = {j: [] for j in jobs}
            cpus: dict[int, list[float]] = {j: [] for j in jobs}
            for _ in range(args.repeat):
                for j in jobs:
                    wall, cpu = load_once(python, site, j)
                    walls[j].append(wall)
                    cpus[j].append(cpu)
            shutil.rmtree(site / ".sitegen-cache", ignore_errors=True)
            cells = [f"{statistics.median(walls[j]):.2f} ({min(walls[j]):.2f})" for j in jobs]
            ratio = statistics.median(walls[jobs[-1]]) / statistics.median(walls[jobs[0]])
            cpu = " / ".join(f"{statistics.median(cpus[j]):.2f}" for j in jobs)
            print(f"| `{name}` | {' | '.join(cells)} | {ratio:.2f} | {cpu} |", flush=True)
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"load average {os.getloadavg()[0]:.2f} at the end; {when}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
