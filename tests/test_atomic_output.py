"""output/ is always a whole site: builds killed at any moment leave the old
or the new one, and the next build repairs and reports truthfully."""

from __future__ import annotations

import collections
import contextlib
import errno
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from sitegen.build import build
from sitegen.writer import spare_of
from tests.sitekit import paper, tree, write_site

KILLS = 32

VERSIONS = {
    "a": [
        paper(f"p{i}", f"2025-03-{10 + i % 4:02d}", tags=[f"t{i % 3}"], abstract=f"Old {i}.")
        for i in range(30)
    ],
    # an edited paper, a deleted one, a new one, and a new tag
    "b": [
        paper(f"p{i}", f"2025-03-{10 + i % 4:02d}", tags=[f"t{i % 3}"], abstract=f"Old {i}.")
        for i in range(1, 30)
    ]
    + [paper("p30", "2025-03-20", tags=["fresh"], abstract="New.")],
}
VERSIONS["b"][4]["abstract"] = "Rewritten."


def set_content(site: Path, version: str) -> None:
    text = yaml.safe_dump(VERSIONS[version], sort_keys=False)
    (site / "content/papers/papers.yaml").write_text(text, encoding="utf-8")


def sitegen(site: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "sitegen", "build", "--site", str(site), *args]


def written(stdout: str) -> int:
    found = re.search(r"(\d+) files? written", stdout)
    assert found, stdout
    return int(found.group(1))


def snapshot(out: Path) -> dict[str, bytes] | None:
    return tree(out) if out.exists() else None


@pytest.fixture
def two_versions(tmp_path):
    """A site built as version a then b then a again, with the user's own
    files in output/; the complete tree of each version, and a build's time."""
    site = write_site(tmp_path / "site", VERSIONS["a"], per_page=5)
    out = site / "output"
    out.mkdir()
    (out / "CNAME").write_text("papers.example.org")
    (out / "keep-me").mkdir()
    trees = {}
    for version in ("a", "b", "a"):
        set_content(site, version)
        started = time.perf_counter()
        subprocess.run(sitegen(site, "-q"), check=True)
        seconds = time.perf_counter() - started
        trees.setdefault(version, tree(out))
    assert tree(out) == trees["a"] != trees["b"]
    assert "CNAME" in trees["b"] and (out / "keep-me").is_dir()
    return site, trees, seconds


