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


def read_places(fd: int, wheres: list[int]) -> list[bytes | None]:
    """``read_place`` of each of ``wheres``, in their order. Where the second
    piece begins where the first ends (a home page's or a day's cards, a
    digest's records: written together), the pieces are one ``pread`` of the
    span they cover if it is at most _SPAN bytes, else one a run of pieces end
    to end (``_runs``), sliced. Else (an author's pieces are scattered) one
    ``pread`` a piece, without a call of ``read_place`` a piece."""
    mask, bits = _LENGTH_MASK, _LENGTH_BITS
    if len(wheres) > 1 and wheres[1] >> bits == (wheres[0] >> bits) + (wheres[0] & mask):
        first, last = min(wheres), max(wheres)  # pieces never overlap: the last to begin ends last
        at = first >> bits
        if (last >> bits) + (last & mask) - at <= _SPAN:
            data = os.pread(fd, (last >> bits) + (last & mask) - at, at)
            got: list[bytes | None] = [
                data[(where >> bits) - at : (where >> bits) - at + (where & mask)] for where in wheres
            ]
        else:
            got = _runs(fd, wheres)  # type: ignore[assignment]
    else:
        pread = os.pread
        got = [pread(fd, where & mask, where >> bits) for where in wheres]
    if wheres:
        # A file is only ever cut short at its end: if the piece that begins last
        # came whole, so did every other (one check, not one a piece).
        last = max(wheres)
        if len(got[wheres.index(last)]) != last & mask:  # type: ignore[arg-type]
            pairs = zip(got, wheres, strict=True)
            got = [data if len(data) == where & mask else None for data, where in pairs]  # type: ignore[arg-type]
    return got


def _runs(fd: int, wheres: list[int]) -> list[bytes]:
    """The pieces at ``wheres``: each run of them that lie end to end in this
    order (up to _SPAN bytes) read in one ``pread`` and sliced."""
    mask, bits, pread = _LENGTH_MASK, _LENGTH_BITS, os.pread
    got: list[bytes] = []
    i, count = 0, len(wheres)
    while i < count:
        at = wheres[i] >> bits
        end = at + (wheres[i] & mask)
        j = i + 1
        while j < count and wheres[j] >> bits == end and end - at < _SPAN:  # the next follows on
            end += wheres[j] & mask
            j += 1
        data = pread(fd, end - at, at)
        if j == i + 1:
            got.append(data)
        else:
            start = 0
            for where in wheres[i:j]:
                got.append(data[start : start + (where & mask)])
                start += where & mask
        i = j
    return got


# Most bytes one read of pieces end to end takes: below malloc's mmap threshold
# (128 KiB), so that the bytes read are not a fresh mapping faulted in each time.
_SPAN = 64 << 10
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
