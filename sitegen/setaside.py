"""The papers' abstracts, set aside in a file while a parallel build renders.

An abstract is the largest part of a paper in memory (~45% of the papers'
objects: ~145 MB at 100k papers), and after the related lists nothing but a
paper's own view and its RIS file reads it. Both are made in the first
render phase, by the process that renders the paper's page, from a copy of
the paper read back from the parse cache or, without one, from this file.
So before its first fork a parallel build writes every abstract to a file
with no name (like feedrecords.RecordFile: nothing outlives a killed build)
and empties it in the site's papers: no process of either phase holds it, or
copies the memory pages it sat on. ``whole`` gives a paper with its abstract
back, for a view made elsewhere (a neighbour's, a feed's without a record).
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Sequence
from typing import IO

from .model import Paper

_LENGTH_BITS = 32
_WRITE = 1 << 20  # bytes gathered before each write


class Abstracts:
    """Where each set-aside abstract is in the build's file (offset and length
    as one int), read back through the descriptor a forked process inherited."""

    def __init__(self) -> None:
        self._where: dict[str, int] = {}
        self._file: IO[bytes] | None = None
        self.read = 0  # abstracts read back, for the tests

    def __len__(self) -> int:
        return len(self._where)

    def set_aside(self, papers: Sequence[Paper]) -> None:
        """Write the abstracts of ``papers`` to the file, then empty them in the
        papers themselves. Papers without a loader's digest keep theirs (a key
        is then made from the whole paper); if the file cannot be written, all do."""
        chosen = [paper for paper in papers if paper.abstract and paper.digest]
        if not chosen:
            return
        where: dict[str, int] = {}
        try:
            self._file = tempfile.TemporaryFile(prefix="sitegen-abstracts-")
            fd, at, pending, size = self._file.fileno(), 0, [], 0
            for paper in chosen:
                data = paper.abstract.encode()
                if len(data) >> _LENGTH_BITS:
                    continue
                where[paper.id] = at << _LENGTH_BITS | len(data)
                at += len(data)
                pending.append(data)
                size += len(data)
                if size >= _WRITE:
                    _write_all(fd, b"".join(pending))
                    pending, size = [], 0
            _write_all(fd, b"".join(pending))
        except OSError:  # no room for them: the papers keep their abstracts
            self.close()
            return
        self._where = where
        for paper in chosen:
            if paper.id in where:
                object.__setattr__(paper, "abstract", "")  # frozen for everyone else

    def whole(self, paper: Paper) -> Paper:
        """``paper`` with its abstract: itself, or a copy with the abstract read back."""
        place = self._where.get(paper.id) if not paper.abstract else None
        if place is None:
            return paper
        if self._file is None:
            raise RuntimeError(f"the abstract of {paper.id} is wanted after the build's file was closed")
        length = place & ((1 << _LENGTH_BITS) - 1)
        data = os.pread(self._file.fileno(), length, place >> _LENGTH_BITS)
        if len(data) != length:
            raise OSError(f"the set-aside abstract of {paper.id} was cut short")
        self.read += 1
        return dataclasses.replace(paper, abstract=data.decode())

    def close(self) -> None:
        """Forget the file. The papers keep what they have (their abstracts are
        not put back: a build's papers end with it)."""
        if self._file is not None:
            self._file.close()
        self._file = None


def _write_all(fd: int, data: bytes) -> None:
    done = 0
    while done < len(data):
        done += os.write(fd, data[done:])
