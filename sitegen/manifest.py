"""The writer's record of a build (the manifest): its file, and the compact
form in which a build holds each of its entries meanwhile.

On disk an entry is ``[input key, size]``. In memory a build holds one for
every file it makes (427k at 100k papers), from the paper pages' phase to the
commit, while the processes of the last phase are forked from it: as a list
of a key string and an int an entry took ~220 bytes, as one string holding
both it takes ~90 (~50 MB less at 100k papers)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from json.encoder import encode_basestring_ascii as _quoted  # how json.dumps writes a str
from pathlib import Path
from typing import BinaryIO

MANIFEST_VERSION = 4

Entry = str  # "<size> <input key>": what Writer keeps for each file of this build


def entry(key: str, size: int) -> Entry:
    return f"{size} {key}"


def key_of(held: Entry) -> str:
    return held.partition(" ")[2]


def record_of(held: Entry) -> list:
    """The entry as the manifest file writes it: [input key, size]."""
    size, _, key = held.partition(" ")
    return [key, int(size)]


def records(held: Mapping[str, Entry]) -> dict[str, list]:
    """Every entry as the manifest file writes them, by path."""
    return {path: record_of(held[path]) for path in sorted(held)}


def dumps(head: dict, held: Mapping[str, Entry]) -> str:
    """The manifest file's text: ``head``'s fields, then ``"files"``, each
    entry as ``[input key, size]`` by path in sorted order. The same text as
    ``json.dumps`` of ``records(held)`` gives, made without a list and a dict
    entry per file: this runs as the build ends, with every other process
    done (427k entries at 100k papers)."""
    files = []
    for path in sorted(held):
        size, _, key = held[path].partition(" ")
        files.append(f"{_quoted(path)}:[{_quoted(key)},{size}]")
    fields = json.dumps(head, separators=(",", ":"))
    return f'{fields[:-1]}{"," if head else ""}"files":{{{",".join(files)}}}}}'


def load(path: Path) -> dict | None:
    """A manifest file's data, if it is one this version of sitegen wrote."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    ok = isinstance(data, dict) and data.get("version") == MANIFEST_VERSION
    return data if ok and isinstance(data.get("files"), dict) else None


# One entry of the "files" object as dumps writes it, and the comma or brace after it:
# printable ASCII strings (encode_basestring_ascii escapes everything else), a size.
# Most have no escape: a pattern of one character class reads them ~4x faster.
_PLAIN = rb"[\x20\x21\x23-\x5b\x5d-\x7e]"
_TEXT = rb'(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*'
_SIZE = rb",(?:0|[1-9][0-9]*)\]([,}])"
_ENTRY = re.compile(rb'"(' + _PLAIN + rb'*)":\["' + _PLAIN + rb'*"' + _SIZE)
_ESCAPED = re.compile(rb'"(' + _TEXT + rb')":\["' + _TEXT + rb'"' + _SIZE)
_FILES = b'"files":{'


class RecordPaths:
    """The paths of the manifest file at ``path``, in its order, read from disk
    a megabyte at a time (sparelink.py's linker: without the build's memory).
    Iterating raises ValueError, possibly after some paths, unless the file is
    a record exactly as ``dumps`` writes it, with the fields ``head`` and
    ``count`` files: so a torn or foreign record, or another build's, is not
    taken for the one the build read."""

    def __init__(self, path: str, head: dict, count: int) -> None:
        self.path, self.head, self.count = path, head, count

    def __iter__(self) -> Iterator[str]:
        with open(self.path, "rb") as f:
            data = f.read(1 << 20)
            at = data.find(_FILES)
            fields = json.loads(data[:at] + b'"files":{}}') if at > 0 else None
            if not isinstance(fields, dict) or any(fields.get(k) != v for k, v in self.head.items()):
                raise ValueError(f"{self.path}: not the record read")
            last, count = "", 0
            for raw in _entries(f, data, at + len(_FILES)):
                path = raw.decode("ascii") if type(raw) is bytes else raw
                if count and path <= last:  # dumps sorts them: none twice
                    raise ValueError(f"{self.path}: not in order at {path!r}")
                yield path
                last, count = path, count + 1
            if count != self.count:
                raise ValueError(f"{self.path}: {count} files, not {self.count}")


def _entries(f: BinaryIO, data: bytes, pos: int) -> Iterator[bytes | str]:
    """The paths of the record's entries from ``data[pos:]`` on, then in the
    rest of ``f``: plain ones as their bytes (a chunk's at once), escaped ones
    as json reads them; raises ValueError unless the record then ends."""
    while True:
        for found in _ENTRY.finditer(data, pos):
            if found.start() != pos:
                break
            yield found[1]
            pos = found.end()
            if found[2] == b"}":
                return _end(f, data[pos:], b"}")
        found = _ESCAPED.match(data, pos)
        if found is not None:
            yield json.loads(b'"%s"' % found[1])
            pos = found.end()
            if found[2] == b"}":
                return _end(f, data[pos:], b"}")
            continue
        more = f.read(1 << 20) if len(data) - pos < 1 << 16 else b""  # else not an entry
        if not more:
            return _end(f, data[pos:], b"}}")  # "}}" after no entry at all
        data, pos = data[pos:] + more, 0


def _end(f: BinaryIO, rest: bytes, end: bytes) -> None:
    if rest + f.read() != end:
        raise ValueError("not a whole record")
