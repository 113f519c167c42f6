"""Each paper's feed entries and digest item, made by the process that renders
its page, kept in a file, and spliced into the feeds and digests that show it.

In a parallel build (parallel.py) the process that renders a paper's page in
phase 1 also makes, for a paper some feed or digest shows, one record: its
Atom entry and RSS item (the bytes feedxml.py writes for it in any feed of
the format), its JSON Feed item, and its digest item. It appends the
record to the build's record file (one for all its processes, with no
name: buildfile.RecordFile) and hands back only where the record is. This
process keeps that (an int a paper); the processes of phase 2 read a record
back with ``pread`` when a feed or a digest needs it. So no process holds a
view, a prepared entry or an abstract's HTML for every paper a feed shows (at
100k papers, with author feeds, nearly every paper: docs/performance-notes.md,
"Memory at 100k papers").

Feeds and digests are the same bytes either way: the feed's own elements are
written by feeds.feed_shell, from the same feed-level facts (the newest
``updated``, any thumbnail, any entry without authors);
tests/unit/test_feed_records.py builds them both ways. Where a record is
missing (a serial build, a paper no record was made for, a full disk), a
feed or digest is made from the paper's view as before.
"""

from __future__ import annotations

import json
import marshal
import struct
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import reduce
from operator import and_, attrgetter, itemgetter, or_
from typing import TYPE_CHECKING, NamedTuple

from markupsafe import Markup

from . import feedxml
from .buildfile import Handed, place, read_place, read_places
from .digest import DigestItem, digest_fields, digest_item
from .feedentries import EntryBytes
from .feedpair import entry_pair
from .feeds import (
    FeedEntry,
    FeedInfo,
    PreparedEntry,
    _aware,
    feed_shell,
    json_feed_item,
    paper_updated,
    prepare,
    render_json_feed,
)
from .model import Paper

if TYPE_CHECKING:
    from .render import Renderer
    from .views import PaperView

# What a paper's record holds, as bits: a record is made only with what some
# feed or digest of the site shows of the paper.
ATOM, RSS, JSON, DIGEST = 1, 2, 4, 8
_FORMAT_BITS = {"atom": ATOM, "rss": RSS, "json": JSON}
# The record: the lengths of its four parts, then flags (MEDIA: the entry has a
# thumbnail; NAMED: it names an author), what the feed's own elements ask of it.
_HEADER = struct.Struct("<IIIIB")
MEDIA, NAMED = 1, 2
_XML = ((ATOM, False), (RSS, True))  # a format's bit, and whether it is RSS
_JSON_END = b'"items":[]}\n'  # how render_json_feed ends a feed without items
RECORDS = "feed_records"  # the key of this process's Records in Renderer.memo
# A run's BibTeX entries (papers.bib's, from its views) are one record, under this
# and the run's first paper id: no paper id starts with a NUL.
BIBTEX = "\0bibtex "


def wanted(renderer: Renderer) -> dict[str, int]:
    """Paper id -> what its record holds (ATOM | RSS | JSON | DIGEST), for every
    paper some feed or digest shows."""
    site, feeds = renderer.site, renderer.config.feeds
    entries, out = feeds.entries, {}

    def add(papers: Iterable[Paper], bits: int) -> None:
        if bits:
            for paper in papers:
                out[paper.id] = out.get(paper.id, 0) | bits

    formats = _bits(feeds.formats)
    add(site.papers[:entries], formats)
    if feeds.tag_feeds:
        for tag in site.tags:
            add(tag.papers[:entries], formats)
    author_formats = _bits(feeds.author_formats)
    if author_formats:
        add(_newest_of_each_author(site.papers, site.author_slugs, entries), author_formats)
    shown = renderer.config.digest.papers
    for day in site.days:
        add(day.papers[:shown], DIGEST)
    return out


