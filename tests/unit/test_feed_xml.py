"""sitegen/feedxml.py writes Atom and RSS bytes itself: they must be, on every
input, the bytes feedgen and lxml write (tests/feedgen_oracle.py, the code path
it replaced). Random entries and feeds of every kind (the site's, a tag's, an
author's: they differ in their feed-level values) are built both ways; each
character's escape is compared with lxml's, one code point at a time. Should a
feedgen or lxml upgrade write otherwise, these fail and name the element."""

from __future__ import annotations

import re
import sys
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from sitegen import feedxml
from sitegen.feedentries import EntryBytes
from sitegen.feedrecords import _Facts
from sitegen.feeds import (
    FeedEntry,
    FeedInfo,
    _text,
    author_names,
    feed_shell,
    paper_updated,
    prepare,
    render_atom,
    render_rss,
)
from sitegen.model import Author, Paper
from tests import feedgen_oracle

# Characters chosen to break a writer: XML's specials, the cut points of the
# old splice, CDATA's end, quotes, whitespace XML escapes in attributes, C0 and
# C1 controls (feeds._text removes those XML cannot hold), a lone surrogate,
# U+FFFE, non-BMP, line and paragraph separators, combining marks.
SPECIAL = list("&<>\"'\t\n\r ;#/:=?%") + [
    "]]>",
    "</entry>\n",
    "  </item>\n",
    "&amp;",
    "&#13;",
    "\x00",
    "\x01",
    "\x0b",
    "\x1f",
    "\x7f",
    "\x85",
    "\u00a0",
    "\u2028",
    "\u2029",
    "\ud800",
    "\ufffe",
    "\uffff",
    "\U0001d6fc",
    "\U0010fffd",
    "e\u0301",
    "é",
    "ℒ",
]
_TEXT = st.lists(st.one_of(st.sampled_from(SPECIAL), st.text(max_size=6)), max_size=8).map("".join)
_MAYBE_TEXT = st.one_of(st.just(""), _TEXT)
_OFFSETS = st.sampled_from(
    [
        timezone.utc,
        timezone(timedelta(hours=1)),
        timezone(timedelta(hours=-9, minutes=-30)),
        timezone(timedelta(hours=5, minutes=30, seconds=15)),
        timezone(timedelta(seconds=1, microseconds=5)),
        None,  # naive: feeds read it as UTC
    ]
)


@st.composite
def _moments(draw: st.DrawFn) -> datetime:
    moment = draw(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 30)))
    return moment.replace(tzinfo=draw(_OFFSETS))


@st.composite
def _entries(draw: st.DrawFn) -> FeedEntry:
    moment = draw(_moments())
    paper = Paper(
        id=draw(st.one_of(st.from_regex(r"\d{4}\.\d{5}", fullmatch=True), _TEXT.filter(bool))),
        title=draw(_MAYBE_TEXT),
        date=moment,
        day=date(2024, 1, 1),
        authors=tuple(Author(name) for name in draw(st.lists(_MAYBE_TEXT, max_size=6))),
        tags=tuple(draw(st.lists(_MAYBE_TEXT, max_size=4))),
        published=draw(st.one_of(st.none(), _moments())),
        updated=draw(st.one_of(st.none(), _moments())),
    )
    return FeedEntry(
        paper=paper,
        url=draw(st.one_of(st.just("https://example.org/papers/2401.00001/"), _MAYBE_TEXT)),
        content_html=draw(st.one_of(st.just("<p>An abstract &amp; <em>more</em>.</p>"), _MAYBE_TEXT)),
        summary=draw(_MAYBE_TEXT),
        title=draw(st.one_of(st.none(), _MAYBE_TEXT)),
        thumbnail=draw(st.one_of(st.none(), st.just("https://example.org/a%20b.png?x=1&y=2"), _MAYBE_TEXT)),
    )


@st.composite
def _infos(draw: st.DrawFn) -> FeedInfo:
    slug = draw(st.from_regex(r"[a-z0-9-]{0,12}", fullmatch=True))
    kind = draw(st.sampled_from(["feed", f"tag/{slug}", f"author/{slug}", "tag:other.example,2026:x"]))
    return FeedInfo(
        title=draw(st.one_of(st.just("Daily Papers: papers by Ada"), _MAYBE_TEXT)),
        description=draw(st.one_of(st.just(""), st.just("  \n "), _TEXT)),
        language=draw(st.one_of(st.sampled_from(["", "en", "fr-CA"]), _TEXT)),
        site_url=draw(st.one_of(st.just("https://example.org/tags/x/"), _MAYBE_TEXT)),
        feed_url=draw(st.one_of(st.just("https://example.org/atom.xml"), _MAYBE_TEXT)),
        author=draw(st.one_of(st.none(), st.just(""), _TEXT)),
        id_base=draw(st.one_of(st.just(kind), _TEXT)),
        site_id=draw(st.sampled_from([None, "tag:alice.example,2026:", "https://example.org/&x/"])),
    )


