"""Write a build's files and put them in place as a whole: output/ is at every
instant either the complete previous site or the complete new one.

The new site is made in a spare folder beside output/ (``.output.sitegen-spare``),
then swapped with output/ in one step (swap.py). Files whose bytes are the same
as in output/ are hard links to output/'s own, so an unchanged file keeps its
inode and mtime (rsync, CDN uploads and CI diffs see only real changes); only
changed files are written. After the swap the previous site is the spare, and
the next build brings it up to date rather than linking every file again; a
build that finds no spare (the first after a cold build) has one linked while
it loads its content (sparelink.py).

The record of a build (the manifest) names the folder it describes by device
and inode, and is written before the swap as the *next* record: whichever
record names the folder now at output/ is the one trusted, so a build killed
around the swap is never taken for up to date over the wrong tree. Stale files
are removed only if a previous build recorded writing them, so nothing a user
put in the folder by hand is ever deleted.
"""

from __future__ import annotations

import contextlib
import copy
import os
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path

from . import tree
from .bibstore import temporary_of
from .errors import OutputError, Problem
from .manifest import MANIFEST_VERSION, Entry, dumps, entry, key_of
from .manifest import load as _load
from .sparelink import SpareLinker, read_listing
from .swap import check_swappable, identity, recover, remove_tree, swap
from .tree import replace_text as save_manifest
from .tree import write_json

STAGING = ".sitegen-staging"  # inside output/, by earlier versions of sitegen; dropped if found


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


def spare_of(out_dir: Path) -> Path:
    return out_dir.with_name(f".{out_dir.name}.sitegen-spare")


def failed(action: str, error: OSError, path: object = None) -> OutputError:
    """An OSError as the one line a user sees: what failed, where, and why."""
    where = path if path is not None else error.filename
    return OutputError(Problem(f"cannot {action}: {error.strerror or error}", where))


def records_beside(manifest_path: Path) -> list[Path]:
    """What a build keeps beside its manifest (next manifest, spare listing, papers.bib's
    store and its temporary file): one list, so serve.py removes them all."""
    ends = (".next.json", ".spare.json", ".bib")
    records = [manifest_path.with_name(manifest_path.stem + end) for end in ends]
    return [*records, temporary_of(records[-1])]


