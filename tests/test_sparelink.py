"""The first rebuild after a cold build: a cold build makes no second tree of
links, and the rebuild has its spare linked meanwhile by a forked process
(sparelink.py). The site is right, unchanged files keep their inode and mtime,
and a kill or a failure of the linker or of its build at any point leaves
output/ whole and the next build right."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen import sparelink
from sitegen import tree as tree_ops
from sitegen.build import CACHE_DIR, build
from sitegen.manifest import MANIFEST_VERSION, RecordPaths, dumps, entry
from sitegen.writer import spare_of
from tests.sitekit import tree, write_site
from tests.test_atomic_output import VERSIONS, sitegen, written

USERS = {"CNAME": b"papers.example.org", "keep/notes.txt": b"mine"}
# a: 30 papers; b: one edited, one deleted, one new with a new tag; c: a with one abstract edited
EDITED = [dict(p) for p in VERSIONS["a"]]
EDITED[20]["abstract"] = "An edited abstract."
SITES = {**VERSIONS, "c": EDITED}


def set_content(site: Path, version: str) -> None:
    text = yaml.safe_dump(SITES[version], sort_keys=False)
    (site / "content/papers/papers.yaml").write_text(text, encoding="utf-8")


def cold_reference(site: Path, tmp_path: Path, version: str) -> dict[str, bytes]:
    """``version``'s site built from nothing: a copy of the site without cache or output."""
    copy = tmp_path / f"cold-{version}"
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("output", CACHE_DIR))
    set_content(copy, version)
    build(copy)
    return {**tree(copy / "output"), **USERS, "latest": tree(copy / "output")["index.html"]}


@pytest.fixture
def cold(tmp_path):
    """A site built cold (version a) into a missing output/, then the user's own
    files, a symlink and an empty folder put in output/; and each version's
    site as a cold build makes it, with those files."""
    site = write_site(tmp_path / "site", VERSIONS["a"], per_page=5)
    set_content(site, "a")
    build(site)
    out = site / "output"
    for path, data in USERS.items():
        (out / path).parent.mkdir(exist_ok=True)
        (out / path).write_bytes(data)
    (out / "latest").symlink_to("index.html")
    (out / "empty").mkdir()
    references = {version: cold_reference(site, tmp_path, version) for version in SITES}
    assert tree(out) == references["a"]
    return site, references


def stats(out: Path) -> dict[str, os.stat_result]:
    return {path: os.stat(out / path, follow_symlinks=False) for path in tree(out)}


def kept(before: dict, after: dict) -> set[str]:
    """The paths whose file is the very same (inode and mtime) in both."""
    return {
        p
        for p in before.keys() & after.keys()
        if (before[p].st_ino, before[p].st_mtime_ns) == (after[p].st_ino, after[p].st_mtime_ns)
    }


def check_site(site: Path, references: dict, version: str, before: tuple | None = None) -> None:
    """output/ is ``version``'s site with the user's files; with ``before``
    (the version output/ had, and its stats), every file whose bytes are the
    same in both is still the very same file (inode and mtime)."""
    out = site / "output"
    assert tree(out) == references[version]
    assert (out / "empty").is_dir() and os.readlink(out / "latest") == "index.html"
    if before is not None:
        was, old = before
        same = {p for p in references[was] if references[version].get(p) == references[was][p]}
        assert same and same <= kept(old, stats(out)), "an unchanged file was written anew"


def links_at_commit(monkeypatch) -> list[str]:
    """The paths the commit links itself (tree._link), as the builds go on."""
    linked: list[str] = []
    real = tree_ops._link

    def link(live, spare, path, *rest):
        linked.append(path)
        return real(live, spare, path, *rest)

    monkeypatch.setattr(tree_ops, "_link", link)
    return linked


@pytest.mark.parametrize("ci", ["", "true"])
def test_a_cold_build_makes_no_spare_on_ci_or_not(tmp_path, monkeypatch, ci):
    monkeypatch.setenv("CI", ci)
    site = write_site(tmp_path / "site", VERSIONS["a"], per_page=5)
    set_content(site, "a")
    build(site)
    assert tree(site / "output")
    beside = sorted(p.name for p in site.iterdir() if p.name.startswith(".output."))
    assert beside == [], "no spare or twin: nothing but output/ is written beside it"


