"""CardStore: every paper's rendered card, packed into a few large buffers.

At 100k papers the cards are the largest thing a build holds (~100 MB of
UTF-8), and list-rendering workers are forked from the process that holds
them. Had each card its own bytes object, a worker reading it would write
that object's reference count and so copy its memory page: every worker
would end up with its own copy of nearly all cards. Slicing a card out of a
shared buffer only reads the buffer, so its pages stay shared.

A parallel build keeps them in its record file instead (``keep_in``:
buildfile.RecordFile, one file with no name for all its processes), read
back with ``pread`` where a list shows one: they are then in no process's
memory at all (~115 MB at 100k papers, from the paper pages' end to the last
list's), for ~1 µs more a card read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from .buildfile import Handed, place, read_place, read_places

_BLOCK = 4 << 20  # bytes a buffer holds before the next one is started


class _File(Protocol):
    fd: int

    def write(self, records: list[tuple[str, bytes]]) -> Handed: ...


class CardStore:
    def __init__(self) -> None:
        self._blocks: list[bytearray] = []
        # paper id -> (block, start, end), or where in the file (offset and length as one int)
        self._where: dict[str, tuple[int, int, int] | int] = {}
        self._file: _File | None = None

    def keep_in(self, file: _File | None) -> None:
        """Keep the cards put from now on in ``file`` (None: in this process's
        buffers again); a card the file cannot take (a full disk) stays here."""
        self._file = file if file is not None and file.fd >= 0 else None

    def __contains__(self, paper_id: str) -> bool:
        return paper_id in self._where

    def __len__(self) -> int:
        return len(self._where)

    def put(self, paper_id: str, card: bytes) -> None:
        """Keep ``card`` (UTF-8 HTML) as ``paper_id``'s card, replacing any before."""
        self.put_all([(paper_id, card)])

    def put_all(self, cards: Iterable[tuple[str, bytes]]) -> None:
        """``put`` each (paper id, card), the file's in one write."""
        if self._file is None:
            for paper_id, card in cards:
                self._put(paper_id, card)
            return
        cards = list(cards)
        written = self._file.write(cards) if cards else []
        if len(written) != len(cards):  # the file took none of them
            for paper_id, card in cards:
                self._put(paper_id, card)
            return
        for (paper_id, at, length), (_, card) in zip(written, cards, strict=True):
            where = place(at, length)
            if where is None:  # too long to say where: kept here
                self._put(paper_id, card)
            else:
                self._where[paper_id] = where

    def _put(self, paper_id: str, card: bytes) -> None:
        if not self._blocks or 0 < len(self._blocks[-1]) and len(self._blocks[-1]) + len(card) > _BLOCK:
            self._blocks.append(bytearray())
        block = self._blocks[-1]
        start = len(block)
        block += card
        self._where[paper_id] = (len(self._blocks) - 1, start, len(block))

    def get(self, paper_id: str) -> bytes | None:
        where = self._where.get(paper_id)
        if where is None:
            return None
        if type(where) is int:
            return self._read(paper_id, where)
        block, start, end = where  # type: ignore[misc]
        return bytes(self._blocks[block][start:end])

    def text(self, paper_id: str) -> str | None:
        """The card as text: a list page reads ~9 a paper (~0.9M at 100k papers),
        so the file's are read here, not through ``_read`` (~15% of a read's instructions)."""
        where = self._where.get(paper_id)
        if type(where) is int:
            data = read_place(self._file.fd, where) if self._file is not None else None
            return data.decode() if data is not None else self._read(paper_id, where).decode()
        if where is None:
            return None
        block, start, end = where  # type: ignore[misc]
        return self._blocks[block][start:end].decode()

    def texts(self, paper_ids: Sequence[str]) -> list[str | None]:
        """``text`` of each of ``paper_ids``; those in the file read together
        (buildfile.read_places): a home page's or a day's cards lie end to end
        there, and come in one system call, not one a card."""
        wheres = list(map(self._where.get, paper_ids))
        # Every card in the file (none in this process's buffers, none unknown): read
        # together, each decoded in C; else, or a card cut short (its error), one by one.
        if self._file is not None and not self._blocks and None not in wheres:
            datas = read_places(self._file.fd, wheres)  # type: ignore[arg-type]
            if None not in datas:
                return list(map(bytes.decode, datas))  # type: ignore[arg-type]
        return list(map(self.text, paper_ids))

    def _read(self, paper_id: str, where: int) -> bytes:
        assert self._file is not None, "cards kept in a file are read while it is open"
        data = read_place(self._file.fd, where)
        if data is None:
            raise OSError(f"the card of {paper_id} was cut short in the build's record file")
        return data
