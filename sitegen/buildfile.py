"""The build's one file with no name, shared by all its processes: what they
write there once and read back on demand instead of holding it (feed records,
cards, set-aside abstracts).

It has no name (O_TMPFILE where the system has it): however a build ends,
SIGKILL included, nothing is left behind, since the kernel frees the file with
the last process holding it. Made before any process forks, so that each
writes and reads it through the descriptor it inherited; a write first takes
its place at the end through a counter in shared memory. A place in it is one
int (offset and length), so keeping one a paper costs an int."""

from __future__ import annotations

import os
import tempfile
from typing import IO, Any

_LENGTH_BITS = 32
_LENGTH_MASK = (1 << _LENGTH_BITS) - 1

Handed = list[tuple[str, int, int]]  # (paper id, offset, length) of what a process wrote


def place(at: int, length: int) -> int | None:
    """``at`` and ``length`` as one int; None for a piece too long to say so."""
    return None if length >> _LENGTH_BITS else at << _LENGTH_BITS | length


def read_place(fd: int, where: int) -> bytes | None:
    """The bytes at ``where`` (a ``place``) in the file ``fd``; None if cut short."""
    length = where & _LENGTH_MASK
    data = os.pread(fd, length, where >> _LENGTH_BITS)
    return data if len(data) == length else None


_IOV_MAX = 1024  # buffers one pwritev takes (Linux's UIO_MAXIOV)


def _write_at(fd: int, parts: list[bytes], total: int, at: int) -> None:
    """``parts`` end to end at ``at``: in one pwritev where there is one (the
    records are not first joined into one more copy of them all), else joined."""
    done = 0
    if len(parts) <= _IOV_MAX and hasattr(os, "pwritev"):
        done = os.pwritev(fd, parts, at)
        if done == total:
            return
    data = b"".join(parts)
    while done < total:  # what a short write left
        done += os.pwrite(fd, data[done:], at + done)


class RecordFile:
    """The file itself: ``write`` appends and says where, ``fd`` reads back."""

    def __init__(self, context: Any) -> None:
        self._end = context.Value("q", 0)  # where the next write goes, for every process
        try:
            self._file: IO[bytes] | None = tempfile.TemporaryFile(prefix="sitegen-records-")
            self.fd = self._file.fileno()
        except OSError:  # no temporary folder to write in: each user keeps its data in memory
            self._file, self.fd = None, -1

    def write(self, records: list[tuple[str, bytes]]) -> Handed:
        """Add ``records``; where each is (none, if the file cannot take them)."""
        if not records or self.fd < 0:
            return []
        parts = [record for _, record in records]
        total = sum(map(len, parts))
        with self._end.get_lock():
            at = self._end.value
            self._end.value = at + total
        try:
            _write_at(self.fd, parts, total, at)
        except OSError:  # a full disk: the data stays where it was
            return []
        where = []
        for paper_id, record in records:
            where.append((paper_id, at, len(record)))
            at += len(record)
        return where

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        self._file, self.fd = None, -1