def test_a_rebuild_with_nothing_changed_makes_no_spare(cold, monkeypatch):
    site, _ = cold
    started = []

    def start(self, *args):
        started.append(args)
        raise OSError("not started: the build goes on without it")

    monkeypatch.setattr(sparelink.SpareLinker, "__init__", start)
    result = build(site)
    assert result.report.written == 0
    assert started == [], "no linker starts when nothing is built"
    assert not spare_of(site / "output").exists()


def test_the_first_rebuild_links_its_spare_meanwhile_and_makes_the_right_site(cold, monkeypatch):
    """Its commit links no unchanged output: the forked linker did, while the
    build loaded its content. The site equals a cold build of the edit, the
    user's files stay, unchanged files keep inode and mtime, and the previous
    site is left as the next build's spare."""
    site, references = cold
    out = site / "output"
    linked_at_commit = links_at_commit(monkeypatch)
    for was, version in (("a", "c"), ("c", "a")):  # the first rebuild, then one with its spare
        before = was, stats(out)
        set_content(site, version)
        result = build(site)
        check_site(site, references, version, before)
        assert 0 < result.report.written < len(references[version]) / 10
        assert set(linked_at_commit) <= set(USERS) | {"latest"}, "only the user's files are linked at commit"
        linked_at_commit.clear()
        spare = spare_of(out)
        assert set(tree(spare)) == set(before[1]), "the previous site is the next spare"


def test_a_file_gone_from_output_is_written_again(cold):
    site, references = cold
    out = site / "output"
    (out / "papers/p3/index.html").unlink()
    shutil.rmtree(out / "papers/p4")
    set_content(site, "b")
    build(site)
    check_site(site, references, "b")


def in_linker(code: str) -> str:
    """The linker's program, with ``code`` run first in the linker's own process."""
    return f"{code}\n{sparelink.BOOT}"


FAIL_AT_FIFTH_LINK = """
import os
real_link, calls = os.link, []
def link(*a, **k):
    calls.append(a)
    if len(calls) == 5:
        raise OSError({code}, os.strerror({code}), a[1])
    return real_link(*a, **k)
os.link = link
"""


@pytest.mark.parametrize("code", [errno.EMLINK, errno.ENOSPC, errno.EXDEV, errno.EACCES])
def test_a_linker_that_fails_leaves_the_build_to_link_what_it_must(cold, monkeypatch, code):
    """EMLINK (a file linked too often), ENOSPC (no room for a folder): the
    linker gives up part-way, and the build completes the spare itself."""
    site, references = cold
    before = "a", stats(site / "output")
    linked_at_commit = links_at_commit(monkeypatch)
    monkeypatch.setattr(sparelink, "BOOT", in_linker(FAIL_AT_FIFTH_LINK.format(code=code)))
    set_content(site, "b")
    build(site)
    check_site(site, references, "b", before)
    assert len(set(linked_at_commit) - set(USERS)) > 10, "the build linked what the linker did not"


def test_a_build_that_stops_early_stops_its_linker(cold, monkeypatch):
    """A build that fails before it joins its linker (here: --strict's vet)
    kills it and waits for it, so no process of it is left to change the spare
    once the lock is released."""
    site, references = cold
    pids = []
    real_init = sparelink.SpareLinker.__init__

    def start(self, *args):
        real_init(self, *args)
        pids.append(self.pid)

    def refuse(*_):
        raise RuntimeError("vetoed")

    monkeypatch.setattr(sparelink.SpareLinker, "__init__", start)
    # The linker outlives the build unless it is stopped.
    monkeypatch.setattr(sparelink, "BOOT", in_linker("import time; time.sleep(5)"))
    set_content(site, "b")
    with pytest.raises(RuntimeError, match="vetoed"):
        build(site, vet=refuse)
    assert len(pids) == 1
    with pytest.raises(ChildProcessError):
        os.waitpid(pids[0], os.WNOHANG)  # reaped: no longer this process's child
    check_site(site, references, "a")
    monkeypatch.undo()
    build(site)
    check_site(site, references, "b")


