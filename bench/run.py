"""sitegen vs Hugo vs Pelican on the same synthetic papers, in every layout users write.

    python bench/run.py --sizes 10000 [--layouts day-sitegen,paper-json] [--peers hugo,pelican] [--repeat 1]

For each size: generate the papers (bench/generate.py) once as a sitegen site
per layout (bench/layouts.py) and as a Hugo and a Pelican site under
bench/work/, then for each layout time, as separate child processes,

    sitegen cold        empty output folder, .sitegen-cache deleted
    sitegen no-change   the same build again (also counts files whose mtime changed)
    sitegen one-edit    one abstract edited in the layout's own format, then build
    sitegen edit-again  the same abstract edited again, then build (the spare exists)
    hugo cold           empty public folder and cache
    pelican cold        empty output folder, content caching off

so each layout's sitegen builds are compared with the peers' builds right after
them. Each child is reaped with os.wait4, so its own rusage gives user+sys CPU
and peak RSS; a sampler adds up the PSS of all its processes. Every build has a
timeout. A table with a row per layout goes to stdout and bench/results/latest.md,
the raw numbers to bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import generate  # bench/generate.py, beside this file
import layouts
import options
from measure import BENCH, REPO, SET_ASIDE, Run, fill_tree, measure, remove, scan, set_aside, touched
from report import checks_for, combine, machine, record, report, size_section, summary_table
from tools import PEERS, Tools, detect_tools, peer_command, sitegen_command, sitegen_python


def _sites(root: Path, names: list[str]) -> dict[str, Path]:
    """Site folders under root: sitegen-<layout> for a layout, the peer's name for a peer."""
    return {name: root / (name if name in PEERS else f"sitegen-{name}") for name in names}


# --- one size ---------------------------------------------------------------


def bench_size(
    size: int, args: argparse.Namespace, tools: Tools, failures: list[Run]
) -> tuple[list[Run], dict]:
    corpus, outs = args.work / f"corpus-{size}", args.work / f"out-{size}"
    logs = args.work / "logs"
    sites = _sites(corpus, [*args.layouts, *args.peers])
    key = _corpus_key(size, args.seed)
    stale = {name: site for name, site in sites.items() if _stamped(site).get("key") != key}
    started = time.perf_counter()
    if stale:
        print(f"\n== {size:,} papers: generating {', '.join(stale)} in {corpus}", flush=True)
        stats = generate.write_corpus(stale, size, args.seed)
        for site in stale.values():
            _stamp(site, {"key": key, "stats": stats})
    else:
        print(f"\n== {size:,} papers: the corpus in {corpus} is this generator's, kept", flush=True)
    stats = dict(_stamped(next(iter(sites.values())))["stats"])
    stats["seconds"] = round(time.perf_counter() - started, 2)
    stats["content_files"] = {
        layout: sum(1 for _ in (sites[layout] / "content" / "papers").glob("*/*.*"))
        for layout in args.layouts
    }
    print(
        f"   {stats['papers']:,} papers, {stats['days']} days, {stats['authors']:,} authors, "
        f"{stats['math']} with math; {stats['seconds']} s",
        flush=True,
    )
    runs: list[Run] = []
    for repeat in range(args.repeat):
        for layout in args.layouts:
            site, out = sites[layout], outs / f"sitegen-{layout}"
            runs += sitegen_scenarios(size, layout, site, out, stats, repeat, args, tools, failures)
            for peer in args.peers:
                run = _peer_cold(peer, layout, size, sites[peer], outs / peer, tools, args, logs)
                runs.append(record(run, failures))
    return runs, stats