def repair_and_check(site: Path, trees: dict, left: dict | None, version: str) -> None:
    """The next build makes ``version``'s site, and writes files only if the
    tree it found was not already that site."""
    set_content(site, version)
    done = subprocess.run(sitegen(site), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert tree(site / "output") == trees[version]
    assert (written(done.stdout) == 0) == (left == trees[version]), done.stdout
    assert (site / "output/keep-me").is_dir(), "the user's empty folder is kept"


def test_builds_killed_at_random_moments_leave_the_old_or_the_new_site(two_versions):
    site, trees, seconds = two_versions
    rng = random.Random(20261204)
    current, outcomes = "a", collections.Counter()
    for kill in range(KILLS):
        target = "b" if current == "a" else "a"
        set_content(site, target)
        running = subprocess.Popen(sitegen(site, "-q"))
        time.sleep(rng.uniform(0.0, seconds * 1.2))
        running.kill()
        status = running.wait()
        left = snapshot(site / "output")
        assert left in (trees[current], trees[target]), f"kill {kill}: output/ is neither site"
        outcomes["finished" if status == 0 else "old" if left == trees[current] else "new"] += 1
        # Half the time the user reverts the edit before building again.
        current = target if rng.random() < 0.5 else current
        repair_and_check(site, trees, left, current)
    print(f"\n{KILLS} kills: {dict(outcomes)}")
    assert outcomes["old"] > 0, "some kills should land before the swap"


# Kills at exact points of the commit: before or after the swap, at the nth
# os call of a kind in swap.py (its fallback's renames) or tree.py (links, and
# unlinks of the spare's old files as new ones are written).
KILL_AT = """
import collections, os, signal, sys
from sitegen import cli, swap, tree, writer

def die(*_):
    os.kill(os.getpid(), signal.SIGKILL)

point, real_swap = sys.argv[1], writer.swap
calls = collections.Counter()

class Os:
    def __getattr__(self, name):
        def counted(*args, **kwargs):
            calls[name] += 1
            if point == f"{name}-{calls[name]}":
                die()
            return getattr(os, name)(*args, **kwargs)
        return counted if name in ("rename", "link", "unlink") else getattr(os, name)

if point == "link-5":  # the commit links every unchanged file: no linker made the spare meanwhile
    writer.Writer.link_spare = lambda self: None
if point == "before-swap":
    writer.swap = die
elif point == "after-swap":
    writer.swap = lambda *a: (real_swap(*a), die())
else:
    swap.exchange_in_place = lambda a, b: False
    swap.os = tree.os = Os()
cli.main(["build", "--site", sys.argv[2], "-q"])
"""


@pytest.mark.parametrize("point", ["unlink-3", "link-5", "before-swap", "after-swap", "rename-2", "rename-3"])
def test_a_build_killed_at_each_step_of_its_commit_is_repaired(two_versions, point):
    site, trees, _ = two_versions
    set_content(site, "b")
    if point == "link-5":  # a new spare folder, into which the commit links every unchanged file
        shutil.rmtree(spare_of(site / "output"))
    done = subprocess.run([sys.executable, "-c", KILL_AT, point, str(site)])
    assert done.returncode == -signal.SIGKILL
    left = snapshot(site / "output")
    if point == "rename-2":  # between the fallback's first two renames
        assert left is None, "output/ is missing for a moment, never half done"
        left = trees["b"]  # and the next build finds the new site complete: rolled forward
    else:
        assert left == trees["b" if point in ("after-swap", "rename-3") else "a"]
    # The user reverts the edit: the next build must not take the tree for
    # version a's because the last complete record was a's.
    repair_and_check(site, trees, left, "a")
    repair_and_check(site, trees, trees["a"], "b")


def test_the_fallback_swap_gives_the_same_sites(two_versions, monkeypatch):
    from sitegen import swap

    site, trees, _ = two_versions
    monkeypatch.setattr(swap, "exchange_in_place", lambda a, b: False)
    for version in ("b", "a"):
        set_content(site, version)
        build(site)
        assert tree(site / "output") == trees[version]


def test_unchanged_files_keep_their_inode_and_mtime_and_no_staging_is_left(two_versions):
    site, trees, _ = two_versions
    out = site / "output"
    before = {path: os.stat(out / path) for path in trees["a"]}
    for edit in ("First edit.", "Second edit."):  # the second reuses the spare folder
        papers = [dict(p) for p in VERSIONS["a"]]
        papers[20]["abstract"] = edit
        (site / "content/papers/papers.yaml").write_text(yaml.safe_dump(papers), encoding="utf-8")
        result = build(site)
        assert 0 < result.report.written < 15
        after = {path: os.stat(out / path) for path in tree(out)}
        same = [
            p
            for p in before
            if (after[p].st_ino, after[p].st_mtime_ns) == (before[p].st_ino, before[p].st_mtime_ns)
        ]
        assert "papers/p20/index.html" not in same
        assert "papers/p3/index.html" in same and "CNAME" in same
        assert len(same) == len(before) - result.report.written
        before = after
    assert not list(out.rglob("*sitegen*")), "nothing of sitegen's own is left inside output/"
    assert spare_of(out).is_dir(), "the previous site waits beside output/ for the next build"


def test_a_staging_folder_left_by_an_older_sitegen_is_cleared(two_versions):
    site, trees, _ = two_versions
    (site / "output/.sitegen-staging/papers").mkdir(parents=True)
    (site / "output/.sitegen-staging/papers/x.html").write_text("half")
    set_content(site, "b")
    build(site)
    assert tree(site / "output") == trees["b"]


def test_a_mount_point_output_folder_is_refused_with_a_message(site_factory, tmp_path):
    site = site_factory([paper("a")])
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)])
    if mounted.returncode != 0:
        pytest.skip(CANNOT_MOUNT)
    try:
        done = subprocess.run(sitegen(site, "--output", str(disk)), capture_output=True, text=True)
    finally:
        subprocess.run(["umount", str(disk)], check=True)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "is a mount point" in done.stderr and "mount its parent" in done.stderr


