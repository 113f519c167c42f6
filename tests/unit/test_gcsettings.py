"""gcsettings.release_free_memory: the heap's free pages go back to the OS
before a fork (docs/performance-notes.md, "Memory at 100k papers")."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from sitegen import gcsettings, parallel
from sitegen.build import build
from sitegen.gcsettings import _malloc_trim, release_free_memory
from tests.sitekit import paper, write_site

_PAGE = os.sysconf("SC_PAGE_SIZE")


def _rss() -> int:
    with open("/proc/self/statm", "rb") as handle:
        return int(handle.read().split()[1]) * _PAGE


@pytest.mark.skipif(_malloc_trim() is None or not os.path.exists("/proc/self/statm"), reason="glibc, Linux")
def test_freed_heap_memory_goes_back_to_the_os():
    # 64 MB in blocks malloc serves from its heap (above the 512 bytes Python
    # keeps in its own arenas), every 16th kept: the holes between are free
    # but stay mapped (free() returns only the heap's top).
    blocks = [bytes(4000) + bytes([i % 256]) for i in range(16_000)]
    kept = blocks[::16]
    del blocks
    before = _rss()
    release_free_memory()
    freed = before - _rss()
    assert freed > 32 << 20, f"only {freed >> 20} MB went back"
    assert all(block[-1] == i * 16 % 256 for i, block in enumerate(kept)), "what is kept is intact"


def test_a_parallel_build_releases_free_memory_before_each_fork(tmp_path, monkeypatch):
    calls: list[int] = []  # the processes alive at each call: a fork made after it copies less
    monkeypatch.setattr(parallel, "PARALLEL_THRESHOLD", 0)
    monkeypatch.setattr(
        parallel, "release_free_memory", lambda: calls.append(len(multiprocessing.active_children()))
    )
    site = write_site(tmp_path / "s", [paper(f"p{i}", f"2025-03-{10 + i % 5:02d}") for i in range(12)])
    build(site, tmp_path / "out", workers=2)
    assert calls == [0, 0], "once before the paper pages' fork, once before the last phase's"


def test_without_malloc_trim_releasing_does_nothing(monkeypatch):
    def no_glibc(name):
        raise OSError("not glibc")

    gcsettings._malloc_trim.cache_clear()
    monkeypatch.setattr(gcsettings.ctypes, "CDLL", no_glibc)
    try:
        assert gcsettings._malloc_trim() is None
        release_free_memory()  # no error: nothing to call
    finally:
        gcsettings._malloc_trim.cache_clear()