class Writer:
    """Collects a build's files; ``begin()`` before the first, ``commit()`` makes
    them the new output/. Make it only while holding the build lock (lock.py)."""

    def __init__(self, out_dir: Path, manifest_path: Path, fingerprint: str = "") -> None:
        self.out_dir = out_dir
        self.spare = spare_of(out_dir)
        self.manifest_path = manifest_path
        # The next manifest while one commits; what the spare folder holds, so that a build
        # need not walk it; papers.bib's entries as this output folder has them (bibstore.py).
        self.next_path, self.listing_path, self.bib_store = records_beside(manifest_path)[:3]
        self._spare_listing: tree.Listing | None = None
        self._spare_same: AbstractSet[str] = set()  # the spare's files known to be output/'s very files
        self.fingerprint = fingerprint  # of all inputs; recorded for the next build
        self._previous_fingerprint = ""
        self._previous_papers = 0
        self.papers = 0  # how many papers the site has, recorded with the fingerprint
        self._root = str(out_dir)
        self._spare_root = str(self.spare)
        self._linker: SpareLinker | None = None  # making the spare meanwhile (link_spare)
        try:
            recover(out_dir, self.spare, self._is_next)
            twin = out_dir.with_name(f".{out_dir.name}.sitegen-twin")  # an older sitegen's, killed
            if twin.exists():
                remove_tree(twin)
        except OSError as error:
            raise failed("finish the last build's swap", error) from None
        # Into a missing or empty folder there is nothing to compare or keep.
        self._direct = not out_dir.is_dir() or not any(out_dir.iterdir())
        self._fresh = False  # the spare was made empty by this build: nothing to unlink first
        self._made_dirs: set[str] = set()  # folders in the spare: made, or merged
        self._previous = self._read_manifest()
        if self._previous is None:  # papers.bib's kept entries: only beside a record of this output/
            with contextlib.suppress(OSError):
                os.unlink(self.bib_store)
        self._manifest: dict[str, Entry] = {}  # path -> its input key and size (manifest.py)
        self._staged: list[str] = []
        self.report = Report()

    def _is_next(self, folder: Path) -> bool:
        record = _load(self.next_path)
        return record is not None and record.get("tree") == identity(folder)

    def _read_manifest(self) -> dict[str, list] | None:
        """The record of the tree now at output/, if there is one."""
        live = identity(self.out_dir)
        data = _load(self.manifest_path)
        if live and (data is None or data.get("tree") != live) and self._is_next(self.out_dir):
            data = _load(self.next_path)  # killed after the swap: roll the record forward
            try:
                os.replace(self.next_path, self.manifest_path)
            except OSError:
                pass  # read-only cache: the record still serves this build
        if data is None or not live or data.get("tree") != live:
            return None
        self._previous_fingerprint = data.get("fingerprint", "")
        self._previous_papers = data.get("papers", 0)
        return data["files"]

    def _checked(self, path: str) -> str:
        """``path`` if it names a file inside the output folder; string checks,
        not pathlib, because this runs for every file of every build."""
        if not tree.is_inside(path) or path.partition("/")[0] == STAGING:
            raise OutputError(Problem(f"refusing to write outside the output folder: {path!r}"))
        return path

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
        root = self._root
        for path, record in self._previous.items():
            try:
                if os.stat(os.path.join(root, path)).st_size != record[1]:
                    return False
            except OSError:
                return False
        self.report.unchanged = len(self._previous)
        self.papers = self._previous_papers
        return True

    def link_spare(self) -> None:
        """If the last build left no listed spare (a cold build leaves none),
        start linking output/'s files into one now, while the build loads its
        content: ``begin`` waits for it. Without a record of output/ (or with
        nothing in it), or a spare that is not a folder, ``commit`` does it."""
        if self._previous is None or self._direct or self.spare.is_symlink() or not hasattr(os, "fork"):
            return
        if self.listing_path.exists() and self.spare.exists():
            return  # the last build's site, listed: brought up to date file by file
        try:
            check_swappable(self.out_dir)
            if self.spare.exists() and not self.spare.is_dir():
                return
            # Gone before the spare changes: a build killed from here on leaves none to trust.
            self.next_path.unlink(missing_ok=True)
            self.listing_path.unlink(missing_ok=True)
            # The record as this build read it: the linker reads its file, not this memory.
            head = {"version": MANIFEST_VERSION, "tree": identity(self.out_dir)}
            head["fingerprint"] = self._previous_fingerprint
            record = str(self.manifest_path)
            self._linker = SpareLinker(self._root, self._spare_root, record, head, self._previous)
        except (OSError, OutputError):
            pass  # begin() and commit() meet it again, and say so

    def _join_linker(self) -> None:
        """The spare as the linker made it: every file of output/'s record, linked."""
        linker, self._linker = self._linker, None
        made = linker.join() if linker is not None else None
        if made is not None and self._previous is not None:
            # All linked (nearly always): the record's own keys, not a set of 427k paths
            # built here (40 ms and 16 MiB at 100k papers, kept to the commit).
            every = len(made[0]) == len(self._previous)
            self._spare_listing, self._spare_same = made, self._previous.keys() if every else set(made[0])

    def begin(self) -> None:
        """Make the spare folder ready for this build's files (before any worker starts)."""
        check_swappable(self.out_dir)
        if self._linker is not None:
            self._join_linker()
        else:
            self._spare_listing, self._spare_same = read_listing(self.listing_path, identity(self.spare))
        try:
            self.next_path.unlink(missing_ok=True)  # a record of a swap that never happened
            # Gone before the spare changes: a build killed from here on leaves no listing to trust.
            self.listing_path.unlink(missing_ok=True)
            if not self.spare.exists():
                self.spare.mkdir(parents=True)
                self._fresh = True
            elif self.spare.is_symlink() or not self.spare.is_dir():
                raise OutputError(
                    Problem(f"expected a folder sitegen made, found something else: {self.spare}")
                )
        except OSError as error:
            raise failed("prepare the new site", error) from None

    def _claim(self, path: str) -> str:
        if path in self._manifest:
            raise OutputError(Problem(f"two outputs write the same file: {path}"))
        return f"{self._root}/{self._checked(path)}"  # a checked relative path: no os.path

    def _size_on_disk(self, target: str | Path) -> int | None:
        try:
            return os.stat(target).st_size
        except OSError:
            return None

    @property
    def has_record(self) -> bool:
        """Whether a previous build's record exists, so files could be reused."""
        return self._previous is not None

    def _record(self, path: str, key: str) -> list | None:
        """The last build's record of ``path`` if it was made from the same inputs (``key``)."""
        record = self._previous.get(path) if self._previous is not None and key else None
        return record if record and record[0] == key else None

    def intact(self, path: str, key: str) -> bool:
        """Whether ``reuse`` would keep the file; claims nothing."""
        record, target = self._record(path, key), os.path.join(self._root, self._checked(path))
        return record is not None and self._size_on_disk(target) == record[1]

    def reuse(self, path: str, key: str) -> bool:
        """Keep the file from the last build if its inputs are the same (``key``)
        and it is still there at the size written; then it need not be rendered."""
        record = self._record(path, key)
        if record is None or self._size_on_disk(self._claim(path)) != record[1]:
            return False
        self._manifest[path] = entry(record[0], record[1])
        self.report.unchanged += 1
        return True

    def recorded(self, prefix: str) -> dict[str, str]:
        """The last build's files under ``prefix``, with their keys."""
        return {path: record[0] for path, record in (self._previous or {}).items() if path.startswith(prefix)}

    def holders(self, paths: Iterable[str]) -> list[tuple[str, str, str]]:
        """Each path this build recorded, the file holding its bytes now (the
        spare's if this build wrote it, else output/'s) and its key."""
        roots = {path: self._spare_root for path in self._staged}
        return [(p, os.path.join(roots.get(p, self._root), p), key_of(self._manifest[p])) for p in paths]

    def _unchanged(self, target: str, data: bytes) -> bool:
        if self._direct:  # an empty folder at the start: nothing to compare with
            return False
        # Only outputs whose inputs changed get here, so reading the few that are
        # the same size is cheaper than hashing every file of every build.
        if self._size_on_disk(target) != len(data):
            return False
        try:
            with open(target, "rb") as handle:
                return handle.read() == data
        except OSError:
            return False

    def add(self, path: str, data: bytes, key: str = "") -> None:
        """Write ``data`` to ``path`` unless output/ already holds exactly that
        (then the file is linked into the new site when it is committed).
        Runs once a file of every build (427k at 100k papers): plain string
        joins (the path is checked relative) rather than os.path."""
        target = self._claim(path)
        self._manifest[path] = f"{len(data)} {key}"  # manifest.entry
        if not self._direct and self._unchanged(target, data):
            self.report.unchanged += 1
            return
        folder = path.rpartition("/")[0]
        destination = f"{self._spare_root}/{path}"
        new_folder = folder not in self._made_dirs
        try:
            if new_folder:
                tree.make_folder(f"{self._spare_root}/{folder}" if folder else self._spare_root)
            if not self._fresh:  # the spare's file may be a link to output/'s: never write into it
                tree.clear(destination)
            tree.write_file(destination, data)
        except OSError as error:
            raise failed("write", error, target) from None
        if new_folder:
            self._made_dirs.add(folder)
        self._staged.append(path)

    def fork(self) -> Writer:
        """A writer for a worker process: same folder and records, nothing done yet."""
        child = copy.copy(self)
        child._manifest, child._staged, child.report = {}, [], Report()
        return child

    def export(self) -> tuple[dict[str, Entry], list[str], int]:
        """What this writer did, for a parent process to ``merge``."""
        return self._manifest, self._staged, self.report.unchanged

    def merge(self, done: tuple[dict[str, Entry], list[str], int]) -> None:
        manifest, staged, unchanged = done
        clash = self._manifest.keys() & manifest.keys()
        if clash:
            raise OutputError(Problem(f"two outputs write the same file: {min(clash)}"))
        self._manifest.update(manifest)
        self._staged += staged
        # Their folders exist: a cite file forked from here need not make its paper's.
        self._made_dirs.update(path.rpartition("/")[0] for path in staged)
        self.report.unchanged += unchanged

    def abort(self) -> None:
        """Give up: output/ was never touched. A spare this build made goes;
        one kept from the last build, or linked by this one, stays for the next
        to bring up to date."""
        if self._linker is not None:
            self._linker.stop()
            self._linker = None
        if self._fresh:
            remove_tree(self.spare)
            self._fresh = False

    def commit(self) -> Report:
        """Complete the spare (links to unchanged files, the user's own files,
        nothing stale), record it, and swap it with output/."""
        try:
            listing = None
            if not (self._direct and self._fresh):
                written = set(self._staged)
                same = [path for path in self._manifest if path not in written]
                previous = self._previous or {}
                self.report.removed, listing = tree.complete(
                    self._root,
                    self._spare_root,
                    same,
                    self._manifest,
                    previous,
                    self._spare_listing,
                    self._fresh,
                    STAGING,
                    self._spare_same,
                )
            self._save(self.next_path, identity(self.spare))
            old_site = identity(self.out_dir)
            swap(self.out_dir, self.spare)
        except OSError as error:
            raise failed("put the new site in place", error) from None
        self._fresh = False
        try:
            os.replace(self.next_path, self.manifest_path)
            if listing is not None and old_site:  # the old site is the spare now
                files, folders = listing
                # What this build wrote is a new file in output/, not the spare's.
                record = {"tree": old_site, "files": files, "folders": folders, "differs": self._staged}
                write_json(self.listing_path, record)
        except OSError:
            pass  # the next build rolls the record forward itself, and walks the spare
        self.report.written = len(self._staged)
        return self.report

    def _save(self, path: Path, tree_id: str) -> None:
        head = {"version": MANIFEST_VERSION, "tree": tree_id, "fingerprint": self.fingerprint}
        head["papers"] = self.papers
        save_manifest(path, dumps(head, self._manifest))
