"""A cold load across forked processes (issue 18 item 5): ``workers - 1``
forks and this process check batches of files; the forks hand each file's
papers back as the bytes of its parse cache row."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .cache import ParseCache, content_digest, pickle_papers, unpickle_papers, write_many
from .config import Config
from .loading import Checked, check_file, check_read, reads, refused
from .processes import chunks, fork_context, share_forked
from .safefiles import UnsafeFile

if TYPE_CHECKING:
    from .loading import Loader

Batch = tuple[int, list[tuple[str, Any]]]  # (its place in the listing's batches, files)

# What a worker hands back for a batch: its index, each file's digest (None
# without a cache), and per file its papers pickled (the parse cache row's
# bytes) or, for a file with problems, its Checked. No object a file: ~1 µs a
# file to take in, not ~5. Which rows the store took comes in the fork's last
# word (_rows_written).
Handed = tuple[int, list[str] | None, list[bytes | Checked]]


def _check_batch(task: Batch) -> Handed:
    """Check files in a worker. Each file's papers are pickled once: those
    bytes go to the parse cache, for the next build (rows of several batches in
    one transaction), and back to the parent in the batch's one result, which the
    parent unpickles (a file's papers through the pipe and the row: ~14 µs of
    CPU a one-paper file, against ~40 for a row read back from the cache)."""
    config, cache = _worker_config, _worker_cache
    assert config is not None
    index, items = task
    handed: list[bytes | Checked] = []
    digests: list[str] | None = None if cache is None else []
    rows = []
    for (shown, path), raw in zip(items, reads(config, items), strict=True):
        if isinstance(raw, UnsafeFile):
            checked = refused(shown, raw)
            digest = ""
        else:
            # Its papers are only pickled here: their source stays text (the parent makes the Path).
            checked = check_file(config, path, shown, raw, str)
            digest = content_digest(raw) if digests is not None else ""
        if checked.papers is None:
            handed.append(checked)
        else:
            handed.append(pickled := pickle_papers(checked.papers))
            if cache is not None:
                rows.append((cache.slot(shown, digest), pickled))
        if digests is not None:
            digests.append(digest)
    if rows:
        _pending.append((index, rows))
        _pending_bytes[0] += sum(len(blob) for _, blob in rows)
        if _pending_bytes[0] > _ROWS_BYTES and _worker_writing.acquire(False):
            try:
                _write_pending()
            finally:
                _worker_writing.release()
    return index, digests, handed


# A worker's rows wait for this many bytes, and are then written when neither
# process of the load is writing (else after a later batch): ~5 ms in one
# transaction, not a transaction a batch (a few µs a row more), and no waiting
# (SQLite's own wait for a lock sleeps 1-100 ms).
_ROWS_BYTES = 1 << 19
_pending: list[tuple[int, list]] = []  # (batch, its rows) not written yet, in a worker
_pending_bytes = [0]
_written: list[int] = []  # the batches whose rows a worker wrote


def _write_pending() -> None:
    rows = [row for _, batch_rows in _pending for row in batch_rows]
    if write_many(rows):
        _written.extend(index for index, _ in _pending)
    _pending.clear()
    _pending_bytes[0] = 0


def _fork_starts() -> None:
    _pending.clear()
    _pending_bytes[0] = 0
    _written.clear()
    # The build keeps the cyclic GC off while this process loads (its papers
    # all live on); a fork's garbage does not, and it inherits "off".
    gc.enable()


def _rows_written() -> list[int]:
    """A worker's last word: its rows not written yet, written now (waiting
    for the lock if need be), and every batch whose rows the store took."""
    if _pending:
        with _worker_writing:
            _write_pending()
    return _written


# What a forked checker inherits.
_worker_config: Config | None = None
_worker_cache: ParseCache | None = None
_worker_writing: Any = None  # the lock held while a process of this load writes the parse cache


def load_in_workers(
    loader: Loader,
    paths: list[tuple[str, Any]],
    workers: int,
    meanwhile: Callable[[], object] | None,
) -> None:
    """Read, parse and validate every file (a cold load: the cache has nothing)
    in ``workers - 1`` forked processes and in this one, which checks a batch
    whenever no fork's result is waiting; results are taken in file order as
    they come, so that little is left to take in once the last batch is done.

    The forks are made before any content file is read: a fork keeps its own
    copy of all the parent held, and forks made after reading kept every
    file's bytes (1.4 GiB summed over the processes at 100k papers)."""
    global _worker_config, _worker_cache, _worker_writing
    config, cache = loader.config, loader.cache
    # Batches of 32 one-paper files, fewer day files (~160 papers), and the last
    # eighth of the files in quarter batches, so that the processes end together.
    size = max(1, min(32, len(paths) // (32 * workers)))
    cut = len(paths) - len(paths) // 8
    batches = list(enumerate(chunks(paths[:cut], size) + chunks(paths[cut:], max(1, size // 4))))
    done: list[Handed | None] = [None] * len(batches)
    taken = 0  # batches taken in so far
    unmarked: dict[int, list[tuple[str, str]]] = {}  # a worker's batch -> (file, digest) of its rows

    def here(task: Batch) -> Handed:
        index, batch = task
        got = zip(batch, reads(config, batch), strict=True)
        return index, None, [check_read(config, shown, path, raw, cache) for (shown, path), raw in got]

    def handle(result: Handed) -> None:
        nonlocal taken
        done[result[0]] = result
        while taken < len(batches) and (ready := done[taken]) is not None:
            _, digests, handed = ready
            rows = unmarked[taken] = []
            for at, ((shown, path), item) in enumerate(zip(batches[taken][1], handed, strict=True)):
                if type(item) is bytes:  # no Checked made: ~1 µs a file the parent alone pays
                    loader.take_papers(path, shown, unpickle_papers(item))
                    if digests is not None:
                        rows.append((shown, digests[at]))
                else:
                    if digests is not None:
                        item.digest = digests[at]
                    loader.take(path, shown, item)
            done[taken] = None
            taken += 1

    # A fork's last word: the batches the store took. With two forks or more it
    # can come while another holds an earlier batch, before some of these are
    # taken in: they are marked once every batch is.
    written: list[int] = []

    _worker_config, _worker_cache = config, cache
    if cache is not None:
        context = fork_context()
        assert context is not None  # _in_forks
        _worker_writing = cache.shared_writes = context.Lock()
    try:
        share_forked(
            workers - 1,
            here,
            batches,
            handle,
            _check_batch,
            meanwhile,
            _fork_starts,
            _rows_written,
            written.extend,
        )
        if cache is not None:
            cache.stored([row for index in written for row in unmarked.get(index, ())])
    finally:
        _worker_config = _worker_cache = _worker_writing = None
        if cache is not None:
            cache.shared_writes = None
    assert taken == len(batches)