def sitegen_scenarios(
    size: int,
    layout: str,
    site: Path,
    out: Path,
    stats: dict,
    repeat: int,
    args: argparse.Namespace,
    tools: Tools,
    failures: list[Run],
) -> list[Run]:
    """Cold, no-change, one-edit and edit-again builds of one layout's site."""
    logs, command = args.work / "logs", sitegen_command(site, out, tools, args)
    runs: list[Run] = []

    def build(scenario: str, before: dict[str, tuple[int, int]] | None) -> Run:
        run = measure(Run("sitegen", scenario, size, command, layout), REPO, logs, args.timeout)
        run.code_changed = tools.fingerprint() != code
        after = scan(out)
        fill_tree(run, after)
        if before is not None:
            paths = touched(before, after)
            run.touched = len(paths)
            run.touched_paths = [os.path.relpath(path, out) for path in paths[:50]]
        runs.append(record(run, failures))
        return run

    # (a) cold: no output, no spare folder beside it (the previous site, kept to be
    # brought up to date), no cache
    set_aside(out, args.work)
    set_aside(out.with_name(f".{out.name}.sitegen-spare"), args.work)
    remove(site / ".sitegen-cache")
    settle(layout, site, tools, args)
    code = tools.fingerprint()
    if not build("cold", None).ok:
        return runs
    # (b) nothing changed: nothing should be written
    build("no-change", scan(out))
    # (c) one abstract edited, in the layout's own format, as a person fixing a typo would
    form, when = layouts.LAYOUTS[layout], datetime.now().isoformat()
    day, paper = stats["edit_day"], stats["edit_id"]
    stamp = _stamped(site)
    (site / STAMP).unlink()  # an edit left by a killed run makes the corpus be written again
    edited = layouts.edit_one_abstract(site, form, day, paper, f"bench run {when} #{repeat + 1}")
    try:
        stats.setdefault("edited_files", {})[layout] = str(edited.path.relative_to(site))
        build("one-edit", scan(out))
        # (d) the same paper edited again: a rebuild that finds the spare the one-edit
        # build left (the steady state of editing and rebuilding)
        before = scan(out)
        edited.path.write_text(edited.original, encoding="utf-8")
        layouts.edit_one_abstract(site, form, day, paper, f"bench run {when} #{repeat + 1}b")
        build("edit-again", before)
    finally:
        # Undone, so that every repeat's cold build reads the same corpus.
        edited.path.write_text(edited.original, encoding="utf-8")
        _stamp(site, stamp)
    return runs


STAMP = ".bench-corpus.json"  # in each generated site: which generator and arguments wrote it


def _corpus_key(size: int, seed: int) -> str:
    """Changes with the arguments and with any of the generator's source files."""
    digest = hashlib.blake2b(f"{size} {seed}".encode(), digest_size=12)
    for name in ("generate.py", "corpus.py", "words.py", "layouts.py", "peer_sites.py"):
        digest.update((BENCH / name).read_bytes())
    for path in sorted((BENCH / "peers").rglob("*")):  # the peers' layouts, templates, plugin
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(f"{path.relative_to(BENCH)}\0".encode() + path.read_bytes())
    return digest.hexdigest()


