"""Each paper's Atom entry and RSS item, written once a process and reused by
every feed that holds it (the site's, its tags', its authors': ~8 entries a paper).

feeds.feed_shell writes a feed without its entries; the entries' bytes
(feedxml.py) go in before its closing tag. An entry's bytes are the same in
every feed of the format: it is indented by its depth, and the namespaces are
declared on the root (a paper without a thumbnail has no Media RSS element,
so whether the root declares it does not touch the entry).

Memory: an entry's bytes (~2.4 KB; the abstract is in both formats) are kept
in an unnamed temporary file, not in the process, which adds only where
each is (~62 bytes an entry; the prepared entries it is keyed by are kept by
pages/feed.py for the whole build anyway): a paper's feeds are spread over the whole
render (its authors are anyone), so a cache in memory would have to hold
nearly every entry to be of use (44 MiB at 10k papers, ~440 MiB at 100k, in
each process; docs/performance-notes.md). The file is read back from the page cache and
vanishes with the process; a forked process starts a file of its own.

This serves a build in one process. A parallel build makes each entry once,
in the process that renders the paper's page (feedrecords.py: feedpair.py
writes both formats at once, ``EntryBytes.make`` the entries it leaves), and
its feeds splice those bytes in."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from typing import IO

from . import feedxml
from .feeds import PreparedEntry

_LENGTH_BITS = 32


class EntryBytes:
    """Entries' bytes by format, each made once a process (see the module's text)."""

    def __init__(self) -> None:
        self._pid = os.getpid()
        self._file: IO[bytes] | None = None
        self._size = 0
        # Per format (Atom, RSS): entry -> offset << 32 | length in the file.
        self._where: tuple[dict[PreparedEntry, int], dict[PreparedEntry, int]] = ({}, {})
        self.made = 0  # entries made, for the tests

    def splice(self, shell: bytes, entries: Sequence[PreparedEntry], rss: bool) -> bytes:
        """``shell`` (a feed without entries, feeds.feed_shell) with ``entries`` in it."""
        if self._pid != os.getpid():
            self._start_over()  # forked: the parent writes on at the end of its file
        close = feedxml.CLOSE[rss]
        where = self._where[rss]
        fresh: dict[PreparedEntry, bytes] = {}
        missing = [item for item in dict.fromkeys(entries) if item not in where]
        if missing:
            fresh = dict(zip(missing, self.make(missing, rss), strict=True))
            self._keep(fresh, where)
        parts = [shell[: -len(close)]]
        fd = self._file.fileno() if self._file is not None else -1
        mask = (1 << _LENGTH_BITS) - 1
        for item in entries:
            data = fresh.get(item)
            if data is None:
                at = where[item]
                data = os.pread(fd, at & mask, at >> _LENGTH_BITS)
                if len(data) != at & mask:  # the file was cut short: written anew
                    data = feedxml.entries([item], rss)[0]
            parts.append(data)
        parts.append(close)
        return b"".join(parts)

    def make(self, items: Sequence[PreparedEntry], rss: bool) -> list[bytes]:
        """``items``' bytes in a feed of the format (feedxml.py)."""
        made = feedxml.entries(items, rss)
        self.made += len(items)
        return made

    def _keep(self, fresh: dict[PreparedEntry, bytes], where: dict[PreparedEntry, int]) -> None:
        """Write ``fresh`` to the file; without one (none can be made, the disk is
        full), every feed makes its entries as it did before there was a cache."""
        data = b"".join(fresh.values())
        at, done = self._size, 0
        try:
            if self._file is None:
                self._file = tempfile.TemporaryFile(prefix="sitegen-feed-entries-")
            fd = self._file.fileno()
            while done < len(data):
                done += os.pwrite(fd, data[done:], at + done)
        except OSError:
            return
        for item, entry in fresh.items():
            if len(entry) >> _LENGTH_BITS == 0:  # else made again when next asked for
                where[item] = at << _LENGTH_BITS | len(entry)
            at += len(entry)
        self._size = at

    def _start_over(self) -> None:
        self._pid = os.getpid()
        self._file = None  # the parent's (this process's copy of its descriptor closes)
        self._size = 0
        self._where = ({}, {})