# --- failures are one-line messages, and the previous site stays ----------------


# Real file systems where the system allows (root with CAP_SYS_ADMIN: a VM, a
# privileged container); the same failures are also raised by hand below, so
# that a container without that privilege still tests every message.
CANNOT_MOUNT = "mounting needs CAP_SYS_ADMIN; the monkeypatched tests cover the same failures"


@contextlib.contextmanager
def mount(target: Path, *options: str, then: tuple[str, ...] = ()):
    """``mount ... target`` (and ``then`` options, a remount) for the block;
    the tests run as root, as in CI's container."""
    for args in (options, then) if then else (options,):
        done = subprocess.run(["mount", *args, str(target)], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"{CANNOT_MOUNT}: {done.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", str(target)], check=True)


def fails_in_one_line(site: Path, *args: str) -> str:
    done = subprocess.run(sitegen(site, *args), capture_output=True, text=True)
    assert done.returncode == 1, done.stdout
    assert "Traceback" not in done.stderr
    first, summary = done.stderr.splitlines()
    assert summary.startswith("error: 1 problem found")
    return first


def test_a_full_disk_is_a_message_and_the_previous_site_stays(site_factory, tmp_path):
    site = site_factory([paper("a")])
    disk = tmp_path / "disk"
    disk.mkdir()
    with mount(disk, "-t", "tmpfs", "-o", "size=400k", "tmpfs"):
        subprocess.run(sitegen(site, "--output", str(disk / "public"), "-q"), check=True)
        before = tree(disk / "public")
        long = "A long abstract. " * 200
        (site / "content/papers/papers.yaml").write_text(
            yaml.safe_dump([paper(f"p{i}", abstract=long) for i in range(200)]), encoding="utf-8"
        )
        message = fails_in_one_line(site, "--output", str(disk / "public"))
        assert message.startswith(f"{disk}/public/") and message.endswith("No space left on device")
        assert tree(disk / "public") == before


@pytest.mark.parametrize("where", ["output", "cache"])
def test_a_read_only_output_or_cache_is_a_message_and_the_previous_site_stays(site_factory, tmp_path, where):
    site = site_factory([paper("a")])
    public = tmp_path / "public"
    public.mkdir()
    subprocess.run(sitegen(site, "--output", str(public / "site"), "-q"), check=True)
    before = tree(public / "site")
    set_content(site, "a")
    frozen = public if where == "output" else site / ".sitegen-cache"
    with mount(frozen, "--bind", str(frozen), then=("-o", "remount,bind,ro")):
        message = fails_in_one_line(site, "--output", str(public / "site"))
    assert message.endswith("Read-only file system") and str(frozen) in message
    assert tree(public / "site") == before


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EDQUOT])
@pytest.mark.parametrize("where", ["page", "record"])
def test_a_failing_write_is_a_message_and_the_previous_site_stays(site_factory, monkeypatch, code, where):
    from sitegen import tree as files
    from sitegen import writer
    from sitegen.errors import OutputError

    site = site_factory([paper("a")])
    build(site)
    before = tree(site / "output")
    set_content(site, "b")

    def refused(path, *_):
        raise OSError(code, os.strerror(code), str(path))

    if where == "page":
        monkeypatch.setattr(files, "write_file", refused)
    else:  # the record in .sitegen-cache/, written just before the swap
        monkeypatch.setattr(writer, "save_manifest", refused)
    with pytest.raises(OutputError) as caught:
        build(site)
    (problem,) = caught.value.problems
    place = f"{site}/output/" if where == "page" else f"{site}/.sitegen-cache/manifest-"
    assert str(problem).startswith(place) and str(problem).endswith(os.strerror(code))
    assert tree(site / "output") == before


