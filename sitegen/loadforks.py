"""A cold load across forked processes (issue 18 item 5): ``workers - 1``
forks and this process check batches of files; the forks hand each file's
papers back as the bytes of its parse cache row."""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .cache import ParseCache, content_digest, pickle_papers, unpickle_papers, write_many
from .config import Config
from .errors import Problem
from .loading import Checked, check_file, check_read, listing_roots, load_listing, reads, refused
from .processes import _widen, chunks, fork_context, share_forked
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
            # Its papers are only pickled here: made as they pickle (the parent makes them).
            digest = content_digest(raw)  # the parse cache's key, and a one-paper file's paper digest
            checked = check_file(config, path, shown, raw, flat=True, digest=digest)
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


class Batches(Sequence):
    """The load's batches of files, made from its listing where first needed.
    With one fork, the fork lists the files and sends the listing here: this
    process imports rendering's libraries meanwhile, instead of the fork
    waiting for a listing made here (~15 ms at 10k files, the load's one part
    no process could share). The names go as one text, and of the paths only
    those not made from their name (a link's): at 10k files the message fits
    in the pipe, so the fork goes on at once. With more forks, this process
    lists first. Given a ``listing`` (the up-to-date check's), no process lists."""

    def __init__(
        self,
        config: Config,
        workers: int,
        problems: list[Problem],
        listing: list[tuple[str, Any]] | None = None,
    ) -> None:
        self.config, self.workers, self.problems = config, workers, problems
        self._batches: list[Batch] | None = None
        self._pipe: tuple[Any, Any] | None = None
        if listing is not None:
            self._make(listing)
        elif workers > 2:
            self._make(load_listing(config, problems))
        else:
            context = fork_context()
            assert context is not None  # loading._in_forks
            self._pipe = context.Pipe(duplex=False)
            _widen(self._pipe[1])

    def _make(self, paths: list[tuple[str, Any]]) -> None:
        # Batches of 32 one-paper files, fewer day files (~160 papers), and the last
        # eighth of the files in quarter batches, so that the processes end together.
        size = max(1, min(32, len(paths) // (32 * self.workers)))
        cut = len(paths) - len(paths) // 8
        self._batches = list(enumerate(chunks(paths[:cut], size) + chunks(paths[cut:], max(1, size // 4))))

    def list_in_fork(self) -> None:
        """In the fork, before it claims a batch: list the files, and send them."""
        if self._pipe is None:
            return
        reader, writer = self._pipe
        reader.close()
        problems: list[Problem] = []
        try:
            paths = load_listing(self.config, problems)
        except BaseException as error:  # raised where the listing is awaited
            self._batches = []
            writer.send((False, error))
            return
        root, name = listing_roots(self.config)
        cut = len(name)
        odd = {at: path for at, (shown, path) in enumerate(paths) if path != root + shown[cut:]}
        shown = "\0".join(name for name, _ in paths)  # file names hold no NUL
        writer.send((True, (problems, len(paths), shown, odd)))
        writer.close()
        self._make(paths)

    def _get(self) -> list[Batch]:
        if self._batches is None:  # here: the fork's listing
            assert self._pipe is not None
            reader, writer = self._pipe
            writer.close()
            try:
                ok, got = reader.recv()
            except EOFError:
                raise RuntimeError("the forked load ended before it listed the files") from None
            finally:
                reader.close()
            if not ok:
                raise got
            problems, count, shown, odd = got
            self.problems += problems  # before any file's: as the listing comes first
            root, name = listing_roots(self.config)
            cut = len(name)
            names = shown.split("\0") if count else []
            self._make([(shown, odd.get(at) or root + shown[cut:]) for at, shown in enumerate(names)])
            assert self._batches is not None
        return self._batches

    def close(self) -> None:
        if self._pipe is not None:
            for end in self._pipe:
                end.close()

    def __len__(self) -> int:
        return len(self._get())

    def __getitem__(self, index: Any) -> Any:
        return self._get()[index]


def _fork_starts() -> None:
    if _worker_batches is not None:
        _worker_batches.list_in_fork()
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
_worker_batches: Batches | None = None


def load_in_workers(loader: Loader, workers: int, meanwhile: Callable[[], object] | None) -> None:
    """List, read, parse and validate every file (a cold load: the cache has
    nothing) in ``workers - 1`` forked processes and in this one, which checks a
    batch whenever no fork's result is waiting; results are taken in file order
    as they come, so that little is left to take in once the last batch is done.

    The forks are made before any content file is read: a fork keeps its own
    copy of all the parent held, and forks made after reading kept every
    file's bytes (1.4 GiB summed over the processes at 100k papers)."""
    global _worker_config, _worker_cache, _worker_writing, _worker_batches
    config, cache = loader.config, loader.cache
    listing = loader.seen.files if loader.seen is not None else None
    batches = _worker_batches = Batches(config, workers, loader.problems, listing)
    done: dict[int, Handed] = {}  # batches handed back and not taken in yet
    taken = 0  # batches taken in so far
    unmarked: dict[int, list[tuple[str, str]]] = {}  # a worker's batch -> (file, digest) of its rows

    def here(task: Batch) -> Handed:
        index, batch = task
        got = zip(batch, reads(config, batch), strict=True)
        return index, None, [check_read(config, shown, path, raw, cache) for (shown, path), raw in got]

    def handle(result: Handed) -> None:
        nonlocal taken
        done[result[0]] = result
        while (ready := done.pop(taken, None)) is not None:
            _, digests, handed = ready
            rows = unmarked[taken] = []
            for at, ((shown, path), item) in enumerate(zip(batches[taken][1], handed, strict=True)):
                if type(item) is bytes:  # no Checked made: ~1 µs a file the parent alone pays
                    digest = digests[at] if digests is not None else ""
                    loader.take_papers(path, shown, unpickle_papers(item), digest)
                    if digests is not None:
                        rows.append((shown, digest))
                else:
                    if digests is not None:
                        item.digest = digests[at]
                    loader.take(path, shown, item)
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
        _worker_config = _worker_cache = _worker_writing = _worker_batches = None
        batches.close()
        if cache is not None:
            cache.shared_writes = None
    assert taken == len(batches)
