"""What a related-papers computation leaves behind for the next build to
update (``Tables``), and its file under .sitegen-cache/.

The file is binary: a header (JSON) naming its sections, the sections (arrays
and newline-joined text), then a CRC-32 of all of it. Anything that is not
exactly such a file made with the same settings (a torn write, another format
version, a flipped bit, arrays of the wrong length) reads as None, and the
caller works everything out again. The file is replaced whole, never written
in place.
"""

from __future__ import annotations

import json
import os
import struct
import sys
import zlib
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import accumulate
from operator import le, sub
from pathlib import Path
from typing import BinaryIO

from .safefiles import UnsafeFile, read_regular

FORMAT = 3
NONE = 0xFFFFFFFF  # an empty slot in the fixed-width arrays (kept words, lists)
_MAGIC = b"sitegen related tables\n"
_LENGTH = struct.Struct("<Q")
_CRC = struct.Struct("<I")


@dataclass
class Tables:
    """Everything the lists were made from, papers by index in id order and
    words by number (``vocab``'s index: a word keeps its number for as long as
    the tables are updated rather than made anew)."""

    count: int  # the longest list (`related:`)
    terms: int  # slots per paper in ``kept`` and ``weights`` (related.TERMS)
    ids: list[str]
    texts: str  # every paper's title and abstract, end to end ...
    text_starts: array  # ... paper i's title from text_starts[2i], abstract from text_starts[2i + 1]
    vocab: list[str]  # every word some paper has or had
    df: array  # per word: how many papers have it
    kept: array  # per paper ``terms`` slots: the words it is matched by (NONE: empty slot) ...
    weights: array  # ... and their integer weights
    last: array  # per paper: the raw weight of its ``terms``-th kept word, 0.0 if it keeps fewer
    most: array  # per paper: how often its most repeated word is in it (at most 64)
    post_starts: array  # per word: the papers it proposes, from post_starts[w] to post_starts[w + 1] ...
    post_papers: array  # ... those papers ...
    post_weights: array  # ... and the word's weight in each
    lists: array  # per paper ``count`` slots: its related papers, most alike first (NONE: empty)
    # Paper -> its title and abstract, where an update changed them: ``texts``
    # and ``text_starts`` stay as read, and the file is written from both (a
    # new ``texts``, spliced, held the old and the new at once: ~300 MB at 100k).
    edited: dict[int, tuple[str, str]] = field(default_factory=dict)

    def text(self, paper: int) -> tuple[str, str]:
        """Paper ``paper``'s title and abstract."""
        if paper in self.edited:
            return self.edited[paper]
        a, b, c = self.text_starts[2 * paper : 2 * paper + 3]
        return self.texts[a:b], self.texts[b:c]

    def vector(self, paper: int) -> list[tuple[int, int]]:
        """The words paper ``paper`` keeps, each with its weight."""
        at, terms = paper * self.terms, self.terms
        pairs = zip(self.kept[at : at + terms], self.weights[at : at + terms], strict=True)
        return [(word, weight) for word, weight in pairs if word != NONE]

    def posting(self, word: int) -> tuple[tuple[int, int], ...]:
        """The papers word ``word`` proposes, each with its weight there."""
        a, b = self.post_starts[word], self.post_starts[word + 1]
        return tuple(zip(self.post_papers[a:b], self.post_weights[a:b], strict=True))

    def lists_by_id(self) -> dict[str, tuple[str, ...]]:
        """Paper id -> its related papers' ids; papers with none left out."""
        ids, lists, width = self.ids, self.lists, self.count
        result = {}
        name = ids.__getitem__
        # Each row a tuple (zip of one iterator ``width`` times); empty slots come last.
        for paper_id, row in zip(ids, zip(*[iter(lists)] * width, strict=True), strict=True):
            if row[0] != NONE:
                if row[-1] == NONE:
                    row = row[: row.index(NONE)]
                result[paper_id] = tuple(map(name, row))
        return result


def starts_of(lengths: array | list[int]) -> array:
    return array("I", accumulate(lengths, initial=0))


