"""Kill real builds of a large site at random moments; check output/ every time.

    python tests/slow/kill_builds.py --papers 10000 --kills 30

Generates a corpus with bench/generate.py, makes a second version of it (some
titles edited, a paper removed, a day file added), builds each once to know
its complete tree, then again and again: starts a build towards the other
version, SIGKILLs it after a random delay, and checks that output/ is the
complete old or the complete new tree, byte for byte; that no worker outlived
the build; then (half the time after reverting the edit, as a user might)
builds to completion and checks that the tree is right and that the build
wrote files exactly when the tree it found was not already the right one.
Every fifth run starts from no output at all (a cold build). Exits 1 on the
first violation; prints a summary at the end. Not part of the pytest run:
it takes minutes (tests/test_atomic_output.py does the same on a small site).
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import os
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def digest_tree(folder: Path) -> dict[str, str] | None:
    """Relative path -> digest of every file below ``folder`` (None if it is missing)."""
    if not folder.exists():
        return None
    found = {}
    for root, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as handle:
                found[os.path.relpath(path, folder)] = hashlib.blake2b(
                    handle.read(), digest_size=16
                ).hexdigest()
    return found


def sitegen(site: Path) -> list[str]:
    return [sys.executable, "-m", "sitegen", "build", "--site", str(site)]


def environment() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(REPO))


def make_versions(work: Path, papers: int) -> tuple[Path, dict[str, dict[str, bytes]]]:
    """The site folder, and for each version the content files that differ."""
    corpus = work / "corpus"
    if not (corpus / "sitegen/site.yaml").exists():
        subprocess.run(
            [sys.executable, str(REPO / "bench/generate.py"), "--papers", str(papers)]
            + ["--targets", "sitegen", "--out", str(corpus)],
            check=True,
        )
    site = work / "site"
    shutil.rmtree(site, ignore_errors=True)
    shutil.copytree(corpus / "sitegen", site)
    files = sorted(site.glob("content/papers/*/*.yaml"))
    a: dict[str, bytes] = {}
    b: dict[str, bytes] = {}
    for path in files[:: max(1, len(files) // 5)]:  # five day files, titles edited
        name = str(path.relative_to(site))
        a[name] = path.read_bytes()
        b[name] = a[name].replace(b'title: "', b'title: "Edited ', 3)
    last = files[-1]  # its last paper removed
    name = str(last.relative_to(site))
    a[name] = last.read_bytes()
    b[name] = a[name][: a[name].rindex(b"\n- id:") + 1]
    extra = "content/papers/extra.yaml"  # a day file added
    a[extra] = b""
    b[extra] = a[name][a[name].rindex(b"\n- id:") + 1 :].replace(b'id: "', b'id: "9', 1)
    return site, {"a": a, "b": b}


def set_version(site: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        path = site / name
        if data:
            path.write_bytes(data)
        else:
            path.unlink(missing_ok=True)


def _stat(pid: str) -> list[str]:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return []


def runs(pid: int) -> bool:
    """Whether ``pid`` is alive (a zombie only waits to be reaped)."""
    fields = _stat(str(pid))
    return bool(fields) and fields[0] not in ("Z", "X")


def children_of(pid: int) -> list[int]:
    return [int(e) for e in os.listdir("/proc") if e.isdigit() and _stat(e)[1:2] == [str(pid)]]


def build(site: Path) -> tuple[int, float]:
    started = time.perf_counter()
    done = subprocess.run(sitegen(site), capture_output=True, text=True, env=environment())
    if done.returncode != 0:
        sys.exit(f"build failed: {done.stderr}")
    found = re.search(r"(\d+) files? written", done.stdout)
    assert found, done.stdout
    return int(found.group(1)), time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=10000)
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=REPO / "bench/work/kill-builds")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    args.work.mkdir(parents=True, exist_ok=True)
    site, versions = make_versions(args.work, args.papers)
    out = site / "output"
    trees, seconds = {}, {}
    for version in ("a", "b", "a"):
        set_version(site, versions[version])
        _, seconds[version] = build(site)
        trees.setdefault(version, digest_tree(out))
    assert digest_tree(out) == trees["a"] != trees["b"], "version a's build is not repeatable"
    shutil.rmtree(out)
    set_version(site, versions["a"])
    _, cold = build(site)
    files = len(trees["a"])
    print(f"{args.papers} papers: {files} files; cold build {cold:.1f} s, rebuild {seconds['a']:.1f} s")
    current, outcomes = "a", collections.Counter()
    for run in range(args.kills):
        target = "b" if current == "a" else "a"
        set_version(site, versions[target])
        start_cold = run % 5 == 4
        if start_cold:
            shutil.rmtree(out)
        before = None if start_cold else trees[current]
        running = subprocess.Popen(sitegen(site), stdout=subprocess.DEVNULL, env=environment())
        delay = rng.uniform(0, 1.2 * (cold if start_cold else seconds["a"]))
        time.sleep(delay)
        workers = children_of(running.pid)
        running.kill()
        status = running.wait()
        time.sleep(0.2)
        survivors = [pid for pid in workers if runs(pid)]
        left = digest_tree(out)
        kind = "cold" if start_cold else "rebuild"
        if left not in (before, trees[target]):
            print(f"run {run}: output/ is neither the old nor the new site after {delay:.2f} s")
            return 1
        if survivors:
            print(f"run {run}: workers {survivors} outlived the killed build")
            return 1
        outcome = "finished" if status == 0 else "old" if left == before else "new"
        outcomes[f"{kind}: {outcome}"] += 1
        current = target if rng.random() < 0.5 else current  # half the time, the edit is reverted
        set_version(site, versions[current])
        written, _ = build(site)
        if digest_tree(out) != trees[current]:
            print(f"run {run}: the build after the kill did not make the right site")
            return 1
        if (written == 0) != (left == trees[current]):
            found = "the right" if written else "a wrong"
            print(f"run {run}: the build after the kill wrote {written} files over {found} tree")
            return 1
        print(
            f"run {run:2d}: {kind} killed after {delay:5.2f} s: {outcome}; {written} written next", flush=True
        )
        leftovers = [p.name for p in out.iterdir() if "sitegen" in p.name]
        if leftovers:
            print(f"run {run}: sitegen's own files inside output/: {leftovers}")
            return 1
    print(f"{args.kills} kills, all left the old or the new site and were repaired: {dict(outcomes)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