# The linker (in its own process) or its build killed at the nth link, or
# once all are made; the build killed after it joined its linker, before begin().
KILL_LINKER = """
import os, signal, sys
from sitegen import cli, sparelink, writer

point, site, linker = sys.argv[1], sys.argv[2], sys.argv[3]
sparelink.BOOT = linker + "\\n" + sparelink.BOOT
if point == "joined":
    writer.Writer.begin = lambda self: (self._join_linker(), os.kill(os.getpid(), signal.SIGKILL))
cli.main(["build", "--site", site, "-q"])
"""
# Run in the linker first (its program: sparelink.BOOT).
KILL_IN_LINKER = """
import os, signal, sys, time
point, n, pid_file = {point!r}, {n}, {pid_file!r}
real_link, calls = os.link, [0]

def counted(*args, **kwargs):
    calls[0] += 1
    if calls[0] == n and point == "linker":
        os.kill(os.getpid(), signal.SIGKILL)
    if calls[0] == n and point == "build":
        open(pid_file, "w").write(str(os.getpid()))
        os.kill(os.getppid(), signal.SIGKILL)
        time.sleep(60)  # killed with its build, else still here
    return real_link(*args, **kwargs)

os.link = counted
if point == "linker-done":
    sys.path.insert(0, sys.argv[1])
    from sitegen import sparelink
    real_tree = sparelink.link_tree

    def linking(*args):
        real_tree(*args)
        os.kill(os.getpid(), signal.SIGKILL)

    sparelink.link_tree = linking
"""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize(
    ("point", "n"),
    [("linker", 1), ("linker", 40), ("linker-done", 0), ("build", 1), ("build", 40), ("joined", 0)],
)
def test_a_kill_of_the_linker_or_its_build_leaves_output_whole(cold, tmp_path, point, n):
    """Killed, the linker leaves its build to complete the spare (the build
    ends right); its build killed, output/ is the old site, the linker dies
    with it, and the next build (which finds a partial spare and no listing)
    makes the right site, linking nothing anew that was already output/'s."""
    site, references = cold
    out = site / "output"
    before = "a", stats(out)
    set_content(site, "b")
    pid_file = tmp_path / "linker.pid"
    linker = KILL_IN_LINKER.format(point=point, n=n, pid_file=str(pid_file))
    done = subprocess.run([sys.executable, "-c", KILL_LINKER, point, str(site), linker], timeout=60)
    if point.startswith("linker"):
        assert done.returncode == 0
        check_site(site, references, "b", before)
    else:
        assert done.returncode == -signal.SIGKILL
        check_site(site, references, "a", before)
        assert tree(out) == references["a"]
    if point == "build":
        linker = int(pid_file.read_text())
        deadline = time.monotonic() + 10
        while alive(linker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(linker), "the linker dies with its build"
    middle = ("b" if point.startswith("linker") else "a"), stats(out)
    finished = subprocess.run(sitegen(site), capture_output=True, text=True, timeout=60)
    assert finished.returncode == 0, finished.stderr
    check_site(site, references, "b", middle)
    assert (written(finished.stdout) == 0) == point.startswith("linker")
    set_content(site, "a")
    build(site)
    check_site(site, references, "a")


# --- link_tree against the reference: exactly the recorded files, as output/'s ----

NAMES = st.sampled_from(["a", "b", "c.html", "d.xml"])
PATHS = st.lists(NAMES, min_size=1, max_size=3).map("/".join)


def plain_tree(paths: set[str]) -> set[str]:
    """The paths that can be files together: none a folder of another."""
    folders = tree_ops.folders_of(paths)
    return {p for p in paths if p not in folders}


def make(root: str, files: dict[str, str | None], live: str, folders: set[str] = frozenset()) -> None:
    """Under ``root``: files, each a link to ``live``'s file of that path (None)
    or a text, and empty ``folders``, as far as they fit together."""
    os.makedirs(root, exist_ok=True)
    for path, text in files.items():
        target = os.path.join(root, path)
        try:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if text is None:
                os.link(os.path.join(live, path), target)
            else:
                Path(target).write_text(text)
        except (FileExistsError, NotADirectoryError, IsADirectoryError):
            pass  # a path another one's folder took
    for folder in folders:
        try:
            os.makedirs(os.path.join(root, folder))
        except (FileExistsError, NotADirectoryError):
            pass


@settings(max_examples=150, deadline=None)
@given(
    live=st.sets(PATHS, max_size=12),
    extra=st.sets(PATHS, max_size=4),
    spare=st.none() | st.dictionaries(PATHS, st.none() | st.just("other"), max_size=10),
    empty=st.sets(PATHS, max_size=3),
)
def test_link_tree_makes_the_spare_exactly_the_recorded_files_linked(live, extra, spare, empty):
    live = plain_tree(live)
    recorded = sorted(plain_tree(live | extra))
    with tempfile.TemporaryDirectory() as root:
        out, spare_dir = f"{root}/out", f"{root}/spare"
        make(out, {p: f"file {p}" for p in live}, out)
        if spare is not None:
            make(spare_dir, {p: t for p, t in spare.items() if t is not None or p in live}, out, empty)
        skipped, folders = sparelink.link_tree(out, spare_dir, recorded)
        files, _, all_folders = tree_ops.walk(spare_dir)
        there = [p for p in recorded if p in live]
        assert sorted(files) == sorted(there)
        assert sorted(skipped) == sorted(set(recorded) - set(there))
        assert sorted(all_folders) == sorted(folders) == sorted(tree_ops.folders_of(recorded))
        assert all(
            folder.rpartition("/")[0] in folders[:i] for i, folder in enumerate(folders) if "/" in folder
        )
        for path in there:
            a, b = os.lstat(f"{out}/{path}"), os.lstat(f"{spare_dir}/{path}")
            assert (a.st_ino, a.st_dev) == (b.st_ino, b.st_dev)


def test_link_tree_never_goes_outside_the_spare(tmp_path):
    out, spare = tmp_path / "out", tmp_path / "spare"
    (out / "a").mkdir(parents=True)
    (out / "a/x.html").write_text("x")
    (tmp_path / "secret").write_text("s")
    bad = ["../secret", "a/../../secret", "/etc/hostname", "a//x.html", "a/"]
    skipped, _ = sparelink.link_tree(str(out), str(spare), ["a/x.html", *bad])
    assert sorted(skipped) == sorted(bad)
    assert tree(spare) == {"a/x.html": b"x"} and sorted(os.listdir(tmp_path)) == ["out", "secret", "spare"]


# --- what the linker reads: exactly the record the build read, or nothing ------

HEAD = {"version": MANIFEST_VERSION, "tree": "1:2", "fingerprint": "f00d"}
ODD_NAMES = ["a b.html", "é/ü.xml", "100%/x", 'q"uote', "back\\slash", "tab\there", "\U0001f600", "+x;y=z&"]
PART = st.text(st.characters(blacklist_characters="/"), min_size=1, max_size=6)


def record(folder: Path, paths, head: dict = HEAD) -> tuple[str, dict[str, str]]:
    """A manifest file naming ``paths``, as a build writes it; and the entries a build holds."""
    held = {path: entry(f"key of {path}", len(path)) for path in paths}
    path = folder / "manifest.json"
    path.write_text(dumps({**head, "papers": 3}, held), encoding="utf-8")
    return str(path), held


@settings(max_examples=200, deadline=None)
@given(st.sets(st.lists(PART, min_size=1, max_size=3).map("/".join), max_size=20))
def test_the_linker_reads_exactly_the_paths_a_record_names(paths):
    """Any names (spaces, quotes, backslashes, unicode, control characters,
    ``%``), as json reads them, in the record's order."""
    with tempfile.TemporaryDirectory() as folder:
        path, held = record(Path(folder), paths | set(ODD_NAMES))
        read = list(RecordPaths(path, HEAD, len(held)))
        assert read == sorted(held) == list(json.loads(Path(path).read_text())["files"])


def test_a_torn_or_foreign_record_is_never_read_whole(tmp_path):
    path, held = record(tmp_path, [f"p{i}/index.html" for i in range(40)] + ODD_NAMES)
    text = Path(path).read_text(encoding="utf-8")
    refused = {
        "another tree": (text, {**HEAD, "tree": "1:3"}, len(held)),
        "another fingerprint": (text, {**HEAD, "fingerprint": "beef"}, len(held)),
        "fewer files than the build's": (text, HEAD, len(held) + 1),
        "more files than the build's": (text, HEAD, len(held) - 1),
        "spaced as json.dumps writes it": (text.replace(",", ", "), HEAD, len(held)),
        "a path twice": (text.replace('"p1/', '"p0/'), HEAD, len(held)),
        "trailing text": (text + "\n", HEAD, len(held)),
    }
    refused |= {f"torn at {n}": (text[:n], HEAD, len(held)) for n in range(0, len(text), 7)}
    for why, (content, head, count) in refused.items():
        Path(path).write_text(content, encoding="utf-8")
        with pytest.raises(ValueError):
            list(RecordPaths(path, head, count))
            pytest.fail(why)
    Path(path).write_text(text, encoding="utf-8")
    assert list(RecordPaths(path, HEAD, len(held))) == sorted(held)


def linker_of(tmp_path: Path, paths, head: dict = HEAD, boot: str = "") -> tuple:
    """output/ with a file at each of ``paths`` and the record of them; a linker
    started on them, the build's entries, and output/'s files before it started."""
    live = tmp_path / "out"
    for path in paths:
        (live / path).parent.mkdir(parents=True, exist_ok=True)
        (live / path).write_text(f"file {path}")
    path, held = record(tmp_path, paths)
    before = stats(live)
    if boot:
        sparelink.BOOT, real = f"{boot}\n{sparelink.BOOT}", sparelink.BOOT
    try:
        linker = sparelink.SpareLinker(str(live), str(tmp_path / "spare"), path, head, held)
    finally:
        if boot:
            sparelink.BOOT = real
    return linker, held, before


def test_the_linker_links_exactly_output_s_recorded_files(tmp_path):
    """Odd names included; a recorded file gone from output/ is skipped."""
    paths = ["index.html", "papers/a b/index.html", *ODD_NAMES[:4], "gone/x.html"]
    linker, held, _ = linker_of(tmp_path, paths)
    (tmp_path / "out/gone/x.html").unlink()
    files, folders = linker.join()
    there = [path for path in held if path != "gone/x.html"]
    assert files == there
    assert sorted(folders) == sorted(tree_ops.folders_of(held))
    assert sorted(tree(tmp_path / "spare")) == sorted(there)
    for path in there:
        a, b = os.lstat(tmp_path / "out" / path), os.lstat(tmp_path / "spare" / path)
        assert (a.st_ino, a.st_dev) == (b.st_ino, b.st_dev)


@pytest.mark.parametrize("change", ["tree", "torn"])
def test_a_linker_given_another_or_a_torn_record_does_nothing_harmful(tmp_path, change):
    """Its build gets no listing from it (and links at its commit); output/ is
    untouched, and nothing is made outside the spare."""
    paths = [f"p{i}/index.html" for i in range(30)]
    head = {**HEAD, "tree": "9:9"} if change == "tree" else HEAD
    boot = ""
    if change == "torn":  # cut short once the linker has started reading it
        boot = "import pathlib, sys; p = pathlib.Path(sys.argv[4]); p.write_text(p.read_text()[:900])"
    linker, _, before = linker_of(tmp_path, paths, head, boot)
    assert linker.join() is None
    out = tmp_path / "out"
    assert tree(out) == {path: f"file {path}".encode() for path in paths}
    assert kept(before, stats(out)) == set(paths)
    assert sorted(os.listdir(tmp_path)) == ["manifest.json", "out", "spare"]
    assert set(tree(tmp_path / "spare")) < set(paths)


def test_the_linker_holds_none_of_the_build_s_memory(tmp_path):
    """A fresh process, not a fork of the build: the build's pages (here 64 MB
    of them) are not mapped into it, so none are copied or counted twice."""
    ballast = b"x" * (64 << 20)
    linker, *_ = linker_of(tmp_path, ["index.html"], boot="import time; time.sleep(3)")
    rss, deadline = 1 << 30, time.monotonic() + 3
    while rss > 40 << 20 and time.monotonic() < deadline:
        status = Path(f"/proc/{linker.pid}/status").read_text()
        rss = int(status.split("VmRSS:")[1].split()[0]) << 10
    linker.stop()
    assert rss < 40 << 20, f"the linker maps {rss >> 20} MB"
    assert ballast


def test_the_linker_holds_the_build_s_lock(tmp_path):
    """Kept through the exec: no other build takes the lock while it lives (lock.py)."""
    import fcntl

    lock = tmp_path / "build.lock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC)
    fcntl.flock(fd, fcntl.LOCK_EX)
    linker, *_ = linker_of(tmp_path, ["index.html"], boot="import time; time.sleep(30)")
    os.close(fd)
    deadline = time.monotonic() + 10  # until the fork has become the linker
    while sparelink.BOOT.encode() not in Path(f"/proc/{linker.pid}/cmdline").read_bytes():
        assert time.monotonic() < deadline
        time.sleep(0.01)
    other = os.open(lock, os.O_RDWR)
    try:
        with pytest.raises(BlockingIOError):
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        linker.stop()
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(other)


def test_the_linker_ends_when_done_not_at_the_join(tmp_path):
    """What it made (here ~150 kB of folder names, more than a pipe holds) goes
    to a file: it exits at once, not holding its memory until the build joins."""
    paths = [f"papers/paper-number-{i:05}/index.html" for i in range(6000)]
    linker, held, _ = linker_of(tmp_path, paths)
    deadline = time.monotonic() + 30
    while alive(linker.pid):
        assert time.monotonic() < deadline, "still there, waiting for its build"
        time.sleep(0.05)
    files, folders = linker.join()
    assert files == list(held) and len(folders) == 6001
