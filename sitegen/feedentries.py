"""Each paper's Atom entry and RSS item, serialised once a process and reused by
every feed that holds it (the site's, its tags', its authors': ~8 entries a paper).

feedgen writes a feed without its entries (its feed-level elements differ
from feed to feed); the entries' bytes go in before its closing tag. Those
bytes are cut out of a feed that feedgen writes with the entries alone, so
they are what feedgen writes for them in any feed of the format: lxml
indents an entry by its depth and declares namespaces on the root, which
``feeds.new_generator`` gives the same extensions in both (a paper without a
thumbnail has no Media RSS element, so where the namespace is declared does
not touch it). tests/unit/test_feed_entries.py compares the bytes with
feeds built entry by entry; should feedgen or lxml ever write otherwise,
``splice`` returns None and the feed is built entry by entry, as before.

Memory: an entry's bytes (~2.4 KB; the abstract is in both formats) are kept
in an unnamed temporary file, not in the process, which adds only where
each is (~62 bytes an entry; the prepared entries it is keyed by are kept by
pages/feed.py for the whole build anyway): a paper's feeds are spread over the whole
render (its authors are anyone), so a cache in memory would have to hold
nearly every entry to be of use (44 MiB at 10k papers, ~440 MiB at 100k, in
each process; docs/performance.md). The file is read back from the page cache and vanishes with
the process; a forked process starts a file of its own.

This serves a build in one process. A parallel build makes each entry once,
in the process that renders the paper's page (feedrecords.py, through
``EntryBytes.make``), and its feeds splice those bytes in."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from typing import IO

from .feeds import EMPTY_FEED_UPDATED, PreparedEntry, add_entry, new_generator, serialise

# What ends a feed written with pretty=True, with entries or without: they go just before it.
CLOSE = {False: b"</feed>\n", True: b"  </channel>\n</rss>\n"}
# What ends each entry in it (text and attribute values never hold a bare '<').
ENTRY_END = {False: b"  </entry>\n", True: b"    </item>\n"}
ENTRY_START = {False: b"  <entry>", True: b"    <item>"}
_LENGTH_BITS = 32


class _Template:
    """A feed with fixed feed-level values, to cut entries out of."""

    def __init__(self, rss: bool, media: bool) -> None:
        self.rss = rss
        fg = self.fg = new_generator(rss, media)
        fg.id("x")
        fg.title("x")
        fg.link(href="x")
        fg.description("x")
        fg.generator("x")
        fg.updated(EMPTY_FEED_UPDATED)  # else feedgen reads the clock
        empty = serialise(fg, rss)
        close = CLOSE[rss]
        self.head = empty[: -len(close)] if empty.endswith(close) else None

    def entries(self, items: Sequence[PreparedEntry]) -> list[bytes] | None:
        """Each of ``items``' bytes, or None if they are not where they should be."""
        head, rss, fg = self.head, self.rss, self.fg
        if head is None:
            return None
        added = [add_entry(fg, item, rss) for item in items]
        try:
            data = serialise(fg, rss)
        finally:
            for entry in added:
                fg.remove_entry(entry)
        close, end = CLOSE[rss], ENTRY_END[rss]
        if not (data.startswith(head) and data.endswith(close)):
            return None
        made = data[len(head) : -len(close)].split(end)
        if len(made) != len(items) + 1 or made.pop():
            return None
        start = ENTRY_START[rss]
        if not all(part.startswith(start) for part in made):
            return None
        return [part + end for part in made]


class EntryBytes:
    """Entries' bytes by format, each made once a process (see the module's text)."""

    def __init__(self) -> None:
        self._pid = os.getpid()
        self._file: IO[bytes] | None = None
        self._size = 0
        # Per format (Atom, RSS): entry -> offset << 32 | length in the file.
        self._where: tuple[dict[PreparedEntry, int], dict[PreparedEntry, int]] = ({}, {})
        self._templates: dict[tuple[bool, bool], _Template] = {}
        self.made = 0  # entries made, for the tests
        self.broken = False  # set once feedgen is found to write feeds otherwise

    def splice(self, shell: bytes, entries: Sequence[PreparedEntry], rss: bool) -> bytes | None:
        """``shell`` (a feed feedgen wrote without entries) with ``entries`` in it, or
        None if feedgen or lxml no longer write feeds the way this expects."""
        if self._pid != os.getpid():
            self._start_over()  # forked: the parent writes on at the end of its file
        close = CLOSE[rss]
        if self.broken or not shell.endswith(close):
            return None
        where = self._where[rss]
        fresh: dict[PreparedEntry, bytes] = {}
        missing = [item for item in dict.fromkeys(entries) if item not in where]
        if missing:
            made = self.make(missing, rss)
            if made is None:
                self.broken = True
                return None
            fresh = dict(zip(missing, made, strict=True))
            self._keep(fresh, where)
        parts = [shell[: -len(close)]]
        fd = self._file.fileno() if self._file is not None else -1
        mask = (1 << _LENGTH_BITS) - 1
        for item in entries:
            data = fresh.get(item)
            if data is None:
                at = where[item]
                data = os.pread(fd, at & mask, at >> _LENGTH_BITS)
                if len(data) != at & mask:
                    return None
            parts.append(data)
        parts.append(close)
        return b"".join(parts)

    def make(self, items: Sequence[PreparedEntry], rss: bool) -> list[bytes] | None:
        """``items``' bytes: in one feed per kind of root (with and without Media RSS)."""
        made: dict[PreparedEntry, bytes] = {}
        for media in (False, True):
            some = [item for item in items if bool(item.thumbnail) == media]
            if not some:
                continue
            template = self._templates.get((rss, media))
            if template is None:
                template = self._templates[rss, media] = _Template(rss, media)
            try:
                data = template.entries(some)
            except BaseException:
                del self._templates[rss, media]  # it may hold the entry that failed
                raise
            if data is None:
                return None
            made.update(zip(some, data, strict=True))
        self.made += len(items)
        return [made[item] for item in items]

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
