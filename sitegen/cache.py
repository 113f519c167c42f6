"""Incremental state under .sitegen-cache/: safe to delete, never trusted by mtime.

ParseCache remembers the validated papers of each content file, keyed by a
hash of the file's bytes and of the settings that shape parsing (the time
zone, sitegen's code). They live in one SQLite store (papers.sqlite), not a
file each: a cold build of 10k one-paper files made 10k files in the site
folder, ~5 s on this machine's disk against ~0.1 s for one store.

A row is a pure function of its key, so any row this machine made is right to
use (one that came with the site is read as untrusted input: cacherows.py); each
carries a CRC of its key and bytes, so a row torn by a crash is seen and
skipped, and a store SQLite cannot read is deleted and started again. SQLite
makes each write atomic (a killed build leaves whole rows or none) and lets
several processes read and write at once: workers store what they parse.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import shutil
import sys
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:  # the no-change path imports this module and need not pay for it
    import sqlite3

from . import __version__
from .cacherows import loads as _row_papers
from .codedigest import code_digest
from .safefiles import UnsafeFile, read_ahead

CACHE_DIR = ".sitegen-cache"
PARSE_STORE = "papers.sqlite"
_FORMAT = 2


def content_digest(raw: bytes) -> str:
    """128 bits of SHA-256 (OpenSSL's, with the CPU's SHA instructions where it
    has them: ~1.8 µs for a 1.9 KB paper file, where the standard library's own
    BLAKE2b took ~4.2), in hex."""
    return hashlib.sha256(raw).hexdigest()[:32]


def content_fingerprint(
    files: list[tuple[str, Any]], settings_key: str, known: Mapping[str, str] | None = None
) -> str:
    """One digest of every content file's name and bytes, in order; ``known``
    holds digests already taken (ParseCache.digests, or file_digests'), so those
    files are not read again. The others are read ahead (file_digests)."""
    digests = file_digests(files, known)
    h = hashlib.blake2b(f"{_FORMAT}|{__version__}|{settings_key}".encode(), digest_size=16)
    for name, _ in files:
        h.update(f"{name}\0{digests[name]}\n".encode())
    return h.hexdigest()


def file_digests(files: list[tuple[str, Any]], known: Mapping[str, str] | None = None) -> dict[str, str]:
    """Name -> content_digest of the bytes of each of ``files`` (name, path),
    but for those ``known`` holds a digest of: not read. The others are read
    ahead (safefiles.read_ahead), whatever their size; one that can no longer
    be read as a regular file counts as changed, unread ("not read: why", which
    no file's bytes have as their digest)."""
    known = known or {}
    reads = read_ahead([path for name, path in files if not known.get(name)], sys.maxsize)
    return {name: known.get(name) or _digest_of(next(reads)) for name, _ in files}


def _digest_of(got: bytes | UnsafeFile) -> str:
    return content_digest(got) if isinstance(got, bytes) else f"not read: {got}"


# What a missing, truncated, foreign or outdated pickle can raise: any of them
# just means "not cached".
_UNREADABLE = (EOFError, ValueError, TypeError, pickle.UnpicklingError, AttributeError, ImportError)


class Slot(NamedTuple):
    """Where the papers of one content file (as it is now) go in a store (a tuple: made
    for each file read back or written, ~3k instructions less than a frozen dataclass)."""

    store: Path
    id: bytes  # digest of the settings key, the file's name and the digest of its bytes


# One connection per process and store. A connection must never cross a
# fork: a forked worker opens its own, and leaves the one it inherited alone
# (closing it could end the parent's WAL session).
_connections: dict[tuple[int, Path], sqlite3.Connection] = {}
_inodes: dict[tuple[int, Path], int] = {}  # of the file each connection opened


def _connect(store: Path) -> sqlite3.Connection:
    """This process's connection to ``store``, made (and the store too) on first use.
    Raises sqlite3.Error or OSError if the store cannot be opened."""
    import sqlite3

    pid = os.getpid()
    connection = _connections.get((pid, store))
    if connection is None:
        store.parent.mkdir(parents=True, exist_ok=True)
        # A writer waits for another (a worker, another build) rather than fail.
        connection = sqlite3.connect(store, timeout=60, isolation_level=None, check_same_thread=False)
        try:
            # WAL: readers never wait for the writer. synchronous=OFF (first: else making
            # a store WAL syncs it 4 times): no fsync; a killed process loses nothing
            # SQLite wrote, and what an OS crash may tear is caught (CRCs...) and rebuilt.
            connection.execute("PRAGMA synchronous=OFF")
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(
                "CREATE TABLE IF NOT EXISTS papers"
                " (id BLOB PRIMARY KEY, papers BLOB NOT NULL, crc INTEGER NOT NULL)"
            )
            connection.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
        except BaseException:
            connection.close()
            raise
        _connections[pid, store] = connection
        _inodes[pid, store] = os.stat(store).st_ino
    return connection


# Stores this process found damaged (SQLite said so): save() deletes them.
_damaged: set[Path] = set()


def _failed(store: Path, error: BaseException) -> None:
    """Note a store SQLite reports damaged; a busy or read-only one is merely unusable now."""
    import sqlite3

    if isinstance(error, sqlite3.DatabaseError) and not isinstance(error, sqlite3.OperationalError):
        _damaged.add(store)


def _let_go_if_replaced(store: Path) -> None:
    """Drop this process's connection to ``store`` if the file it opened was
    deleted or replaced since (the cache is safe to delete while the preview
    server runs): it would go on using the deleted file."""
    known = _inodes.get((os.getpid(), store))
    try:
        now = os.stat(store).st_ino
    except OSError:
        now = None
    if known is not None and known != now:
        _disconnect(store)


def _disconnect(store: Path) -> None:
    """Close this process's connection to ``store``, if it has one."""
    _inodes.pop((os.getpid(), store), None)
    connection = _connections.pop((os.getpid(), store), None)
    if connection is not None:
        connection.close()


def _discard(store: Path) -> None:
    """Delete a store SQLite cannot read: the next build starts it afresh."""
    _damaged.discard(store)
    _disconnect(store)
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(OSError):
            os.unlink(f"{store}{suffix}")


def _store_errors() -> tuple[type[BaseException], ...]:
    """What a store that cannot be opened, read or written raises: the cache is then ignored."""
    import sqlite3

    return (sqlite3.Error, OSError)


def _crc(row_id: bytes, blob: bytes) -> int:
    return zlib.crc32(blob, zlib.crc32(row_id))


class ParseCache:
    """Validated papers per content file, one row per file in the SQLite store
    ``store``, so an edit to one file rewrites one row, not the whole cache."""

    def __init__(self, store: Path, settings_key: str) -> None:
        self.store = store
        # The code is part of the key: a cached Paper must have been made by this very loader.
        self.key = f"{_FORMAT}|{__version__}|{code_digest()}|{settings_key}"
        self._used: dict[str, str] = {}  # file name -> digest of its bytes, for what this build saw
        self._pending: list[tuple[str, str, bytes]] = []  # rows add() has not written yet
        self._pending_bytes = 0
        self.shared_writes: Any = None  # see add()
        key, self._rows = self._look()
        self._filled = key == self.key
        # What every slot's id hashes first: copied, not made by name (~7k instructions in OpenSSL 3).
        self._key_hash = hashlib.sha256(f"{self.key}\0".encode())

    def _look(self) -> tuple[str | None, bool]:
        """The key of the last build that saved the store, and whether it has rows."""
        _let_go_if_replaced(self.store)
        if not self.store.exists():
            return None, False
        try:
            connection = _connect(self.store)
            key = connection.execute("SELECT value FROM meta WHERE name = 'key'").fetchone()
            rows = connection.execute("SELECT 1 FROM papers LIMIT 1").fetchone()
        except _store_errors():
            _discard(self.store)  # not a database, or torn beyond SQLite's own repair
            return None, False
        return (key[0] if key else None), rows is not None

    def slot(self, name: str, digest: str) -> Slot:
        """Where the papers of file ``name``, whose bytes have ``digest``
        (content_digest), go: whoever validates the file may write them there."""
        hashed = self._key_hash.copy()  # sha256(f"{key}\0{name}\0{digest}"), as before
        hashed.update(f"{name}\0{digest}".encode())
        return tuple.__new__(Slot, (self.store, hashed.digest()[:16]))  # not its Python __new__

    def has_entries(self) -> bool:
        """Whether the last build left papers to reuse (with this code and settings)."""
        return self._filled

    def get(self, name: str, digest: str) -> Any | None:
        """The papers of file ``name`` whose bytes have ``digest``, or None if
        the cache lacks them (then the file is checked, and add() may follow).
        Any row found is right to use, even one a failed build wrote, once the
        loader has checked its papers again (cacherows.vouched: a store may come
        with the site, of someone else's making)."""
        if not self._rows:
            return None  # a new store: no look-ups (~8 µs each)
        value = read_papers(self.slot(name, digest))
        if value is not None:
            self._used[name] = digest
        return value

    def get_many(self, files: list[tuple[str, str]]) -> list[Any | None]:
        """get() of each file (name, digest), in one query (read_many)."""
        if not self._rows:
            return [None] * len(files)
        found = read_many([self.slot(name, digest) for name, digest in files])
        self._used.update(file for file, value in zip(files, found, strict=True) if value is not None)
        return found

    def add(self, name: str, digest: str, blob: bytes) -> None:
        """Store ``blob`` (pickle_papers) for file ``name``; written in batches
        (a commit is ~0.2 ms on a slow disk, a row a few µs): flush() writes the rest.

        While ``shared_writes`` is set (a lock that the workers of a parallel
        load hold while they write), half as much is written at a time, and
        only when no worker is writing: else later, so this process never waits."""
        self._pending.append((name, digest, blob))
        self._pending_bytes += len(blob)
        shared = self.shared_writes
        if shared is None:
            if self._pending_bytes > _BATCH_BYTES:
                self.flush()
        elif self._pending_bytes > _SHARED_BATCH_BYTES and shared.acquire(False):
            try:
                self.flush()
            finally:
                shared.release()

    def flush(self) -> None:
        """Write what add() holds; the files written may be reused by the next build."""
        pending, self._pending, self._pending_bytes = self._pending, [], 0
        if write_many([(self.slot(name, digest), blob) for name, digest, blob in pending]):
            self._used.update((name, digest) for name, digest, _ in pending)

    def stored(self, files: list[tuple[str, str]]) -> None:
        """The papers of these files (name, digest) are in their slots (a worker wrote them)."""
        self._used.update(files)

    def papers_files(self) -> dict[Path, Slot]:
        """Content file (as Paper.source names it) -> the slot holding its
        papers, for every file this build loaded from the cache or wrote to it."""
        return {Path(name): self.slot(name, digest) for name, digest in self._used.items()}

    def digests(self) -> dict[str, str]:
        """Content file name -> digest of its bytes, for every file this build
        loaded from the cache or wrote to it."""
        return dict(self._used)

    def save(self) -> None:
        """Drop the rows of files gone or changed, and mark the store as this
        code's. Called only after a build succeeds (a failed build's rows stay
        until then: each is right for the bytes it was made from)."""
        self.flush()
        keep = {self.slot(name, digest).id for name, digest in self._used.items()}
        try:
            connection = _connect(self.store)
            stale = [(row,) for (row,) in connection.execute("SELECT id FROM papers") if row not in keep]
            if stale or not self._filled:
                with _transaction(connection):
                    connection.executemany("DELETE FROM papers WHERE id = ?", stale)
                    connection.execute("INSERT OR REPLACE INTO meta VALUES ('key', ?)", (self.key,))
        except _store_errors() as error:
            _failed(self.store, error)  # a cache is an optimisation: the build still succeeded
        if self.store in _damaged:
            _discard(self.store)  # the next build starts a new one
        # An older sitegen kept a pickle per file in a folder beside the store.
        legacy = self.store.with_suffix("")
        if legacy.is_dir():
            shutil.rmtree(legacy, ignore_errors=True)


_BATCH_BYTES = 1 << 20
_SHARED_BATCH_BYTES = 1 << 19


@contextlib.contextmanager
def _transaction(connection: sqlite3.Connection) -> Any:
    connection.execute("BEGIN IMMEDIATE")  # the write lock now, not halfway through
    try:
        yield
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def pickle_papers(value: Any) -> bytes:
    """Pickled for the cache, where the papers were validated (maybe a worker process).

    With pickle's memo (not ``Pickler.fast``): each paper names its rebuild
    functions (papers, authors, dates), and a memo stores each name once per
    file instead of once per use; ~40% faster to dump and to load."""
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def unpickle_papers(blob: bytes) -> Any:
    """What pickle_papers made, in this run (a worker's hand-back): no need to doubt it."""
    return pickle.loads(blob)


def read_papers(slot: Slot) -> Any | None:
    """What a slot holds, or None if it holds nothing whole (never written, torn,
    pruned by another build, or a store that cannot be read)."""
    try:
        select = "SELECT papers, crc FROM papers WHERE id = ?"
        row = _connect(slot.store).execute(select, (slot.id,)).fetchone()
    except _store_errors() as error:
        _failed(slot.store, error)
        return None
    if row is None or _crc(slot.id, row[0]) != row[1]:
        return None
    try:
        return _row_papers(row[0])
    except _UNREADABLE:
        return None


def read_many(slots: list[Slot]) -> list[Any | None]:
    """read_papers of each of ``slots`` (of one store), in one query: a query
    a row took ~15 µs of CPU, ~1.5 s at 100k papers. Rows are as read_papers
    takes them: a torn or unreadable one is None."""
    if not slots:
        return []
    store = slots[0].store
    ids = [slot.id for slot in slots]
    try:
        select = f"SELECT id, papers, crc FROM papers WHERE id IN ({','.join('?' * len(ids))})"
        # Ids bound as bytearrays: a bytes is bound after a look for adapters (~3k instructions).
        rows = {row[0]: row for row in _connect(store).execute(select, list(map(bytearray, ids)))}
    except _store_errors() as error:
        _failed(store, error)
        return [None] * len(slots)
    return [_unpickled_row(row_id, rows.get(row_id)) for row_id in ids]


def _unpickled_row(row_id: bytes, row: tuple[bytes, bytes, int] | None) -> Any | None:
    if row is None or _crc(row_id, row[1]) != row[2]:
        return None
    try:
        return _row_papers(row[1])
    except _UNREADABLE:
        return None


def write_papers(slot: Slot, blob: bytes) -> bool:
    """Put ``blob`` (from pickle_papers) in a slot; False if it could not be written."""
    return write_many([(slot, blob)])


def write_many(items: list[tuple[Slot, bytes]]) -> bool:
    """write_papers for several slots of one store, in one transaction (one commit: ~0.2 ms
    on a slow disk, against a few µs a row); each bound as a bytearray (see read_many)."""
    rows = [(bytearray(slot.id), bytearray(blob), _crc(slot.id, blob)) for slot, blob in items]
    if not rows:
        return True
    try:
        connection = _connect(items[0][0].store)
        with _transaction(connection):
            connection.executemany("INSERT OR REPLACE INTO papers VALUES (?, ?, ?)", rows)
    except _store_errors() as error:
        _failed(items[0][0].store, error)
        return False  # a cache is an optimisation: the build goes on without it
    return True