def _difference(ours: bytes, feedgens: bytes) -> str:
    """Where the two feeds first differ, and in which element."""
    mine, theirs = ours.splitlines(keepends=True), feedgens.splitlines(keepends=True)
    for number, (a, b) in enumerate(zip(mine, theirs, strict=False), 1):
        if a != b:
            found = re.search(rb"<([\w:]+)", b) or re.search(rb"<([\w:]+)", a)
            element = found.group(1).decode() if found else "?"
            return f"<{element}>, line {number}: sitegen {a!r}, feedgen {b!r}"
    return f"the length: sitegen {len(mine)} lines, feedgen {len(theirs)}"


def _same(ours: bytes, feedgens: bytes) -> None:
    assert ours == feedgens, "feedgen/lxml write otherwise than sitegen/feedxml.py: " + _difference(
        ours, feedgens
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(info=_infos(), entries=st.lists(_entries(), max_size=5))
def test_feeds_are_the_bytes_feedgen_writes(info: FeedInfo, entries: list[FeedEntry]) -> None:
    cache = EntryBytes()
    prepared = [prepare(item, info.site_id) for item in entries]
    for rss, render, oracle in (
        (False, render_atom, feedgen_oracle.render_atom),
        (True, render_rss, feedgen_oracle.render_rss),
    ):
        expected = oracle(info, entries)
        _same(render(info, entries), expected)
        _same(render(info, prepared, cache), expected)  # each entry written once, read back
        _same(render(info, prepared, cache), expected)
        # As feedrecords.render makes it in a parallel build: the shell from the
        # papers' facts, then the entries' bytes from their records.
        facts = [
            _Facts(bool(item.thumbnail), paper_updated(entry.paper), tuple(author_names(entry.paper)))
            for item, entry in zip(prepared, entries, strict=True)
        ]
        shell, close = feed_shell(info, facts, rss), feedxml.CLOSE[rss]
        _same(shell[: -len(close)] + b"".join(EntryBytes().make(prepared, rss)) + close, expected)


def _valid_characters() -> str:
    """Every code point an XML 1.0 document may hold (feeds._text leaves no other)."""
    return "".join(chr(c) for c in range(sys.maxunicode + 1) if _text(chr(c)))


def _lxml_text(value: str) -> bytes:
    element = etree.Element("t")
    element.text = value
    return etree.tostring(element, encoding="UTF-8")[3:-4]


def _lxml_attribute(value: str) -> bytes:
    return etree.tostring(etree.Element("t", a=value), encoding="UTF-8")[6:-3]


@pytest.mark.parametrize(
    ("ours", "lxmls"),
    [(feedxml.text, _lxml_text), (feedxml.attribute, _lxml_attribute)],
    ids=["text", "attribute"],
)
def test_every_character_is_escaped_as_lxml_escapes_it(ours, lxmls) -> None:  # noqa: ANN001
    every = _valid_characters()
    assert len(every) == 0x110000 - 2048 - 2 - 29  # all but surrogates, U+FFFE/F and 29 C0 controls
    if ours(every) != lxmls(every):
        wrong = [c for c in every if ours(c) != lxmls(c)]
        raise AssertionError(f"escaped otherwise than lxml: {[(hex(ord(c)), lxmls(c)) for c in wrong[:20]]}")


def test_rfc2822_dates_are_feedgens() -> None:
    from feedgen.util import formatRFC2822

    moments = [
        datetime(2025, month, day, 23, 59, 58, tzinfo=timezone(timedelta(hours=-3, seconds=7)))
        for month in range(1, 13)
        for day in (1, 2, 3, 4, 5, 6, 7, 28)
    ] + [datetime(5, 1, 1, tzinfo=timezone.utc), datetime(9999, 12, 31, tzinfo=timezone.utc)]
    for moment in moments:
        assert feedxml.rfc2822(moment) == formatRFC2822(moment), moment


def test_feedgen_writes_only_the_digest_feed_of_a_build(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    # docs/performance-notes.md, "Feed bytes written directly": every site, tag and author feed's
    # bytes are feedxml.py's; feedgen writes digest/atom.xml alone (pages/digest.py).
    import shutil

    import feedgen.feed

    from sitegen.build import build
    from tests.sitekit import REPO

    written = []
    for name in ("atom_str", "rss_str"):
        real = getattr(feedgen.feed.FeedGenerator, name)

        def counted(self, *args, _real=real, _name=name, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
            written.append(_name)
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(feedgen.feed.FeedGenerator, name, counted)
    site = tmp_path / "site"
    shutil.copytree(REPO / "tests/sites/golden/site", site)
    build(site, tmp_path / "out")
    feeds = sorted(
        path.relative_to(tmp_path / "out").as_posix() for path in (tmp_path / "out").rglob("*.xml")
    )
    assert len([path for path in feeds if path.endswith(("atom.xml", "rss.xml"))]) == 19  # 18 and the digest
    assert written == ["atom_str"]  # digest/atom.xml
