"""safefiles.read_ahead: the load's reads, with the next files asked of the disk first."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from sitegen import loading, safefiles
from sitegen.config import load_config
from sitegen.errors import ContentError
from sitegen.safefiles import UnsafeFile, read_ahead, read_regular


def _shown(value: bytes | UnsafeFile) -> bytes | str:
    return value if isinstance(value, bytes) else f"refused: {value}"


def _regular_outcome(path: Path, limit: int) -> bytes | str:
    try:
        return read_regular(path, limit)
    except UnsafeFile as refused:
        return f"refused: {refused}"


def _hostile_folder(tmp_path: Path) -> tuple[list[Path], set[str]]:
    """Files of every kind the load may meet, and the names of those it reads."""
    folder = tmp_path / "files"
    folder.mkdir()
    (tmp_path / "outside.yaml").write_text("secret: 1\n")
    paths = []
    for n in range(10):
        paths.append(folder / f"{n:02d}.yaml")
        paths[-1].write_text(f"id: p{n}\n")
    (folder / "big.yaml").write_bytes(b"x" * 5000)
    (folder / "empty.yaml").write_bytes(b"")
    os.mkfifo(folder / "pipe.yaml")
    (folder / "link.yaml").symlink_to(tmp_path / "outside.yaml")
    (folder / "inner-link.yaml").symlink_to(folder / "00.yaml")
    (folder / "dir.yaml").mkdir()
    try:
        os.mknod(folder / "null.yaml", stat.S_IFCHR | 0o600, os.makedev(1, 3))  # /dev/null's device
    except (PermissionError, AttributeError):
        pass  # not root: no device
    extra = ["big", "pipe", "link", "05", "inner-link", "dir", "empty", "missing", "null", "06"]
    paths[5:5] = [
        folder / f"{name}.yaml" for name in extra if name != "null" or (folder / "null.yaml").exists()
    ]
    read = {f"{n:02d}.yaml" for n in range(10)} | {"empty.yaml"}
    return paths, read


def _finishes(function, seconds: float = 20):
    """What ``function()`` returns, or a failure if it blocks (a FIFO opened without O_NONBLOCK)."""
    result: list = []
    thread = threading.Thread(target=lambda: result.append(function()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert result, "blocked (or failed: see the thread's exception above)"
    return result[0]


@pytest.mark.parametrize("ahead", [1, 3, 32])
def test_read_ahead_gives_what_read_regular_gives_for_each_file_in_order_and_never_blocks(tmp_path, ahead):
    paths, _ = _hostile_folder(tmp_path)
    got = _finishes(lambda: [_shown(value) for value in read_ahead(paths, 1000, ahead)])
    assert got == [_regular_outcome(path, 1000) for path in paths]
    assert "refused: is a named pipe, not a regular file" in got
    assert "refused: is a symbolic link; not read" in got
    assert got[paths.index(paths[0].parent / "big.yaml")].startswith("refused: file is 5,000 bytes")


def test_read_ahead_asks_the_kernel_for_the_files_it_will_read_and_no_other_before_reading(
    tmp_path, monkeypatch
):
    """POSIX_FADV_WILLNEED for each regular file within the limit, ``ahead`` files
    before it is read; never for a link, a pipe, a device, a folder or a file too big."""
    paths, readable = _hostile_folder(tmp_path)
    events: list[tuple[str, str]] = []
    real_advise, real_read = os.posix_fadvise, os.read

    def advise(fd, offset, length, advice):
        assert advice == os.POSIX_FADV_WILLNEED and offset == 0 and length == os.fstat(fd).st_size
        events.append(("ask", os.path.basename(os.readlink(f"/proc/self/fd/{fd}"))))
        return real_advise(fd, offset, length, advice)

    def read(fd, size):
        events.append(("read", os.path.basename(os.readlink(f"/proc/self/fd/{fd}"))))
        return real_read(fd, size)

    monkeypatch.setattr(os, "posix_fadvise", advise)
    monkeypatch.setattr(os, "read", read)
    list(_finishes(lambda: list(read_ahead(paths, 1000, 4))))
    asked = [name for what, name in events if what == "ask"]
    # In the order they are read; nothing to ask of an empty file.
    assert asked == [path.name for path in paths if path.name in readable - {"empty.yaml"}]
    assert len(set(asked)) == 10
    # A file is read once it and the next four are open, and asked for if they are to be read.
    first_read = events.index(("read", "00.yaml"))
    assert [name for _, name in events[:first_read]] == [
        "00.yaml",
        "01.yaml",
        "02.yaml",
        "03.yaml",
        "04.yaml",
    ]
    for at, (what, name) in enumerate(events):
        if what == "read":
            assert ("ask", name) in events[:at] or name == "empty.yaml"


def test_read_ahead_holds_at_most_ahead_files_open_and_closes_them_when_stopped_early(tmp_path):
    paths, _ = _hostile_folder(tmp_path)

    def open_files() -> int:
        return len(os.listdir("/proc/self/fd"))

    before = open_files()
    reads = read_ahead(paths, 1000, 5)
    next(reads)
    assert open_files() - before <= 5
    reads.close()  # the caller stops: what was opened ahead is closed
    assert open_files() == before
    for _ in read_ahead(paths, 1000, 5):
        assert open_files() - before <= 5
    assert open_files() == before


@pytest.mark.parametrize("workers", [1, 2])
def test_the_load_reports_the_same_problems_in_the_same_order_reading_ahead_or_not(
    tmp_path, monkeypatch, workers
):
    """Files swapped for a pipe, a link out of the site, a folder or a file too big
    after the listing: each is refused at its turn, with read_regular's message, and
    the load's problems and papers are the same with read-ahead as one file at a time."""
    site = tmp_path / "site"
    folder = site / "content/papers"
    folder.mkdir(parents=True)
    (site / "site.yaml").write_text("title: T\nbase_url: https://e.org/\nlimits:\n  file_size: 3000\n")
    (tmp_path / "outside.yaml").write_text("id: secret\ntitle: S\ndate: 2025-03-01\n")
    for n in range(80):
        (folder / f"{n:02d}.yaml").write_text(f"id: p{n}\ntitle: P{n}\ndate: 2025-03-01\n")
    monkeypatch.setattr(loading, "PARALLEL_PARSE_FILES", 0)
    listing = loading._listing

    def swapped(*args, **kwargs):
        found = listing(*args, **kwargs)
        for n in (3, 17, 40, 41, 77):
            os.unlink(folder / f"{n:02d}.yaml")
        os.mkfifo(folder / "03.yaml")
        (folder / "17.yaml").symlink_to(tmp_path / "outside.yaml")
        (folder / "40.yaml").mkdir()
        (folder / "41.yaml").write_text("id: p41\ntitle: P\ndate: 2025-03-01\nabstract: " + "x" * 4000 + "\n")
        return found

    def restore():
        for n in (3, 17, 40, 41, 77):
            target = folder / f"{n:02d}.yaml"
            if target.is_dir() and not target.is_symlink():
                target.rmdir()
            elif os.path.lexists(target):
                target.unlink()
            target.write_text(f"id: p{n}\ntitle: P{n}\ndate: 2025-03-01\n")

    clean = loading.load_papers(load_config(site), workers=workers)
    monkeypatch.setattr(safefiles, "AHEAD", 1)
    assert loading.load_papers(load_config(site), workers=workers) == clean and len(clean) == 80
    monkeypatch.setattr(loading, "_listing", swapped)
    outcomes = []
    for ahead in (1, 32):
        monkeypatch.setattr(safefiles, "AHEAD", ahead)
        restore()
        with pytest.raises(ContentError) as caught:
            loading.load_papers(load_config(site), workers=workers)
        outcomes.append([str(problem) for problem in caught.value.problems])
    assert (
        outcomes[0]
        == outcomes[1]
        == [
            "content/papers/03.yaml: is a named pipe, not a regular file",
            "content/papers/17.yaml: is a symbolic link; not read",
            "content/papers/40.yaml: is a folder, not a regular file",
            "content/papers/41.yaml: file is 4,045 bytes, more than limits.file_size (3,000);"
            " split it or raise the limit",
            "content/papers/77.yaml: cannot read file: No such file or directory",
        ]
    )


