"""CardStore: every paper's rendered card, packed into a few large buffers.

At 100k papers the cards are the largest thing a build holds (~100 MB of
UTF-8), and list-rendering workers are forked from the process that holds
them. Had each card its own bytes object, a worker reading it would write
that object's reference count and so copy its memory page: every worker
would end up with its own copy of nearly all cards. Slicing a card out of a
shared buffer only reads the buffer, so its pages stay shared.
"""

from __future__ import annotations

_BLOCK = 4 << 20  # bytes a buffer holds before the next one is started


class CardStore:
    def __init__(self) -> None:
        self._blocks: list[bytearray] = []
        self._where: dict[str, tuple[int, int, int]] = {}  # paper id -> (block, start, end)

    def __contains__(self, paper_id: str) -> bool:
        return paper_id in self._where

    def __len__(self) -> int:
        return len(self._where)

    def put(self, paper_id: str, card: bytes) -> None:
        """Keep ``card`` (UTF-8 HTML) as ``paper_id``'s card, replacing any before."""
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
        block, start, end = where
        return bytes(self._blocks[block][start:end])

    def text(self, paper_id: str) -> str | None:
        where = self._where.get(paper_id)
        if where is None:
            return None
        block, start, end = where
        return self._blocks[block][start:end].decode()
