"""feedpair (docs/performance-notes.md, "A paper's feed record made once for both formats"):
a record's Atom entry and RSS item, each value checked, encoded and escaped once for
both, are the bytes feedxml.py writes of the prepared entry, and feedgen's in a feed;
an entry with a value to clean is left to ``prepare``."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timezone
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen import feeds, feedxml
from sitegen.feedpair import entry_pair
from sitegen.feeds import FeedEntry, FeedInfo, feed_shell, prepare
from sitegen.model import Author, Paper
from tests import feedgen_oracle
from tests.unit.test_feed_xml import SPECIAL, _entries, _infos, _moments

_SITE_IDS = st.sampled_from([None, "tag:alice.example,2026:", "https://example.org/&x/"])
_NOT_XML = "".join(map(chr, [*range(9), 11, 12, *range(14, 32), 0xFFFE, 0xFFFF]))
# Texts with every escape and no character to clean: most entries take the pair.
_CLEAN = st.lists(
    st.one_of(
        st.sampled_from([s for s in SPECIAL if not set(s) & set(_NOT_XML) and s != "\ud800"]),
        st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=_NOT_XML), max_size=6),
    ),
    max_size=8,
).map("".join)


@st.composite
def _clean_entries(draw: st.DrawFn) -> FeedEntry:
    paper = Paper(
        id=draw(st.one_of(st.from_regex(r"\d{4}\.\d{5}", fullmatch=True), _CLEAN.filter(bool))),
        title="",
        date=draw(_moments()),
        day=date(2024, 1, 1),
        authors=tuple(Author(name) for name in draw(st.lists(_CLEAN, max_size=6))),
        tags=tuple(draw(st.lists(_CLEAN, max_size=4))),
        published=draw(st.one_of(st.none(), _moments())),
        updated=draw(st.one_of(st.none(), _moments())),
    )
    thumbnail = draw(st.one_of(st.none(), st.just("https://example.org/a%20b.png?x=1&y=2"), _CLEAN))
    return FeedEntry(paper, draw(_CLEAN), draw(_CLEAN), draw(_CLEAN), draw(_CLEAN), thumbnail)


def _entry(**changes: object) -> FeedEntry:
    paper = Paper(
        id="2401.00001",
        title="A title",
        date=datetime(2024, 1, 2, 12, 0, tzinfo=timezone.utc),
        day=date(2024, 1, 2),
        authors=(Author("Ada Lovelace"), Author(""), Author("Émilie du Châtelet")),
        tags=("llm", 'a "quoted"\ttag', ""),
    )
    entry = FeedEntry(
        paper,
        "https://example.org/papers/2401.00001/",
        "<p>An abstract &amp; more,\r\n in two lines</p>",
        "An abstract & more…",
        title="A <b>title</b> & é",
        thumbnail="https://example.org/a%20b.png?x=1&y=2",
    )
    return dataclasses.replace(entry, **changes)


def _feedxml_pair(entry: FeedEntry, site_id: str | None) -> tuple[bytes, bytes, bool, bool]:
    item = prepare(entry, site_id)
    return feedxml.atom_entry(item), feedxml.rss_item(item), bool(item.thumbnail), bool(item.names)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entry=_clean_entries(), site_id=_SITE_IDS)
def test_a_clean_entrys_pair_is_the_bytes_feedxml_writes(entry: FeedEntry, site_id: str | None) -> None:
    pair = entry_pair(entry, site_id)
    assert pair is not None, "no value to clean"
    assert (pair.atom, pair.rss, pair.media, pair.named) == _feedxml_pair(entry, site_id)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entry=_entries(), site_id=_SITE_IDS)
def test_any_entry_is_a_pair_of_the_same_bytes_or_none(entry: FeedEntry, site_id: str | None) -> None:
    pair = entry_pair(entry, site_id)
    if pair is not None:
        assert (pair.atom, pair.rss, pair.media, pair.named) == _feedxml_pair(entry, site_id)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(info=_infos(), entries=st.lists(st.one_of(_entries(), _clean_entries()), max_size=4))
def test_feeds_spliced_from_pairs_are_feedgens(info: FeedInfo, entries: list[FeedEntry]) -> None:
    clean = [entry for entry in entries if entry_pair(entry, info.site_id) is not None]
    pairs = [entry_pair(entry, info.site_id) for entry in clean]
    prepared = [prepare(entry, info.site_id) for entry in clean]
    for rss, oracle in ((False, feedgen_oracle.render_atom), (True, feedgen_oracle.render_rss)):
        shell, close = feed_shell(info, prepared, rss), feedxml.CLOSE[rss]
        body = b"".join(pair.rss if rss else pair.atom for pair in pairs)  # type: ignore[union-attr]
        assert shell[: -len(close)] + body + close == oracle(info, clean)


def test_values_that_need_no_cleaning_take_the_pair_whatever_they_escape() -> None:
    entry = _entry()
    pair = entry_pair(entry, None)
    assert pair is not None
    assert (pair.atom, pair.rss, pair.media, pair.named) == _feedxml_pair(entry, None)
    assert b'<category term="a &quot;quoted&quot;&#9;tag"/>' in pair.atom
    assert b'<category>a "quoted"\ttag</category>' in pair.rss
    bare = _entry(content_html="", summary="", thumbnail=None, url="", title="")
    bare.paper = dataclasses.replace(bare.paper, authors=(), tags=())
    pair = entry_pair(bare, "tag:x.example,2026:")
    assert pair is not None and not pair.media and not pair.named
    assert (pair.atom, pair.rss, False, False) == _feedxml_pair(bare, "tag:x.example,2026:")


def test_a_value_to_clean_or_a_title_from_markdown_is_left_to_prepare() -> None:
    for changes in (
        {"summary": "a \x01 control"},
        {"content_html": "<p>a \x00 NUL</p>"},
        {"url": "https://example.org/\ud800"},
        {"thumbnail": "https://example.org/\ufffe.png"},
        {"title": "\uffff"},
        {"title": None},
    ):
        assert entry_pair(_entry(**changes), None) is None, changes
    named = _entry()
    named.paper = dataclasses.replace(named.paper, authors=(Author("Ada\x0bLovelace"),))
    assert entry_pair(named, None) is None
    tagged = _entry()
    tagged.paper = dataclasses.replace(tagged.paper, tags=("a\0b",))
    assert entry_pair(tagged, None) is None


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(), st.text("abcXYZ019_.~/-:% é\n"), st.from_regex(r"[a-z-]+/\d{7}", fullmatch=True)))
def test_ids_quote_as_urllib_does(value: str) -> None:
    """An id's paper id or feed key taken as it is only where urllib's quote leaves it so."""
    assert feeds._quoted(value) == quote(value, safe="/", errors="surrogatepass")