def test_a_mount_point_is_refused_before_anything_is_written(site_factory, monkeypatch):
    from sitegen import swap
    from sitegen.errors import OutputError

    site = site_factory([paper("a")])
    output = site / "output"
    monkeypatch.setattr(swap.os.path, "ismount", lambda path: Path(path) == output)
    output.mkdir()
    with pytest.raises(OutputError, match="is a mount point"):
        build(site)
    assert not list(output.iterdir()) and not spare_of(output).exists()


@pytest.mark.parametrize(
    ("template", "text", "says"),
    [
        ("_card.html", "<article>\n{{ 1/0 }}", "ZeroDivisionError: division by zero"),
        ("paper.html", "<main>\n{{ paper.no_such.deeper }}", "'no_such'"),
    ],
)
@pytest.mark.parametrize("workers", [1, 2])
def test_a_template_that_fails_while_rendering_names_its_file_and_line(
    site_factory, monkeypatch, template, text, says, workers
):
    from sitegen import parallel
    from sitegen.errors import ThemeError

    monkeypatch.setattr(parallel, "PARALLEL_THRESHOLD", 0)  # workers even for a small site
    site = site_factory(VERSIONS["a"])
    build(site)
    before = tree(site / "output")
    (site / "templates").mkdir()
    (site / "templates" / template).write_text(text, encoding="utf-8")
    set_content(site, "b")
    with pytest.raises(ThemeError) as caught:
        build(site, workers=workers)
    (problem,) = caught.value.problems
    assert (problem.path, problem.line) == (str(site / "templates" / template), 2)
    assert says in problem.message
    assert tree(site / "output") == before


def test_a_template_error_is_one_line_from_the_command(site_factory):
    site = site_factory([paper("a")])
    (site / "templates").mkdir()
    (site / "templates/_card.html").write_text("{{ 1/0 }}")
    message = fails_in_one_line(site)
    assert message.endswith("_card.html:1: template error: ZeroDivisionError: division by zero")


def test_an_output_folder_that_is_a_symlink_stays_one(site_factory, tmp_path):
    site = site_factory([paper("a")])
    (tmp_path / "www/html").mkdir(parents=True)
    (site / "output").symlink_to(tmp_path / "www/html")
    for version in ("a", "b"):
        set_content(site, version)
        build(site)
        assert (site / "output").is_symlink() and (site / "output").resolve() == tmp_path / "www/html"
        assert tree(site / "output") == tree(tmp_path / "www/html") != {}
    assert "papers/p30/index.html" in tree(tmp_path / "www/html")


@pytest.mark.parametrize("point", ["before-swap", "after-swap"])
def test_a_cold_build_killed_around_its_swap_leaves_no_site_or_all_of_it(tmp_path, point):
    """A cold build into a missing output/ killed before its swap leaves none,
    after it the whole site; the next builds make the right sites (the first
    of them with a spare it links itself: tests/test_sparelink.py)."""
    site = write_site(tmp_path / "site", VERSIONS["a"], per_page=5)
    set_content(site, "a")
    reference = {version: tmp_path / f"ref-{version}" for version in VERSIONS}
    for version, folder in reference.items():
        set_content(site, version)
        build(site, folder)
    set_content(site, "a")
    out = site / "output"
    done = subprocess.run([sys.executable, "-c", KILL_AT, point, str(site)])
    assert done.returncode == -signal.SIGKILL
    assert snapshot(out) == (tree(reference["a"]) if point == "after-swap" else None)
    for version in ("a", "b", "a"):
        set_content(site, version)
        subprocess.run(sitegen(site, "-q"), check=True)
        assert tree(out) == tree(reference[version])
        assert not (site / ".output.sitegen-twin").exists()
    assert spare_of(out).is_dir()
