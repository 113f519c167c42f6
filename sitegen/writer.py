"""Write a build's files into output/: staged, change-only, pruned, never outside.

Files are first written to a staging folder inside output/; only when every
output has rendered are they moved into place with os.replace. A build that
fails halfway therefore leaves the previous output/ exactly as it was.
Unchanged files are not touched (their mtimes stay), so rsync, CDN uploads
and CI diffs see only real changes. Stale files are removed only if a
previous build recorded writing them (the manifest), so nothing a user put
in the folder by hand is ever deleted.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .errors import OutputError, Problem

STAGING = ".sitegen-staging"
MANIFEST_VERSION = 3


@dataclass
class Report:
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    notes: list[str] = field(default_factory=list)


def check_output_dir(out_dir: Path, site_dir: Path, content_dir: Path) -> None:
    """Refuse output folders whose pruning could hurt the user's own files."""
    out = out_dir.resolve()
    site = site_dir.resolve()
    content = content_dir.resolve()
    reason = None
    if out == Path(out.anchor):
        reason = "is the root of the file system"
    elif out == Path.home().resolve():
        reason = "is your home folder"
    elif out == site:
        reason = "is the site folder itself"
    elif out in site.parents:
        reason = "contains the site folder"
    elif out == content or content in out.parents or out in content.parents:
        reason = "overlaps the content folder"
    elif out.exists() and not out.is_dir():
        reason = "exists and is not a folder"
    if reason:
        raise OutputError(Problem(f"refusing to build into {out_dir}: it {reason}", None, None, "output"))