def _stamped(site: Path) -> dict:
    try:
        return json.loads((site / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _stamp(site: Path, stamp: dict) -> None:
    (site / STAMP).write_text(json.dumps(stamp, default=str), encoding="utf-8")


def _peer_cold(
    peer: str,
    layout: str,
    size: int,
    site: Path,
    out: Path,
    tools: Tools,
    args: argparse.Namespace,
    logs: Path,
) -> Run:
    """A peer's cold build, paired with the layout whose sitegen builds ran just before it."""
    set_aside(out, args.work)
    settle(peer, site, tools, args)
    command, env = peer_command(peer, site, out, tools, args)
    run = measure(Run(peer, "cold", size, command, layout), site, logs, args.timeout, env)
    fill_tree(run, scan(out))
    return run


WARM_UP_PAPERS = 100


def settle(name: str, site: Path, tools: Tools, args: argparse.Namespace) -> None:
    """Give every cold build the same start: dirty pages written out, the
    kernel's page cache and its cached inodes and dentries dropped, the tool's
    own code loaded back by an untimed build of a 100-paper site, and the
    build's input files read back in.

    On the VMs these numbers were taken on, creating files slows down 3-10x as
    the kernel's caches grow (15,000 folders with a file each: ~1 s just after
    a drop, 4-13 s after a few builds), so without this a build's time depends
    on what ran before it. Cached inodes count too: the kernel's inode hash
    table has a fixed number of buckets (65,536 here), and every new file
    walks one; with the millions of inodes earlier builds and tree scans leave
    cached, that walk was 6.6% of the samples perf took in a 10k build. Needs root;
    otherwise the report says so.
    """
    os.sync()
    if args.cache_drop == "yes":
        try:
            Path("/proc/sys/vm/drop_caches").write_text("3\n")  # page cache, dentries and inodes
        except OSError as exc:
            args.cache_drop = f"not permitted ({exc.strerror})"
            print(f"   warning: cannot drop the kernel caches ({exc.strerror}); timings depend on run order")
        else:
            _warm_up(name, tools, args)
    for path in site.rglob("*"):
        if path.is_file():
            path.read_bytes()


def _warm_up(name: str, tools: Tools, args: argparse.Namespace) -> None:
    """An untimed build of the 100-paper site of this layout or peer (made at the start of the run)."""
    site = _sites(args.work / "corpus-warm-up", [name])[name]
    out = args.work / "out-warm-up" / site.name
    remove(out)
    if name in PEERS:
        (command, env), cwd = peer_command(name, site, out, tools, args), site
    else:
        remove(site / ".sitegen-cache")
        command, env, cwd = sitegen_command(site, out, tools, args), None, REPO
    subprocess.run(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    )


# --- main -------------------------------------------------------------------


def _lock(work: Path) -> None:
    """Two runs in one work folder would regenerate and edit each other's corpora mid-build."""
    lock = open(work / ".run.lock", "a+")  # held until the process exits
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.seek(0)
        holder = lock.read().strip() or "another process"
        sys.exit(
            f"error: {work} is in use by another bench/run.py ({holder}); wait for it or pass --work DIR"
        )
    lock.seek(0)
    lock.truncate()
    lock.write(f"pid {os.getpid()}")
    lock.flush()
    _KEPT.append(lock)


_KEPT: list = []  # the lock file, open until the process exits


def _with_pyyaml(args: argparse.Namespace, argv: list[str]) -> None:
    """The safe_dump layouts are written and edited with PyYAML: if this Python has
    none, run again under sitegen's (which has it, as a dependency)."""
    if importlib.util.find_spec("yaml") is not None:
        return
    python = sitegen_python(args.sitegen_python)
    if Path(python).resolve() == Path(sys.executable).resolve():
        sys.exit("error: the safe_dump layouts need PyYAML; install it or pass --layouts without them")
    print(f"(no PyYAML here: running under {python})", flush=True)
    os.execv(python, [python, str(Path(__file__).resolve()), *argv])


def main(argv: list[str] | None = None) -> int:
    parser = options.parser(__doc__)
    args = parser.parse_args(argv)
    args.argv = sys.argv[1:] if argv is None else list(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    _with_pyyaml(args, args.argv)
    args.cache_drop = "no (--keep-caches)" if args.keep_caches else "yes"
    args.work = args.work.resolve()
    args.work.mkdir(parents=True, exist_ok=True)
    _lock(args.work)

    # Tools run as installed ones do: with their bytecode cached (pip compiles it
    # on install; a checkout writes __pycache__ on its first run). With this set,
    # a checkout's modules compiled from source on every build (~0.13 s for sitegen).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    tools = detect_tools(args)
    host = machine()
    print("\n".join(f"{k}: {v}" for k, v in {**host, **tools.versions}.items()), flush=True)
    # The warm-up sites (see settle), made anew so they match this generator.
    generate.write_corpus(_sites(args.work / "corpus-warm-up", [*args.layouts, *args.peers]), WARM_UP_PAPERS)

    failures: list[Run] = []
    sections: list[str] = []
    raw: dict = {"machine": host, "versions": tools.versions, "sizes": {}}
    try:
        for size in args.sizes:
            runs, stats = bench_size(size, args, tools, failures)
            sections.append(size_section(size, args.layouts, runs, stats, args))
            combined = combine(runs)
            raw["sizes"][str(size)] = {
                "corpus": stats,
                "runs": [{**asdict(r), "cpu": r.cpu} for r in runs],
                "targets": {
                    layout: checks_for(size, layout, combined, args.peers) for layout in args.layouts
                },
            }
            print(
                f"\n### {size:,} papers\n\n" + summary_table(size, args.layouts, runs, args.peers), flush=True
            )
    finally:
        # Deleted only now, after every timed build (see set_aside).
        remove(args.work / SET_ASIDE)

    text = report(args, tools, host, sections, failures)
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "latest.md").write_text(text, encoding="utf-8")
    (args.results / "latest.json").write_text(json.dumps(raw, indent=1, default=str) + "\n", encoding="utf-8")
    print(f"wrote {args.results / 'latest.md'} and latest.json")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
