"""Timing one build: a child process in its own session, its CPU, memory and output tree."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent


@dataclass
class Run:
    tool: str
    scenario: str
    size: int
    command: list[str]
    layout: str = ""  # sitegen's content layout; for a peer, the layout whose builds it followed
    wall: float = 0.0
    user: float = 0.0
    sys: float = 0.0
    maxrss_kib: int = 0  # ru_maxrss of the child (largest process of its tree that it waited for)
    pss_kib: int = 0  # sampled peak of the summed PSS (shared pages split) of the child's session
    processes: int = 0  # most processes seen at once in the child's session
    pss_samples: int = 0  # how many times the sampler summed the PSS (every 0.1 s or less often)
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
    def memory_kib(self) -> int:
        """The summed PSS of the process tree, or the largest process's peak RSS if that is more
        (a spike between two samples is missed by the one and caught by the other)."""
        return max(self.pss_kib, self.maxrss_kib)

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
        self.samples = 0
        self._done = threading.Event()
        self._page_kib = os.sysconf("SC_PAGE_SIZE") // 1024

    def run(self) -> None:
        wait = self.interval
        while not self._done.wait(wait):
            started = time.perf_counter()
            self.sample()
            # Reading smaps_rollup walks a process's page tables: ~15 ms for a 700 MB
            # process on a quiet machine, 150 ms on a busy one. Sampling less often
            # then keeps the sampler under ~10% of one core, off the build it measures.
            wait = max(self.interval, 9 * (time.perf_counter() - started))
            self.samples += 1

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
    stem = logs / f"{run.size}-{run.layout}-{run.tool}-{run.scenario}"
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
    run.pss_kib, run.pss_samples = sampler.peak_kib, sampler.samples
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


def fill_tree(run: Run, tree: dict[str, tuple[int, int]]) -> None:
    run.files = len(tree)
    run.bytes = sum(size for size, _ in tree.values())


def remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


SET_ASIDE = "set-aside"  # in the work folder: earlier outputs, deleted when the run ends


def set_aside(path: Path, work: Path) -> None:
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