def _newest_of_each_author(papers: Sequence[Paper], slugs: Mapping[str, str], entries: int) -> list[Paper]:
    """The papers some author's feed shows: each author's first ``entries``
    papers in the site's order, as ``author.papers[:entries]`` of every
    ``Site.authors`` group, counted by slug (a paper once a slug, as the groups
    hold it) without making the groups: a cold build asks this before its
    paper pages start, and groups the authors while they render (schedule.py)."""
    # Name -> [papers of its slug counted so far, the last one's index]: one
    # list a slug, shared by its names, looked up by name (~450k bylines at 100k).
    counts: dict[str, list[int]] = {}
    of_slug: dict[str, list[int]] = {}
    found = []
    for index, paper in enumerate(papers):
        taken = False
        for author in paper.authors:
            count = counts.get(author.name)
            if count is None:
                count = counts[author.name] = of_slug.setdefault(slugs[author.name], [0, -1])
            if count[1] != index:  # not counted for this paper under another of its names
                count[1] = index
                if count[0] < entries:
                    count[0] += 1
                    taken = True
        if taken:
            found.append(paper)
    return found


def _bits(formats: Iterable[str]) -> int:
    bits = 0
    for kind in formats:
        bits |= _FORMAT_BITS.get(kind, 0)
    return bits


def feed_entry(renderer: Renderer, paper: Paper) -> PreparedEntry:
    """A paper's entry as every format writes it, from its view."""
    return prepare(_entry_of(renderer.view(paper.id)), renderer.config.id)


def _entry_of(view: PaperView) -> FeedEntry:
    content = view.abstract_html
    if view.note_html:
        content = Markup("{}<p><strong>Curator’s note</strong></p>{}").format(content, view.note_html)
    return FeedEntry(
        paper=view.paper,
        url=view.abs_url,
        # The view's own string (a Markup, a str), not a copy.
        content_html=content,
        summary=view.summary,
        title=view.title,
        thumbnail=view.thumbnail_abs_url,
    )


def make(
    renderer: Renderer, maker: EntryBytes, wanted: Mapping[str, int], paper_ids: Sequence[str]
) -> list[tuple[str, bytes]]:
    """The records of those of ``paper_ids`` that ``wanted`` names (each paper's view
    made already, or made here). The Atom and RSS bytes are written together
    (feedpair.py); an entry with a value to clean is prepared and written by
    ``maker``, which is kept for the process."""
    site_id, routes, view_of = renderer.config.id, renderer.routes, renderer.view
    records, pack = [], _HEADER.pack
    for paper_id in paper_ids:
        bits = wanted.get(paper_id)
        if not bits:
            continue
        view = view_of(paper_id)
        atom = rss = json_item = digest = b""
        flags = 0
        if bits & (ATOM | RSS | JSON):
            entry = _entry_of(view)
            # A JSON item is made from the prepared entry (a few papers: the site's
            # and tags' newest), which then writes the Atom and RSS bytes too.
            pair = entry_pair(entry, site_id) if bits & (ATOM | RSS) and not bits & JSON else None
            if pair is not None:
                atom, rss, media, named = pair.atom, pair.rss, pair.media, pair.named
            else:  # a value to clean, or a JSON item: from the prepared entry
                prepared = prepare(entry, site_id)
                media, named = bool(prepared.thumbnail), bool(prepared.names)
                atom, rss = (maker.make([prepared], is_rss)[0] if bits & bit else b"" for bit, is_rss in _XML)
                if bits & JSON:
                    item = json_feed_item(prepared)
                    json_item = json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode()
            flags = (MEDIA if media else 0) | (NAMED if named else 0)
            if not bits & ATOM:
                atom = b""
            if not bits & RSS:
                rss = b""
        if bits & DIGEST:
            digest = marshal.dumps(digest_fields(view, routes))
        head = pack(len(atom), len(rss), len(json_item), len(digest), flags)
        records.append((paper_id, b"".join((head, atom, rss, json_item, digest))))
    if paper_ids:  # papers.bib shows every paper's entry, which its view has made
        bib = marshal.dumps([(paper_id, view_of(paper_id).bibtex) for paper_id in paper_ids])
        records.append((BIBTEX + paper_ids[0], bib))
    return records


