"""The writer's record of a build (the manifest): its file, and the compact
form in which a build holds each of its entries meanwhile.

On disk an entry is ``[input key, size]``. In memory a build holds one for
every file it makes (427k at 100k papers), from the paper pages' phase to the
commit, while the processes of the last phase are forked from it: as a list
of a key string and an int an entry took ~220 bytes, as one string holding
both it takes ~90 (~50 MB less at 100k papers)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from json.encoder import encode_basestring_ascii as _quoted  # how json.dumps writes a str
from pathlib import Path

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