ARRAYS = {  # the tables' fixed-width arrays and their type codes, in file order
    "text_starts": "I",
    "df": "I",
    "kept": "I",
    "weights": "I",
    "last": "d",
    "most": "B",
    "post_starts": "I",
    "post_papers": "I",
    "post_weights": "I",
    "lists": "I",
}


def write_tables(path: Path, tables: Tables, key: str) -> None:
    """``tables`` at ``path``, replaced whole; raises OSError."""
    texts, text_starts = _texts(tables)
    size = sum(len(piece) for piece in texts)
    with TablesWriter(path, key, tables.count, tables.terms) as out:
        numbers = [getattr(tables, name) for name in ARRAYS if name not in ("text_starts", "lists")]
        out.begin(tables.ids, (size, texts), tables.vocab, [text_starts, *numbers])
        out.finish(tables.lists)


class TablesWriter:
    """A tables file written in two goes, so that the first can be written
    while the lists are still being worked out: ``begin`` writes everything
    but the lists (the last section), ``finish`` the lists and the CRC, then
    puts the file in place. Left unfinished (an exception, ``close``), its
    temporary file is removed and the file in place stays as it was."""

    def __init__(self, path: Path, key: str, count: int, terms: int) -> None:
        self.path, self.key, self.count, self.terms = path, key, count, terms
        self._temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        self._out: BinaryIO | None = None
        self._crc = 0
        self._papers = 0

    def begin(
        self, ids: list[str], texts: tuple[int, Iterable[bytes]], vocab: list[str], numbers: list[array]
    ) -> None:
        """Every section but the lists: ``texts`` as its size in bytes and
        its pieces, ``numbers`` the arrays in the file's order, lists left out."""
        self._papers = len(ids)
        ids_bytes, vocab_bytes = "\n".join(ids).encode(), "\n".join(vocab).encode()
        sizes = [len(ids_bytes), texts[0], len(vocab_bytes), *(memoryview(a).nbytes for a in numbers)]
        sizes.append(len(ids) * self.count * array("I").itemsize)  # the lists
        header = {
            "key": self.key,
            "count": self.count,
            "terms": self.terms,
            "machine": _machine(),
            "papers": len(ids),
            "words": len(vocab),
            "sections": [list(pair) for pair in zip(("ids", "texts", "vocab", *ARRAYS), sizes, strict=True)],
        }
        head = json.dumps(header, separators=(",", ":")).encode()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._out = self._temporary.open("wb")
        for part in (_MAGIC, _LENGTH.pack(len(head)), head, ids_bytes):
            self._write(part)
        if sum(map(self._write, texts[1])) != texts[0]:
            raise ValueError("the texts are not the size given")
        for part in (vocab_bytes, *numbers):
            self._write(part)

    def finish(self, lists: array) -> None:
        """The lists, then the file in place of any before."""
        assert self._out is not None, "begun"
        if len(lists) != self._papers * self.count:
            raise ValueError("lists of another size than the header's")
        self._write(lists)
        self._out.write(_CRC.pack(self._crc))
        self._out.close()
        os.replace(self._temporary, self.path)
        self._out = None

    def close(self) -> None:
        """Unless finished: the temporary file removed, the file in place left as it was."""
        if self._out is not None:
            self._out.close()
            self._out = None
        self._temporary.unlink(missing_ok=True)

    def __enter__(self) -> TablesWriter:
        return self

    def __exit__(self, *exception: object) -> None:
        self.close()

    def _write(self, part: bytes | array) -> int:
        assert self._out is not None
        self._out.write(part)
        self._crc = zlib.crc32(part, self._crc)
        return memoryview(part).nbytes


_PIECE = 1 << 20  # characters of ``texts`` encoded at once


def text_pieces(texts: str) -> tuple[int, Iterator[bytes]]:
    """``texts`` as the file holds them: their size in bytes, and the bytes
    one piece at a time (encoded as written, never all at once)."""
    size = len(texts) if texts.isascii() else sum(len(piece) for piece in _pieces(texts, 0, len(texts)))
    return size, _pieces(texts, 0, len(texts))


def _pieces(texts: str, start: int, end: int) -> Iterator[bytes]:
    for a in range(start, end, _PIECE):
        yield texts[a : min(a + _PIECE, end)].encode(errors="surrogatepass")