class Record(NamedTuple):
    atom: bytes | None
    rss: bytes | None
    json: bytes | None
    digest: bytes | None  # marshal of a DigestItem's fields: see ``digest_items``
    media: bool
    named: bool  # the entry names an author (``PreparedEntry.names`` is not empty)


_new_record = tuple.__new__  # a Record of its fields' tuple, without the named tuple's Python __new__


def _record(data: bytes) -> Record:
    """A record's bytes cut into its parts, made a Record in C (``tuple.__new__``)."""
    atom, rss, json, digest, flags = _HEADER.unpack_from(data)
    a = _HEADER.size
    r = a + atom
    j = r + rss
    d = j + json
    parts = (
        data[a:r] if atom else None,
        data[r:j] if rss else None,
        data[j:d] if json else None,
        data[d : d + digest] if digest else None,
        flags & MEDIA != 0,
        flags & NAMED != 0,
    )
    return _new_record(Record, parts)


class Records:
    """Where each paper's record is in the file ``fd``; read back on demand, in
    any process (a forked one reads through the descriptor it inherited)."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._where: dict[str, int] = {}
        self.read = 0  # records read back, for the tests
        self._last: dict[str, Record] = {}  # what the last ``get_all`` read
        self._last_ids: list[str] = []  # the papers it was asked for, and its answer
        self._last_got: list[Record | None] = []
        self._bibtex: list[int] = []  # where each run's BibTeX entries are
        # The papers of the last ``feed_entries`` call, their records' bytes,
        # headers and summed facts: a group's feeds in the other format take them.
        self._feed_ids: list[str] | None = None
        self._feed_data: list[bytes | bytearray] = []
        self._feed_heads: list[tuple[int, int, int, int, int]] = []
        self._feed_facts: list[_Facts] = []

    def take(self, handed: Handed) -> None:
        for paper_id, at, length in handed:
            where = place(at, length)
            if where is not None:
                if paper_id.startswith(BIBTEX):
                    self._bibtex.append(where)
                else:
                    self._where[paper_id] = where

    def __len__(self) -> int:
        return len(self._where)

    def get_all(self, paper_ids: Sequence[str]) -> list[Record | None]:
        """The records of ``paper_ids``, those the last call read without reading
        them again: a tag's or an author's feeds (one a format) and a day's two
        digests render one after the other, from the same papers' records.
        Records end to end in the file (a digest's: a day's papers were written
        together) come in one read (buildfile.read_places)."""
        if paper_ids == self._last_ids:  # the same papers: their records as they were read
            return list(self._last_got)
        last, where_of = self._last, self._where
        got: list[Record | None] = [last.get(paper_id) for paper_id in paper_ids]
        if None in got:
            missing = [i for i, record in enumerate(got) if record is None and paper_ids[i] in where_of]
            try:
                read = read_places(self._fd, [where_of[paper_ids[i]] for i in missing])
            except OSError:
                read = []
            for i, data in zip(missing, read, strict=True):
                if data is not None:  # else cut short
                    got[i] = _record(data)
            self.read += len(read) - read.count(None)
        self._last = {key: record for key, record in zip(paper_ids, got, strict=True) if record is not None}
        self._last_ids, self._last_got = list(paper_ids), got
        return list(got)

    def bibtex(self) -> dict[str, str]:
        """Paper id -> its BibTeX entry, of every run of papers whose record is here."""
        entries: dict[str, str] = {}
        for where in self._bibtex:
            try:
                data = read_place(self._fd, where)
            except OSError:
                continue
            if data is not None:
                entries.update(marshal.loads(data))
        return entries

    def feed_entries(self, papers: Sequence[Paper], rss: bool) -> tuple[list[bytes], list[_Facts]] | None:
        """The Atom entries (``rss``: RSS items) of ``papers`` from their records,
        and what the feed's own elements need of them (``summed_facts``); None if
        one has no record, or none in that format. A group's feeds, one a format,
        render one after the other: the second cuts its parts from the records'
        bytes as the first read them. Only the part a feed shows is cut out (an
        author's records are scattered in the file: one ``pread`` each)."""
        ids = [paper.id for paper in papers]
        if ids != self._feed_ids:
            wheres = list(map(self._where.get, ids))
            if None in wheres:
                return None
            try:
                datas = read_places(self._fd, wheres)  # type: ignore[arg-type]
            except OSError:
                return None
            if None in datas:  # cut short
                return None
            self.read += len(datas)
            heads = list(map(_HEADER.unpack_from, datas))  # type: ignore[arg-type]
            self._feed_facts = summed_facts(papers, list(map(_FLAGS, heads)))
            self._feed_ids, self._feed_data, self._feed_heads = ids, datas, heads  # type: ignore[assignment]
        heads, size = self._feed_heads, _HEADER.size
        if 0 in map(_LENGTHS[rss], heads):  # a record without this format's part
            return None
        records = zip(self._feed_data, heads, strict=True)
        if rss:
            parts = [data[size + head[0] : size + head[0] + head[1]] for data, head in records]
        else:
            parts = [data[size : size + head[0]] for data, head in records]
        return parts, self._feed_facts  # type: ignore[return-value]


class _Facts(NamedTuple):
    """What a feed's own elements need of an entry (feeds.feed_shell)."""

    thumbnail: bool
    updated: datetime
    names: bool  # whether it names an author: all feed_shell asks of its names


_MODIFIED = attrgetter("modified")  # Paper's one rule for an entry's moment


def summed_facts(papers: Sequence[Paper], flags: Sequence[int]) -> list[_Facts]:
    """The facts of ``papers`` (their records' ``flags``) as feeds.feed_shell reads
    them, summed up as one entry's: a thumbnail if any has one, the newest
    ``updated`` (the very one ``max`` finds among them all), and an author
    named only if every entry names one; none for no papers. The shell is the
    same as from every entry's own facts (~1 µs an entry and a feed less)."""
    if not papers:
        return []
    try:  # aware, as the model makes them: max of them as they are, in C
        updated = _aware(max(map(_MODIFIED, papers)))
    except TypeError:  # naive and aware moments: each read as paper_updated reads it
        updated = max(map(paper_updated, papers))
    # MEDIA if any has it, NAMED if all have it.
    return [_Facts(reduce(or_, flags) & MEDIA != 0, updated, reduce(and_, flags) & NAMED != 0)]


_FLAGS = itemgetter(4)  # of a record's header
_LENGTHS = (itemgetter(0), itemgetter(1))  # of its Atom entry, of its RSS item


def render(records: Records, info: FeedInfo, kind: str, papers: Sequence[Paper]) -> bytes | None:
    """The feed of ``papers`` in format ``kind`` from their records, or None if
    one of them has none (the feed is then made from the views)."""
    if kind == "json":
        got = records.get_all([paper.id for paper in papers])
        items = [record.json if record is not None else None for record in got]
        shell = render_json_feed(info, [])
        if None in items or not shell.endswith(_JSON_END):
            return None
        return shell[: -len(b"]}\n")] + b",".join(items) + b"]}\n"  # type: ignore[arg-type]
    rss = kind == "rss"
    made = records.feed_entries(papers, rss)
    if made is None:
        return None
    entries, facts = made
    shell, close = feed_shell(info, facts, rss), feedxml.CLOSE[rss]  # type: ignore[arg-type]
    if not shell.endswith(close):
        return None
    return b"".join([shell[: -len(close)], *entries, close])


def digest_items(renderer: Renderer, papers: Sequence[Paper]) -> list[DigestItem]:
    """What a digest shows of each of ``papers``: from its record if this build
    made one, else from its view."""
    records: Records | None = renderer.memo.get(RECORDS)
    got = records.get_all([paper.id for paper in papers]) if records is not None else [None] * len(papers)
    items = []
    for paper, record in zip(papers, got, strict=True):
        if record is not None and record.digest is not None:
            items.append(DigestItem(*marshal.loads(record.digest)))
        else:
            items.append(digest_item(renderer.view(paper.id), renderer.routes))
    return items