@pytest.mark.parametrize("workers", [1, 2])
def test_every_process_of_the_load_reads_its_files_ahead_a_batch_at_a_time(tmp_path, monkeypatch, workers):
    """-j1 reads all files through one read_ahead; -j2 each batch through its own
    (the next batch is not known until claimed), in whichever process claims it."""
    from sitegen import loadforks

    site = tmp_path / "site"
    folder = site / "content/papers"
    folder.mkdir(parents=True)
    (site / "site.yaml").write_text("title: T\nbase_url: https://e.org/\n")
    for n in range(300):
        (folder / f"{n:03d}.yaml").write_text(f"id: p{n}\ntitle: P{n}\ndate: 2025-03-01\n")
    monkeypatch.setattr(loading, "PARALLEL_PARSE_FILES", 0)
    record = tmp_path / "calls"
    real = safefiles.read_ahead

    def recorded(paths, limit, ahead=None):
        paths = list(paths)
        with open(record, "a") as calls:  # forks append too
            calls.write(" ".join(os.path.basename(path) for path in paths) + "\n")
        return real(paths, limit, ahead)

    monkeypatch.setattr(loading, "read_ahead", recorded)
    batches: list[list[str]] = []
    chunks = loadforks.chunks
    monkeypatch.setattr(
        loadforks, "chunks", lambda items, size: batches.extend(c := chunks(items, size)) or c
    )
    papers = loading.load_papers(load_config(site), workers=workers)
    assert [paper.id for paper in papers] == [f"p{n}" for n in range(300)]
    calls = sorted(line.split() for line in record.read_text().splitlines())
    if workers == 1:
        assert calls == [[f"{n:03d}.yaml" for n in range(300)]]
    else:
        assert calls == sorted([os.path.basename(path) for _, path in batch] for batch in batches)
        assert len(calls) > 1
    assert safefiles.AHEAD == 32