def _texts(tables: Tables) -> tuple[list[bytes], array]:
    """The texts section, in pieces, with the edited papers' texts in place of
    their old ones, and where each title and abstract there starts."""
    starts, texts, pieces, at = tables.text_starts, tables.texts, [], 0
    for i in sorted(tables.edited):
        pieces.extend(_pieces(texts, at, starts[2 * i]))
        pieces.extend(part.encode(errors="surrogatepass") for part in tables.edited[i])
        at = starts[2 * i + 2]
    pieces.extend(_pieces(texts, at, len(texts)))
    lengths = list(map(sub, starts[1:], starts[:-1]))
    for i, (title, abstract) in tables.edited.items():
        lengths[2 * i : 2 * i + 2] = len(title), len(abstract)
    return pieces, starts_of(lengths)


_LARGEST = 1 << 32  # bytes; a 100k-paper site's tables are ~150 MB


def read_tables(path: Path, key: str, count: int, terms: int) -> Tables | None:
    """The tables at ``path`` if they are whole and were made with ``key``,
    ``count`` and ``terms``; else None."""
    try:
        # Not a link, FIFO or device: the cache folder is on disk like content (a FIFO would hang).
        data = read_regular(path, _LARGEST)
    except UnsafeFile:
        return None
    try:
        return _parse(data, key, count, terms)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, struct.error):
        return None


def _machine() -> str:
    return f"{sys.byteorder} I{array('I').itemsize} d{array('d').itemsize}"


def _parse(data: bytes, key: str, count: int, terms: int) -> Tables | None:
    if not data.startswith(_MAGIC) or len(data) < len(_MAGIC) + _LENGTH.size + _CRC.size:
        return None
    body, (crc,) = memoryview(data)[: -_CRC.size], _CRC.unpack(data[-_CRC.size :])
    if zlib.crc32(body) != crc:
        return None
    at = len(_MAGIC) + _LENGTH.size
    (head_length,) = _LENGTH.unpack_from(body, len(_MAGIC))
    header = json.loads(bytes(body[at : at + head_length]))
    at += head_length
    made = (header["key"], header["count"], header["terms"], header["machine"])
    if made != (key, count, terms, _machine()):
        return None
    parts: dict[str, memoryview] = {}
    for name, size in header["sections"]:
        parts[name] = body[at : at + size]
        at += size
    if at != len(body) or set(parts) != {"ids", "texts", "vocab", *ARRAYS}:
        return None
    papers, words = header["papers"], header["words"]
    found = {name: array(code) for name, code in ARRAYS.items()}
    for name, numbers in found.items():
        numbers.frombytes(parts[name])
    ids = str(parts["ids"], "utf-8").split("\n") if papers else []
    vocab = str(parts["vocab"], "utf-8").split("\n") if words else []
    texts = str(parts["texts"], "utf-8", "surrogatepass")
    tables = Tables(count, terms, ids, texts, vocab=vocab, **found)
    return tables if _whole(tables, papers, words) else None


def _whole(t: Tables, papers: int, words: int) -> bool:
    """The shapes fit together and every number points at something."""
    sizes = (len(t.ids), len(t.text_starts) // 2, len(t.last), len(t.most))
    if (
        sizes != (papers,) * 4
        or len(t.text_starts) != 2 * papers + 1
        or (len(t.vocab), len(t.df)) != (words,) * 2
    ):
        return False
    widths = (len(t.kept), len(t.weights), len(t.lists))
    if widths != (papers * t.terms, papers * t.terms, papers * t.count):
        return False
    if len(t.post_starts) != words + 1 or len(t.post_papers) != len(t.post_weights):
        return False
    for starts, end in ((t.text_starts, len(t.texts)), (t.post_starts, len(t.post_papers))):
        if starts[0] != 0 or starts[-1] != end or not all(map(le, starts, starts[1:])):
            return False
    return _below(t.kept, words) and _below(t.lists, papers) and _below(t.post_papers, papers)


def _below(numbers: array, end: int) -> bool:
    """Every number but NONE is below ``end``."""
    found = set(numbers)
    found.discard(NONE)
    return not found or max(found) < end
