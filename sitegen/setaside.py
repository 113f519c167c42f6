"""The papers' abstracts, set aside in the build's file while a parallel build renders.

An abstract is the largest part of a paper in memory (~45% of the papers'
objects: ~145 MB at 100k papers), and after the related lists nothing but a
paper's own view and its RIS file reads it. Both are made in the first
render phase, by the process that renders the paper's page, from a copy of
the paper read back from the parse cache or, without one, from that file.
So before its first fork a parallel build writes every abstract to its
file with no name (buildfile.RecordFile: nothing outlives a killed build) and
empties it in the site's papers: no process of either phase holds it, or
copies the memory pages it sat on. ``whole`` gives a paper with its abstract
back, for a view made elsewhere (a neighbour's, a feed's without a record).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from .buildfile import RecordFile, place, read_place
from .model import Paper

_WRITE = 1 << 20  # bytes of abstracts gathered for each write


class Abstracts:
    """Where each set-aside abstract is in the build's file (a buildfile.place),
    read back through the descriptor a forked process inherited."""

    def __init__(self, file: RecordFile) -> None:
        self._where: dict[str, int] = {}
        self._file = file
        self.read = 0  # abstracts read back, for the tests

    def __len__(self) -> int:
        return len(self._where)

    def set_aside(self, papers: Sequence[Paper]) -> None:
        """Write the abstracts of ``papers`` to the file, then empty them in the
        papers themselves. Papers without a loader's digest keep theirs (a key
        is then made from the whole paper), and so do those the file cannot take."""
        pending: list[tuple[str, bytes]] = []
        size = 0
        for paper in papers:
            if paper.abstract and paper.digest:
                pending.append((paper.id, paper.abstract.encode()))
                size += len(pending[-1][1])
                if size >= _WRITE:
                    self._write(pending)
                    pending, size = [], 0
        self._write(pending)
        by_id = {paper.id: paper for paper in papers}
        for paper_id in self._where:
            object.__setattr__(by_id[paper_id], "abstract", "")  # frozen for everyone else

    def _write(self, abstracts: list[tuple[str, bytes]]) -> None:
        for paper_id, at, length in self._file.write(abstracts):  # none, if the disk is full
            where = place(at, length)
            if where is not None:
                self._where[paper_id] = where

    def whole(self, paper: Paper) -> Paper:
        """``paper`` with its abstract: itself, or a copy with the abstract read back."""
        where = self._where.get(paper.id) if not paper.abstract else None
        if where is None:
            return paper
        if self._file.fd < 0:
            raise RuntimeError(f"the abstract of {paper.id} is wanted after the build's file was closed")
        data = read_place(self._file.fd, where)
        if data is None:
            raise OSError(f"the set-aside abstract of {paper.id} was cut short")
        self.read += 1
        return dataclasses.replace(paper, abstract=data.decode())
