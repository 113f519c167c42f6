"""One build at a time per site and output folder (not per parent folder); workers die with their build."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from sitegen.lock import BuildLock, out_lock_of
from tests.sitekit import paper, tree, write_site

HOLD = """
import sys, time
from pathlib import Path
from sitegen.lock import BuildLock
with BuildLock(Path(sys.argv[1]), Path(sys.argv[2]), print):
    print("held", flush=True)
    time.sleep(60)
"""


def build_command(site: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "sitegen", "build", "--site", str(site), *args]


def hold_lock(site: Path) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(site / ".sitegen-cache"), str(site / "output")],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline() == "held\n"
    return holder


def test_a_second_build_waits_for_the_first_and_says_so(site_factory):
    site = site_factory([paper("a")])
    holder = hold_lock(site)
    waiting = subprocess.Popen(build_command(site), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    assert waiting.poll() is None, "the second build must not run while the first holds the lock"
    assert not (site / "output").exists()
    holder.kill()  # the kernel releases a dead process's lock: no stale lock file to clear
    holder.wait()
    out, err = waiting.communicate(timeout=60)
    assert waiting.returncode == 0, err
    assert f"waiting for another build of this site (process {holder.pid}) to finish" in err
    assert "1 paper" in out and (site / "output/index.html").exists()


def test_builds_of_one_output_folder_from_two_sites_take_turns(tmp_path):
    one = write_site(tmp_path / "one", [paper("a", title="From one")])
    two = write_site(tmp_path / "two", [paper("a", title="From two")])
    out = tmp_path / "public"
    with BuildLock(one / ".sitegen-cache", out, print):
        started = subprocess.Popen(
            build_command(two, "--output", str(out)), stderr=subprocess.PIPE, text=True
        )
        time.sleep(1.5)
        assert started.poll() is None
    _, err = started.communicate(timeout=60)
    assert started.returncode == 0 and f"waiting for another build of {out}" in err
    assert "From two" in (out / "papers/a/index.html").read_text()


def test_builds_into_two_folders_of_one_parent_do_not_wait_for_each_other(tmp_path):
    one = write_site(tmp_path / "one", [paper("a", title="From one")])
    two = write_site(tmp_path / "two", [paper("a", title="From two")])
    with BuildLock(one / ".sitegen-cache", tmp_path / "public-one", print):
        done = subprocess.run(
            build_command(two, "--output", str(tmp_path / "public-two")),
            capture_output=True,
            text=True,
            timeout=30,  # the build takes a second or two; waiting for the lock, forever
        )
    assert done.returncode == 0, done.stderr
    assert "waiting" not in done.stderr
    assert "From two" in (tmp_path / "public-two/papers/a/index.html").read_text()


def test_the_output_lock_is_one_file_beside_the_output_folder_holding_the_builds_pid(tmp_path):
    site = write_site(tmp_path / "site", [paper("a")])
    with BuildLock(site / ".sitegen-cache", tmp_path / "public", print):
        assert (tmp_path / ".public.sitegen-lock").read_text() == str(os.getpid())
        # The same folder named another way is the same lock.
        assert out_lock_of(tmp_path / "x" / ".." / "public") == tmp_path / ".public.sitegen-lock"
    assert not (tmp_path / "x").exists()


def test_a_build_leaves_no_lock_file_beside_its_output(tmp_path):
    site = write_site(tmp_path / "site", [paper("a")])
    done = subprocess.run(
        build_command(site, "--output", str(tmp_path / "public")), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public", "site"]  # a cold build: no spare


HOLD_OUTPUT = """
import sys, time
from pathlib import Path
from sitegen.lock import BuildLock
with BuildLock(Path(sys.argv[1]), Path(sys.argv[2]), lambda text: print(text, flush=True)):
    print("held", flush=True)
    time.sleep(60)
"""


def hold_output(cache: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", HOLD_OUTPUT, str(cache), str(out)], stdout=subprocess.PIPE, text=True
    )


def test_a_build_that_waited_on_a_lock_file_unlinked_meanwhile_waits_for_the_new_ones_holder(tmp_path):
    out = tmp_path / "public"
    first = hold_output(tmp_path / "c1", out)
    assert first.stdout.readline() == "held\n"
    waiter = hold_output(tmp_path / "c2", out)
    assert waiter.stdout.readline().startswith("waiting for another build of")
    # As a build ending unlinks its lock file and a third starts: the waiter holds
    # the old file's descriptor, the third a new file at the same name.
    out_lock_of(out).unlink()
    third = hold_output(tmp_path / "c3", out)
    assert third.stdout.readline() == "held\n"
    first.kill()
    first.wait()
    try:
        time.sleep(1.5)
        assert waiter.poll() is None
        ready, _, _ = select.select([waiter.stdout], [], [], 0)
        assert not ready, "the waiter went on while the third build held the output's lock"
        third.kill()
        third.wait()
        assert waiter.stdout.readline() == "held\n"
    finally:
        for process in (first, waiter, third):
            process.kill()
            process.wait()


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry))
    return found


def running_state(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie is dead, waiting only to be reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def test_render_workers_stop_when_their_build_is_killed(tmp_path):
    papers = [paper(f"p{i}", f"2025-03-{1 + i % 28:02d}", authors=[f"A {i}"]) for i in range(700)]
    site = write_site(tmp_path / "site", papers)
    # Slow pages, so that the workers are mid-task when the build dies: an idle
    # pool worker would stop anyway, when its task pipe closes.
    (site / "templates").mkdir()
    (site / "templates/paper.html").write_text("{% for i in range(2000000) %}{% endfor %}{{ paper.title }}")
    running = subprocess.Popen(build_command(site, "-j", "3", "-q"))
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while time.monotonic() < deadline and len(workers) < 2 and running.poll() is None:
        workers = children_of(running.pid)
        time.sleep(0.01)
    time.sleep(0.5)  # into their first run of pages
    assert len(workers) >= 2, "the build should have forked workers"
    running.send_signal(signal.SIGKILL)
    running.wait()
    time.sleep(0.5)
    alive = [pid for pid in workers if running_state(pid)]
    assert not alive, f"workers {alive} outlived their build"
    # and nothing stops the next build: no lock held by an orphan
    (site / "templates/paper.html").unlink()
    done = subprocess.run(build_command(site, "-q"), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    pages = [p for p in tree(site / "output") if p.startswith("papers/") and p.endswith("/index.html")]
    assert len(pages) == 700
