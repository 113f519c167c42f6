"""What of the papers nothing but their own pages shows, set aside in the
build's file while a parallel build renders: abstracts, links, source paths.

An abstract is the largest part of a paper in memory (~45% of the papers'
objects: ~145 MB at 100k papers), its links the next (~390 bytes a paper:
three pairs and their URLs) and the Path of its content file after them
(~240 bytes). After the related lists only a paper's own view and its cite
files read them (the source, nothing that renders), made in the first render
phase by the process that renders the paper's page, from a copy of the paper
read back from the parse cache or, without one, from that file. So before its
first fork a parallel build writes the three to its file with no name
(buildfile.RecordFile: nothing outlives a killed build), one record a paper,
and empties them in the site's papers: no process of either phase holds them,
or copies the memory pages they sat on. ``whole`` gives a paper with them
back, for a view made elsewhere (a neighbour's, a feed's without a record).
"""

from __future__ import annotations

import dataclasses
import marshal
from collections.abc import Mapping, Sequence
from pathlib import Path

from .buildfile import RecordFile, place, read_place
from .model import Paper
from .sourcepaths import path_names

_WRITE = 1 << 20  # bytes of records gathered for each write
_PATH = type(Path())  # what the loader makes of a source; anything else stays in the paper
# Each field's slot descriptor (a paper is frozen for everyone else).
_SET_ABSTRACT, _SET_LINKS, _SET_SOURCE = (getattr(Paper, f).__set__ for f in ("abstract", "links", "source"))


class SetAside:
    """Where each paper's set-aside fields are in the build's file (a
    buildfile.place), read back through the descriptor a forked process inherited."""

    def __init__(self, file: RecordFile) -> None:
        self._where: dict[str, int] = {}
        self._file = file
        self.read = 0  # papers read back, for the tests

    def __len__(self) -> int:
        return len(self._where)

    def set_aside(self, papers: Sequence[Paper], names: Mapping[int, str] | None = None) -> None:
        """Write the abstract, links and source of each of ``papers`` to the
        file, then empty them in the papers themselves. Papers without a
        loader's digest keep theirs (a key is then made from the whole paper),
        and so do those the file cannot take. ``names``: a source Path's id ->
        its name (sourcepaths.path_names)."""
        pending: list[tuple[str, bytes]] = []
        held: list[Paper] = []  # the papers of ``pending``
        size = 0
        names = path_names() if names is None else names
        for paper in papers:
            record = _record(paper, names) if paper.digest else None
            if record is not None:
                pending.append((paper.id, record))
                held.append(paper)
                size += len(record)
                if size >= _WRITE:
                    self._write(pending, held)
                    pending, held, size = [], [], 0
        self._write(pending, held)

    def _write(self, records: list[tuple[str, bytes]], papers: list[Paper]) -> None:
        """Write ``records`` (those of ``papers``), then empty the papers' fields
        that went to the file (frozen for everyone else: set through their
        slots' descriptors, ~half object.__setattr__'s cost)."""
        where_of = self._where
        written = self._file.write(records)  # every record, or none if the disk is full
        for paper, (paper_id, at, length) in zip(papers, written, strict=False):
            where = place(at, length)
            if where is not None:
                where_of[paper_id] = where
                _SET_ABSTRACT(paper, "")
                _SET_LINKS(paper, ())
                _SET_SOURCE(paper, None)

    def whole(self, paper: Paper) -> Paper:
        """``paper`` with its set-aside fields: itself (a copy, or one that
        kept them), or a copy with them read back."""
        where = self._where.get(paper.id)
        if where is None or paper.abstract or paper.links or paper.source is not None:
            return paper
        if self._file.fd < 0:
            raise RuntimeError(f"the abstract of {paper.id} is wanted after the build's file was closed")
        data = read_place(self._file.fd, where)
        if data is None:
            raise OSError(f"the set-aside abstract of {paper.id} was cut short")
        self.read += 1
        abstract, links, source = marshal.loads(data)
        return dataclasses.replace(
            paper, abstract=abstract, links=links, source=None if source is None else Path(source)
        )


def _record(paper: Paper, names: dict[int, str]) -> bytes | None:
    """The paper's abstract, links and source as one record; None if it has
    none of them, links of values marshal cannot write or a source that is
    not the loader's Path."""
    source = paper.source
    if source is not None and type(source) is not _PATH:  # given by hand: kept as it is
        return None
    if not paper.abstract and not paper.links and source is None:
        return None
    try:
        name = None if source is None else names.get(id(source)) or str(source)
        return marshal.dumps((paper.abstract, paper.links, name))
    except ValueError:  # links that are not plain strings: kept in the paper
        return None
