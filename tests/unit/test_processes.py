"""processes.share_forked: tasks across forked processes and this one, without a Pool."""

import os
import sys
import threading
import time

import pytest

from sitegen import processes

PARENT = os.getpid()


def _timed(task):
    time.sleep(0.005)
    return task, os.getpid(), time.monotonic()  # one clock for every process on Linux


def test_every_task_runs_once_some_here_and_some_in_a_fork_each_result_handled_here():
    done, threads = [], []

    def handle(result):
        threads.append(threading.get_ident())
        done.append(result)

    processes.share_forked(1, _timed, list(range(60)), handle)
    assert sorted(task for task, _, _ in done) == list(range(60))
    assert PARENT in {pid for _, pid, _ in done} and len({pid for _, pid, _ in done}) == 2
    assert set(threads) == {threading.get_ident()}, "results are taken in in this thread"


def test_forks_run_their_own_function_after_the_initializer():
    marks = []

    def in_fork(task):
        time.sleep(0.01)
        return task, "fork" if marks == ["initialized"] else "not initialized"

    def here(task):
        time.sleep(0.01)
        return task, "here"

    done = []
    processes.share_forked(
        2,
        here,
        list(range(40)),
        done.append,
        work_in_fork=in_fork,
        initializer=lambda: marks.append("initialized"),
    )
    assert sorted(task for task, _ in done) == list(range(40))
    assert {where for _, where in done} == {"here", "fork"}, "the forks ran theirs, initialized"
    assert marks == [], "the initializer ran in the forks only"


def test_meanwhile_runs_in_a_thread_while_the_fork_takes_tasks():
    done, ended = [], []

    def meanwhile():
        time.sleep(0.3)
        ended.append(time.monotonic())

    processes.share_forked(1, _timed, list(range(80)), done.append, meanwhile=meanwhile)
    assert len(ended) == 1, "meanwhile ran, and share_forked waited for it"
    here_meanwhile = [t for t, pid, at in done if pid == PARENT and at < ended[0]]
    assert here_meanwhile, "this process took tasks while meanwhile ran"


def _fails_in_a_fork(task):
    if os.getpid() != PARENT:
        raise ValueError(f"task {task} failed in a fork")
    time.sleep(0.01)
    return task


def test_an_error_in_a_fork_reaches_the_caller():
    with pytest.raises(ValueError, match="failed in a fork"):
        processes.share_forked(1, _fails_in_a_fork, list(range(20)), lambda result: None)


def test_an_error_meanwhile_reaches_the_caller():
    def meanwhile():
        raise KeyError("meanwhile")

    with pytest.raises(KeyError, match="meanwhile"):
        processes.share_forked(1, _timed, list(range(10)), lambda result: None, meanwhile=meanwhile)


def _dies_in_a_fork(task):
    if os.getpid() != PARENT:
        os._exit(3)  # killed, say: its task never comes back
    time.sleep(0.01)
    return task


def test_a_fork_that_dies_with_a_task_is_an_error_not_a_hang():
    done = []
    with pytest.raises(RuntimeError, match="ended before handing back"):
        processes.share_forked(1, _dies_in_a_fork, list(range(20)), done.append)
    assert len(done) < 20


def test_a_forks_results_pipe_holds_a_mebibyte_where_linux_allows():
    import multiprocessing
    from pathlib import Path

    fcntl = pytest.importorskip("fcntl")
    if not hasattr(fcntl, "F_GETPIPE_SZ"):
        pytest.skip("no pipe sizes here")
    reader, writer = multiprocessing.get_context("fork").Pipe(duplex=False)
    processes._widen(writer)
    size = fcntl.fcntl(writer.fileno(), fcntl.F_GETPIPE_SZ)
    allowed = int(Path("/proc/sys/fs/pipe-max-size").read_text())
    assert size == processes._RESULTS_PIPE_BYTES == 1 << 20 if allowed >= 1 << 20 else size >= 1 << 16
    reader.close()
    writer.close()


def test_each_fork_says_its_last_word_once_no_task_is_left_and_it_reaches_this_process():
    taken = []  # in a fork: the tasks it took (its own copy of this list)

    def in_fork(task):
        time.sleep(0.005)
        taken.append(task)
        return task

    done, words = [], []
    processes.share_forked(
        2,
        _timed,
        list(range(50)),
        done.append,
        work_in_fork=in_fork,
        last_in_fork=lambda: (os.getpid(), list(taken)),
        last=words.append,
    )
    assert len(words) == 2 and len({pid for pid, _ in words}) == 2 and PARENT not in dict(words)
    from_forks = sorted(task for _, tasks in words for task in tasks)
    assert from_forks == sorted(r for r in done if isinstance(r, int)), "said after all its tasks"
    assert all(not isinstance(r, tuple) or r[1] == PARENT for r in done)


def test_a_fork_whose_last_word_fails_raises_here():
    def fails():
        raise ValueError("no last word")

    with pytest.raises(ValueError, match="no last word"):
        processes.share_forked(1, _timed, list(range(10)), lambda result: None, last_in_fork=fails)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
def test_the_c_library_that_makes_forks_die_with_their_parent_is_found_without_running_ldconfig(monkeypatch):
    """Each load, render and related stage forks after _find_libc: finding the
    library by name ran ldconfig, 2-7 ms before the first fork could start."""
    import ctypes
    import ctypes.util

    def by_name(name):
        raise AssertionError("ran ldconfig to find the C library by its name")

    monkeypatch.setattr(processes, "_libc", [])
    monkeypatch.setattr(ctypes.util, "find_library", by_name)
    libc = processes._find_libc()
    signal_number = ctypes.c_int(-1)
    assert libc.prctl(2, ctypes.byref(signal_number), 0, 0, 0) == 0  # PR_GET_PDEATHSIG
    assert signal_number.value == 0  # this process asked for none
    assert processes._find_libc() is libc, "looked up once a process"
