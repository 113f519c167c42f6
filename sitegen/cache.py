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
import sys
from collections.abc import Mapping
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
    for name, version in _versions(_OUTPUT_LIBRARIES).items():
        h.update(f"{name}={version}\n".encode())
    return h.hexdigest()


_OUTPUT_LIBRARIES = ("jinja2", "markupsafe", "pyromark", "latex2mathml", "nh3", "feedgen", "pylatexenc")
_OUTPUT_LIBRARIES += ("pagefind_bin",)  # the search index


def _versions(names: tuple[str, ...]) -> dict[str, str]:
    """Installed version of each library ('?' if none): read from the
    name-version.dist-info folders on sys.path, the first found winning, as
    importlib.metadata does, but without importing it (~50 ms, every build);
    that is the fallback for anything installed some other way."""
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            listing = os.listdir(entry or ".")
        except OSError:
            continue
        for item in listing:
            if item.endswith(".dist-info"):
                name, _, version = item.removesuffix(".dist-info").partition("-")
                name = name.lower().replace("-", "_").replace(".", "_")
                if name in names and version:
                    found.setdefault(name, version)
    missing = [name for name in names if name not in found]
    if missing:
        from importlib import metadata

        for name in missing:
            try:
                found[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                found[name] = "?"
    return {name: found[name] for name in names}


def content_digest(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def content_fingerprint(
    files: list[tuple[str, Path]], settings_key: str, known: Mapping[str, str] | None = None
) -> str:
    """One digest of every content file's name and bytes, in order; ``known``
    holds digests already taken (ParseCache.digests), so those files are not read again."""
    known = known or {}
    h = hashlib.blake2b(f"{_FORMAT}|{__version__}|{settings_key}".encode(), digest_size=16)
    for name, path in files:
        digest = known.get(name) or content_digest(path.read_bytes())
        h.update(f"{name}\0{digest}\n".encode())
    return h.hexdigest()


# What a missing, truncated, foreign or outdated pickle can raise: any of them
# just means "not cached".
_UNREADABLE = (OSError, EOFError, ValueError, TypeError, pickle.UnpicklingError, AttributeError, ImportError)


class ParseCache:
    """Validated papers per content file, one small pickle per file under
    ``folder``, so an edit to one file rewrites one pickle, not the whole cache."""

    def __init__(self, folder: Path, settings_key: str) -> None:
        self.folder = folder
        # The code is part of the key: a cached Paper must have been made by this very loader.
        self.key = f"{_FORMAT}|{__version__}|{code_digest()}|{settings_key}"
        self._index: dict[str, str] = self._read_index()  # file name -> digest of its bytes
        self._used: dict[str, str] = {}  # what this build saw: the next index
        self._digests: dict[str, tuple[bytes, str]] = {}
        self._folder_made = False

    def _read_index(self) -> dict[str, str]:
        try:
            with (self.folder / "index.pickle").open("rb") as handle:
                key, index = pickle.load(handle)
        except _UNREADABLE:
            return {}
        return index if key == self.key and isinstance(index, dict) else {}

    def _digest(self, name: str, raw: bytes, last_use: bool = False) -> str:
        # Each file's bytes are hashed once a build: a get() that misses, or slot(),
        # remembers the digest (and the bytes, to know them again) for the slot(),
        # written() or forget() that follows, which forgets both.
        seen = self._digests.pop(name, None) if last_use else self._digests.get(name)
        if seen is not None and seen[0] is raw:
            return seen[1]
        digest = content_digest(raw)
        if not last_use:
            self._digests[name] = (raw, digest)
        return digest

    def _blob(self, name: str, digest: str) -> Path:
        return self.folder / (content_digest(f"{name}\0{digest}".encode()) + ".pickle")

    def has_entries(self) -> bool:
        """Whether the last build left papers to reuse (with this code and settings)."""
        return bool(self._index)

    def get(self, name: str, raw: bytes) -> Any | None:
        """The papers of file ``name`` holding ``raw``, or None if the cache lacks
        them (then the file is checked, and written() or forget() follows)."""
        digest = self._digest(name, raw)
        if self._index.get(name) != digest:
            return None
        value = read_papers(self._blob(name, digest))
        if value is None:
            return None
        del self._digests[name]
        self._used[name] = digest
        return value

    def papers_files(self) -> dict[Path, Path]:
        """Content file (as Paper.source names it) -> the pickle holding its
        papers, for every file this build loaded or wrote to the cache."""
        return {Path(name): self._blob(name, digest) for name, digest in self._used.items()}

    def digests(self) -> dict[str, str]:
        """Content file name -> digest of its bytes, for every file this build
        loaded from the cache or wrote to it."""
        return dict(self._used)

    def slot(self, name: str, raw: bytes) -> Path | None:
        """Where to write (with write_papers) the papers of file ``name`` holding
        ``raw``; whoever validates the file writes them, maybe a worker process.
        None if the cache folder cannot be made."""
        return self.slot_of(name, self._digest(name, raw))

    def slot_of(self, name: str, digest: str) -> Path | None:
        """``slot`` for a file whose bytes were hashed elsewhere (content_digest)."""
        if not self._folder_made:
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
            except OSError:
                return None
            self._folder_made = True  # once, not once per content file
        return self._blob(name, digest)

    def written(self, name: str, raw: bytes) -> None:
        """The papers of ``name`` are in its slot: the next build may use them."""
        self._used[name] = self._digest(name, raw, last_use=True)

    def written_digest(self, name: str, digest: str) -> None:
        """``written`` for a file whose bytes were hashed elsewhere."""
        self._used[name] = digest

    def forget(self, name: str) -> None:
        """The papers of ``name`` did not reach its slot: let go of its bytes."""
        self._digests.pop(name, None)

    def save(self) -> None:
        """Record which pickles this build's files have; drop those of files gone or changed.

        Called only after a build succeeds, so a failed build never changes
        what the next one reuses (pickles it wrote stay unreferenced)."""
        if self._used == self._index:
            return
        try:
            _write_bytes(self.folder / "index.pickle", pickle_papers((self.key, self._used)))
        except (pickle.PicklingError, TypeError, ValueError, OSError):
            return  # a cache is an optimisation: a build that cannot save one still succeeds
        keep = {self._blob(name, digest).name for name, digest in self._used.items()} | {"index.pickle"}
        try:
            for path in self.folder.glob("*.pickle"):
                if path.name not in keep:
                    path.unlink(missing_ok=True)
        except OSError:
            pass  # old pickles left over cost only space, and the next save tries again


def pickle_papers(value: Any) -> bytes:
    """Pickled for the cache, where the papers were validated (maybe a worker process).

    With pickle's memo (not ``Pickler.fast``): each paper names its rebuild
    functions (papers, authors, dates), and a memo stores each name once per
    file instead of once per use; ~40% faster to dump and to load."""
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def read_papers(path: Path) -> Any | None:
    """What a slot holds, or None if it cannot be read (another build pruned it)."""
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)
    except _UNREADABLE:
        return None


def write_papers(slot: Path, blob: bytes) -> bool:
    """Put ``blob`` (from pickle_papers) in a slot; False if it could not be written."""
    try:
        _write_bytes(slot, blob)
    except OSError:
        return False  # a cache is an optimisation: the build goes on without it
    return True


def _write_bytes(path: Path, data: bytes) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