def _write_file(path: str, data: bytes) -> None:
    """Create or replace ``path`` with ``data``: bare system calls, because
    open() adds fstat, ioctl and lseek calls to every one of 150k files."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


class Writer:
    """Collects a build's files; ``commit()`` makes them the new output/."""

    def __init__(self, out_dir: Path, manifest_path: Path, fingerprint: str = "") -> None:
        self.out_dir = out_dir
        self.manifest_path = manifest_path
        self.fingerprint = fingerprint  # of all inputs; recorded for the next build
        self._previous_fingerprint = ""
        self._previous_papers = 0
        self.papers = 0  # how many papers the site has, recorded with the fingerprint
        self.staging = out_dir / STAGING
        self._root = str(out_dir)
        self._created_out_dir = not out_dir.exists()
        if out_dir.is_dir() and self.staging.exists():  # left by a killed build
            shutil.rmtree(self.staging)
        # Into an empty folder there is nothing to protect: write files in place
        # (no staging and moving, the bulk of a cold build's I/O) and, on
        # failure, empty the folder again.
        self._direct = self._created_out_dir or not any(out_dir.iterdir())
        self._made_dirs: set[str] = set()
        self._previous = self._read_manifest()
        # path -> [input key, size]
        self._manifest: dict[str, list] = {}
        self._staged: list[str] = []
        self.report = Report()

    def _read_manifest(self) -> dict[str, list] | None:
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
            return None
        self._previous_fingerprint = data.get("fingerprint", "")
        self._previous_papers = data.get("papers", 0)
        files = data.get("files")
        return files if isinstance(files, dict) else None

    def _checked(self, path: str) -> str:
        """``path`` if it names a file inside the output folder; string checks,
        not pathlib, because this runs for every file of every build."""
        parts = path.split("/")
        if path.startswith("/") or "\\" in path or ".." in parts or "" in parts or parts[0] == STAGING:
            raise OutputError(Problem(f"refusing to write outside the output folder: {path!r}"))
        return path

    def _target(self, path: str) -> Path:
        return Path(self._root, self._checked(path))

    @property
    def may_be_up_to_date(self) -> bool:
        """Whether the last build left a record to compare a fingerprint with;
        without one, there is no need to take the fingerprint before building."""
        return self._previous is not None and bool(self._previous_fingerprint)

    def up_to_date(self) -> bool:
        """True if the last build had the same inputs and its files are all in place."""
        if not self.fingerprint or self._previous is None or self._previous_fingerprint != self.fingerprint:
            return False
        # Plain strings and os.stat: this loop is most of a no-change rebuild.
        root = str(self.out_dir)
        for path, record in self._previous.items():
            try:
                if os.stat(os.path.join(root, path)).st_size != record[1]:
                    return False
            except OSError:
                return False
        self.report.unchanged = len(self._previous)
        self.papers = self._previous_papers
        return True

    def _claim(self, path: str) -> str:
        if path in self._manifest:
            raise OutputError(Problem(f"two outputs write the same file: {path}"))
        return os.path.join(self._root, self._checked(path))

    def _size_on_disk(self, target: str | Path) -> int | None:
        try:
            return os.stat(target).st_size
        except OSError:
            return None

    @property
    def has_record(self) -> bool:
        """Whether a previous build's record exists, so files could be reused."""
        return self._previous is not None

    def reuse(self, path: str, key: str) -> bool:
        """Keep the file from the last build if its inputs are the same (``key``)
        and it is still there at the size written; then it need not be rendered."""
        record = self._previous.get(path) if self._previous is not None and key else None
        if not record or record[0] != key:
            return False
        target = self._claim(path)
        if self._size_on_disk(target) != record[1]:
            return False
        self._manifest[path] = record
        self.report.unchanged += 1
        return True

    def _unchanged(self, target: str, data: bytes) -> bool:
        if self._direct:  # an empty folder at the start: nothing to compare with
            return False
        # Only outputs whose inputs changed get here, so reading the few that are
        # the same size is cheaper than hashing every file of every build.
        if self._size_on_disk(target) != len(data):
            return False
        with open(target, "rb") as handle:
            return handle.read() == data

    def add(self, path: str, data: bytes, key: str = "") -> None:
        """Write ``data`` to ``path`` unless the file already holds exactly that."""
        target = self._claim(path)
        self._manifest[path] = [key, len(data)]
        if self._unchanged(target, data):
            self.report.unchanged += 1
            return
        destination = target if self._direct else os.path.join(self._root, STAGING, path)
        folder = os.path.dirname(destination)
        if folder not in self._made_dirs:
            try:
                os.mkdir(folder)  # the usual case: one new folder a page, its parent made
            except (FileExistsError, FileNotFoundError):
                os.makedirs(folder, exist_ok=True)
            self._made_dirs.add(folder)
        _write_file(destination, data)
        self._staged.append(path)

    def fork(self) -> Writer:
        """A writer for a worker process: same folder and records, nothing done yet."""
        child = copy.copy(self)
        child._manifest, child._staged, child.report = {}, [], Report()
        child._made_dirs = set(self._made_dirs)
        return child

    def export(self) -> tuple[dict[str, list], list[str], int]:
        """What this writer did, for a parent process to ``merge``."""
        return self._manifest, self._staged, self.report.unchanged

    def merge(self, done: tuple[dict[str, list], list[str], int]) -> None:
        manifest, staged, unchanged = done
        clash = self._manifest.keys() & manifest.keys()
        if clash:
            raise OutputError(Problem(f"two outputs write the same file: {min(clash)}"))
        self._manifest.update(manifest)
        self._staged += staged
        self.report.unchanged += unchanged

    def abort(self) -> None:
        if self._direct and self.out_dir.is_dir():
            for child in self.out_dir.iterdir():  # all of it is this build's
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        shutil.rmtree(self.staging, ignore_errors=True)
        if self._created_out_dir and self.out_dir.is_dir() and not any(self.out_dir.iterdir()):
            self.out_dir.rmdir()

    def commit(self) -> Report:
        if self._direct:
            self.report.written = len(self._staged)
            self._save_manifest()
            return self.report
        for path in self._staged:
            target = self._target(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_dir():  # a folder now replaced by a file of the same name
                shutil.rmtree(target)
            os.replace(self.staging / path, target)
        self.report.written = len(self._staged)
        shutil.rmtree(self.staging, ignore_errors=True)
        self._prune()
        self._save_manifest()
        return self.report

    def _prune(self) -> None:
        if self._previous is None:
            return
        folders = set()
        for path in sorted(set(self._previous) - set(self._manifest)):
            target = self._target(path)
            if target.is_file():
                target.unlink()
                self.report.removed += 1
                folders.update(target.parents)
        # Remove folders the stale files leave empty, deepest first, never output/ itself.
        for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):
            if folder != self.out_dir and self.out_dir in folder.parents:
                try:
                    folder.rmdir()
                except OSError:
                    pass  # not empty

    def _save_manifest(self) -> None:
        self.manifest_path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.manifest_path.with_suffix(".tmp")
        data = {
            "version": MANIFEST_VERSION,
            "fingerprint": self.fingerprint,
            "papers": self.papers,
            "files": dict(sorted(self._manifest.items())),
        }
        temporary.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
        os.replace(temporary, self.manifest_path)
