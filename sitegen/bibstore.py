"""papers.bib's entries kept between builds, so that a rebuild remakes only
the entries of papers that changed (one edit at 100k papers: one entry, not
100k at ~30 µs each).

A file beside the build's manifest in .sitegen-cache/ holds the last
papers.bib as written, and for each of its entries, in order: the paper's id,
its digest, its citation key and the entry's length in bytes. An entry is
what its paper (the digest), its key and the site's settings, templates and
sitegen's code (the theme digest, one for the whole file) make it, and
nothing else (pages/cite.py, citation.py). So an entry whose paper, key and
theme digest are the ones kept is taken as it is; any other is made anew. A
file that is torn, of another format or of other settings is not used
(a CRC over all but its head, checked before anything is read from it)."""

from __future__ import annotations

import marshal
import os
import struct
import zlib
from collections.abc import Callable, Iterable
from itertools import accumulate
from pathlib import Path

_MAGIC = b"sitegen papers.bib 1\n"
_HEAD = struct.Struct("<II")  # the CRC of what follows it, the index's length


class Kept:
    """The last papers.bib, and what each of its entries was made of."""

    def __init__(
        self, ids: list[str], digests: list[str], keys: list[str], lengths: list[int], data: memoryview
    ) -> None:
        self.ids, self.digests, self.keys, self.data = ids, digests, keys, data
        self.starts = [0, *accumulate(lengths)]
        self.where = {paper_id: i for i, paper_id in enumerate(ids)}


def read(path: Path, settings: str) -> Kept | None:
    """What ``path`` keeps, if it is whole and was made with ``settings``."""
    try:
        blob = path.read_bytes()
        if not blob.startswith(_MAGIC):
            return None
        crc, size = _HEAD.unpack_from(blob, len(_MAGIC))
        body = memoryview(blob)[len(_MAGIC) + _HEAD.size :]
        if zlib.crc32(body) != crc:
            return None
        kept_settings, ids, digests, keys, lengths = marshal.loads(body[:size])
        data = body[size:]
        if kept_settings != settings or not len(ids) == len(digests) == len(keys) == len(lengths):
            return None
        if sum(lengths) != len(data):
            return None
        return Kept(ids, digests, keys, lengths, data)
    except (OSError, ValueError, EOFError, TypeError, struct.error):
        return None


def temporary_of(path: Path) -> Path:
    """Where ``write`` puts the store before it replaces ``path`` (left only by a crash)."""
    return path.with_name(path.name + ".tmp")


def write(path: Path, settings: str, rows: tuple[list, list, list, list], data: bytes) -> None:
    """Keep ``data`` (papers.bib) and its entries' ``rows`` (ids, digests,
    keys, lengths) at ``path``, replaced whole; nothing if it cannot."""
    index = marshal.dumps((settings, *rows), 2)
    head = _MAGIC + _HEAD.pack(zlib.crc32(data, zlib.crc32(index)), len(index))
    temporary = temporary_of(path)
    try:
        with open(temporary, "wb") as handle:
            handle.writelines((head, index, data))
        os.replace(temporary, path)
    except OSError:
        pass  # a cache only: the next build makes every entry


def assemble(
    papers: Iterable[tuple[str, str, str]], make: Callable[[str], str], kept: Kept | None
) -> tuple[bytes, tuple[list, list, list, list], int]:
    """papers.bib from ``papers`` (id, digest, key: in the file's order): each
    entry taken from ``kept`` where its paper, digest and key are the ones kept,
    else ``make(id)`` (the entry's text, without its blank line). Runs of kept
    entries that follow each other are taken in one slice. Returns the file's
    bytes, its rows for ``write`` and how many entries were made."""
    pieces: list[bytes | memoryview] = []
    ids: list[str] = []
    digests: list[str] = []
    keys: list[str] = []
    lengths: list[int] = []
    made = 0
    run_start = run_end = -1  # the run of kept entries not yet taken
    if kept is None:
        kept = Kept([], [], [], [], memoryview(b""))
    where, kept_digests, kept_keys, starts, data = kept.where, kept.digests, kept.keys, kept.starts, kept.data
    for paper_id, digest, key in papers:
        i = where.get(paper_id)
        if i is not None and kept_digests[i] == digest and kept_keys[i] == key:
            start, end = starts[i], starts[i + 1]
            if start != run_end:
                if run_end > run_start:
                    pieces.append(data[run_start:run_end])
                run_start = start
            run_end = end
            length = end - start
        else:
            if run_end > run_start:
                pieces.append(data[run_start:run_end])
            run_start = run_end = -1
            entry = (make(paper_id) + "\n\n").encode("utf-8")
            pieces.append(entry)
            length = len(entry)
            made += 1
        ids.append(paper_id)
        digests.append(digest)
        keys.append(key)
        lengths.append(length)
    if run_end > run_start:
        pieces.append(data[run_start:run_end])
    return b"".join(pieces), (ids, digests, keys, lengths), made
