"""Incremental state under .sitegen-cache/: safe to delete, never trusted by mtime.

ParseCache remembers the validated papers of each content file, keyed by a
hash of the file's bytes and of the settings that shape parsing (the time
zone, sitegen's version). A stale or unreadable cache is simply ignored.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
from importlib import metadata
from pathlib import Path
from typing import Any

from . import __version__

CACHE_DIR = ".sitegen-cache"
_FORMAT = 1


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """sitegen's own code and the versions of the libraries that shape output:
    an upgrade or a local code change must not reuse pages made by the old code."""
    h = hashlib.blake2b(digest_size=16)
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.read_bytes())
    for name in (
        "jinja2",
        "markupsafe",
        "markdown-it-py",
        "mdit-py-plugins",
        "latex2mathml",
        "nh3",
        "feedgen",
    ):
        try:
            h.update(f"{name}={metadata.version(name)}\n".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{name}=?\n".encode())
    return h.hexdigest()


def content_digest(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def content_fingerprint(files: list[tuple[str, Path]], settings_key: str) -> str:
    """One digest of every content file's name and bytes, in order."""
    h = hashlib.blake2b(f"{_FORMAT}|{__version__}|{settings_key}".encode(), digest_size=16)
    for name, path in files:
        h.update(f"{name}\0{content_digest(path.read_bytes())}\n".encode())
    return h.hexdigest()


class ParseCache:
    def __init__(self, path: Path, settings_key: str) -> None:
        self.path = path
        # The code is part of the key: a cached Paper must have been made by this very loader.
        self.key = f"{_FORMAT}|{__version__}|{code_digest()}|{settings_key}"
        self._old: dict[str, tuple[str, Any]] = self._read()
        self._new: dict[str, tuple[str, Any]] = {}
        self.hits = 0

    def _read(self) -> dict[str, tuple[str, Any]]:
        try:
            with self.path.open("rb") as handle:
                key, entries = pickle.load(handle)
        except (
            OSError,
            EOFError,
            ValueError,
            TypeError,
            pickle.UnpicklingError,
            AttributeError,
            ImportError,
        ):
            return {}
        return entries if key == self.key and isinstance(entries, dict) else {}

    def has(self, name: str, raw: bytes) -> bool:
        entry = self._old.get(name)
        return entry is not None and entry[0] == content_digest(raw)

    def get(self, name: str, raw: bytes) -> Any | None:
        entry = self._old.get(name)
        if entry is None or entry[0] != content_digest(raw):
            return None
        self._new[name] = entry
        self.hits += 1
        return entry[1]

    def put(self, name: str, raw: bytes, value: Any) -> None:
        self._new[name] = (content_digest(raw), value)

    def save(self) -> None:
        if self._new == self._old:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        try:
            with temporary.open("wb") as handle:
                pickler = pickle.Pickler(handle, protocol=pickle.HIGHEST_PROTOCOL)
                # No memo: it would map every object of every paper (~1 KB a paper at
                # 100k papers). Papers hold no cycles, and the few shared values
                # (a file's path, a time zone) are small enough to repeat.
                pickler.fast = True
                pickler.dump((self.key, self._new))
        except (pickle.PicklingError, TypeError, ValueError, OSError):
            # A cache is an optimisation: a build that cannot save one still succeeds.
            temporary.unlink(missing_ok=True)
            return
        os.replace(temporary, self.path)
