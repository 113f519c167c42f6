"""feeds: Atom, RSS 2.0 and JSON Feed, read back with feedparser and lxml."""

from __future__ import annotations

import dataclasses
import json
import re
import sys
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import feedgen.entry
import feedgen.feed
import feedparser
import pytest
from lxml import etree

from sitegen.config import Config
from sitegen.feeds import (
    EMPTY_FEED_UPDATED,
    FeedEntry,
    FeedInfo,
    entry_id,
    feed_id,
    render_atom,
    render_json_feed,
    render_rss,
)
from sitegen.markup import plain_text, render_markdown
from sitegen.model import Author, Paper
from sitegen.render import Renderer
from sitegen.site import build_site
from sitegen.siteplan import plan
from sitegen.theme import resolve_theme

ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
UTC = timezone.utc
PARIS = timezone(timedelta(hours=1))
RFC_822 = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                     r"\d{4} \d\d:\d\d:\d\d [+-]\d{4}")  # fmt: skip

NEW = Paper(
    id="2403.09629",
    title="Quiet-STaR: Language Models Can Teach Themselves to Think Before Speaking",
    date=datetime(2024, 3, 15, 9, 30, tzinfo=PARIS),
    day=date(2024, 3, 15),
    authors=(Author("Eric Zelikman"), Author("Noah D. Goodman")),
    abstract="We present *Quiet-STaR*, with cost $O(n^2)$.",
    tags=("reasoning", "llm"),
    published=datetime(2024, 3, 14, 17, 0, tzinfo=UTC),
    updated=datetime(2024, 3, 18, 8, 0, tzinfo=UTC),
)
OLD = Paper(
    id="hep-th/9901001",
    title="An old-style arXiv id",
    date=datetime(1999, 1, 2, tzinfo=UTC),
    day=date(1999, 1, 2),
)
MIDDLE = Paper(
    id="2401.00001",
    title="Only a listing date",
    date=datetime(2024, 1, 1, 12, 0, tzinfo=UTC),
    day=date(2024, 1, 1),
    authors=(Author("Ada Lovelace"),),
    tags=("interpretability",),
)


def _info(base: str = "https://example.org/", **changes: object) -> FeedInfo:
    values: dict[str, object] = {
        "title": "Daily Papers",
        "description": "Papers worth reading",
        "language": "en",
        "site_url": base,
        "feed_url": base + "atom.xml",
        "author": "The Curators",
        "id_base": "feed",
    }
    values.update(changes)
    return FeedInfo(**values)  # type: ignore[arg-type]


def _entry(paper: Paper, base: str = "https://example.org/") -> FeedEntry:
    slug = paper.id.replace("/", "-")
    return FeedEntry(
        paper=paper,
        url=f"{base}papers/{slug}/",
        content_html=render_markdown(paper.abstract),
        summary=plain_text(paper.abstract, 300),
    )


def _entries(base: str = "https://example.org/") -> list[FeedEntry]:
    return [_entry(p, base) for p in (NEW, MIDDLE, OLD)]


RENDERERS = [render_atom, render_rss, render_json_feed]


# --- ids ---------------------------------------------------------------------------------


def test_entry_ids_are_frozen() -> None:
    # Changing these re-announces every paper in every subscriber's reader.
    assert entry_id("2403.09629") == "tag:sitegen.papers,2025:paper/2403.09629"
    assert entry_id("hep-th/9901001") == "tag:sitegen.papers,2025:paper/hep-th/9901001"
    assert entry_id("math.GT/0309136v2") == "tag:sitegen.papers,2025:paper/math.GT/0309136v2"
    assert entry_id("a b?#") == "tag:sitegen.papers,2025:paper/a%20b%3F%23"


def test_a_site_id_is_the_prefix_of_every_id() -> None:
    site = "tag:alice.example,2026:"
    assert entry_id("2403.09629", site) == "tag:alice.example,2026:paper/2403.09629"
    assert entry_id("a b?#", site) == "tag:alice.example,2026:paper/a%20b%3F%23"
    assert entry_id("x", None) == entry_id("x")  # no site id: the shared prefix
    assert feed_id(_info(id_base="feed", site_id=site)) == "tag:alice.example,2026:feed"
    assert feed_id(_info(id_base="tag/llm", site_id=site)) == "tag:alice.example,2026:tag/llm"


def test_feed_ids_are_distinct_per_feed_and_independent_of_urls() -> None:
    assert feed_id(_info(id_base="feed")) == "tag:sitegen.papers,2025:feed"
    assert feed_id(_info(id_base="tag/interpretability")) == "tag:sitegen.papers,2025:tag/interpretability"
    assert feed_id(_info(id_base="tag:example.org,2025:papers")) == "tag:example.org,2025:papers"
    assert feed_id(_info("https://a.example/")) == feed_id(_info("https://b.example/sub/"))


@pytest.mark.parametrize("render", RENDERERS)
def test_ids_do_not_change_when_the_site_moves(render) -> None:  # noqa: ANN001
    here = render(_info("https://example.org/"), _entries("https://example.org/"))
    there = render(_info("https://other.example/sub/"), _entries("https://other.example/sub/"))
    assert here != there  # the links did move ...
    ids = re.compile(rb"tag:sitegen\.papers,2025:[^<\"]*")
    assert ids.findall(here) == ids.findall(there)  # ... the ids did not
    assert len(ids.findall(here)) >= 3


# --- Atom ---------------------------------------------------------------------------------


def test_atom_reads_back() -> None:
    data = render_atom(_info(), _entries())
    feed = feedparser.parse(data)
    assert not feed.bozo and feed.version == "atom10"
    assert feed.feed.title == "Daily Papers"
    assert feed.feed.subtitle == "Papers worth reading"
    assert feed.feed.id == "tag:sitegen.papers,2025:feed"
    assert feed.feed.updated == "2024-03-18T08:00:00+00:00"  # newest entry's updated, not now
    links = {link.rel: link.href for link in feed.feed.links}
    assert links == {"self": "https://example.org/atom.xml", "alternate": "https://example.org/"}
    assert feed.feed.author == "The Curators"

    assert [e.id for e in feed.entries] == [entry_id(p.id) for p in (NEW, MIDDLE, OLD)]
    first = feed.entries[0]
    assert first.title == NEW.title
    assert first.link == "https://example.org/papers/2403.09629/"
    assert [a.name for a in first.authors] == ["Eric Zelikman", "Noah D. Goodman"]
    assert [t.term for t in first.tags] == ["reasoning", "llm"]
    assert first.published == "2024-03-14T17:00:00+00:00"
    assert first.updated == "2024-03-18T08:00:00+00:00"
    assert first.summary == "We present Quiet-STaR, with cost O(n²)."
    assert first.content[0].type == "text/html"
    assert "<em>Quiet-STaR</em>" in first.content[0].value and "<math" in first.content[0].value


def test_atom_dates_fall_back_to_published_then_listing_date() -> None:
    feed = feedparser.parse(render_atom(_info(), _entries()))
    middle, old = feed.entries[1], feed.entries[2]
    assert middle.published == middle.updated == "2024-01-01T12:00:00+00:00"
    assert old.updated == "1999-01-02T00:00:00+00:00"


def test_atom_structure_is_valid() -> None:
    root = etree.fromstring(render_atom(_info(), _entries()))
    assert root.tag == f"{ATOM}feed"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    for required in ("id", "title", "updated"):
        assert len(root.findall(f"{ATOM}{required}")) == 1
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == "https://example.org/atom.xml"
    assert root.find(f"{ATOM}generator").text == "sitegen"
    assert root.find(f"{ATOM}generator").attrib == {}  # no version number
    for entry in root.findall(f"{ATOM}entry"):
        for required in ("id", "title", "updated", "link"):
            assert len(entry.findall(f"{ATOM}{required}")) == 1, required
        assert entry.find(f"{ATOM}link").get("rel", "alternate") == "alternate"
        datetime.fromisoformat(entry.find(f"{ATOM}updated").text)


def test_atom_feed_without_author_borrows_the_title_when_an_entry_has_none() -> None:
    # RFC 4287 4.1.1: every entry needs an author, its own or the feed's.
    root = etree.fromstring(render_atom(_info(author=None), _entries()))
    assert root.find(f"{ATOM}author/{ATOM}name").text == "Daily Papers"
    root = etree.fromstring(render_atom(_info(author=None), [_entry(NEW)]))
    assert root.find(f"{ATOM}author") is None


def test_tag_feeds_have_their_own_id() -> None:
    info = _info(title="Daily Papers: interpretability", id_base="tag/interpretability")
    feed = feedparser.parse(render_atom(info, [_entry(MIDDLE)]))
    assert feed.feed.id == "tag:sitegen.papers,2025:tag/interpretability"
    assert feed.feed.title == "Daily Papers: interpretability"


# --- RSS ----------------------------------------------------------------------------------


def test_rss_reads_back() -> None:
    feed = feedparser.parse(render_rss(_info(feed_url="https://example.org/rss.xml"), _entries()))
    assert not feed.bozo and feed.version == "rss20"
    assert feed.feed.title == "Daily Papers"
    assert feed.feed.link == "https://example.org/"
    assert feed.feed.subtitle == "Papers worth reading"
    assert feed.feed.language == "en"
    assert [e.id for e in feed.entries] == [entry_id(p.id) for p in (NEW, MIDDLE, OLD)]
    first = feed.entries[0]
    assert first.title == NEW.title
    assert first.link == "https://example.org/papers/2403.09629/"
    assert not first.guidislink
    assert [t.term for t in first.tags] == ["reasoning", "llm"]
    assert [a.name for a in first.authors] == ["Eric Zelikman", "Noah D. Goodman"]
    assert "<em>Quiet-STaR</em>" in first.description


def test_rss_structure_is_valid() -> None:
    root = etree.fromstring(render_rss(_info(feed_url="https://example.org/rss.xml"), _entries()))
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    for required in ("title", "link", "description"):
        assert channel.findtext(required).strip()
    self_link = channel.find(f"{ATOM}link")
    assert (self_link.get("rel"), self_link.get("href")) == ("self", "https://example.org/rss.xml")
    assert channel.findtext("generator") == "sitegen"
    assert channel.findtext("lastBuildDate") == "Mon, 18 Mar 2024 08:00:00 +0000"
    items = channel.findall("item")
    assert len(items) == 3
    for item, paper in zip(items, (NEW, MIDDLE, OLD), strict=True):
        guid = item.find("guid")
        assert guid.get("isPermaLink") == "false"
        assert guid.text == entry_id(paper.id)
        assert RFC_822.fullmatch(item.findtext("pubDate"))
        assert item.find("author") is None  # RSS <author> must be an email address
    assert [c.text for c in items[0].findall(f"{DC}creator")] == ["Eric Zelikman", "Noah D. Goodman"]
    assert [c.text for c in items[0].findall("category")] == ["reasoning", "llm"]
    # pubDate is the paper's first publication, in RFC 822 form
    assert parsedate_to_datetime(items[0].findtext("pubDate")) == NEW.published
    assert parsedate_to_datetime(items[1].findtext("pubDate")) == MIDDLE.date


def test_rss_description_falls_back_to_the_title() -> None:
    root = etree.fromstring(render_rss(_info(description="  "), _entries()))
    assert root.find("channel").findtext("description") == "Daily Papers"


# --- JSON Feed -------------------------------------------------------------------------------


def test_json_feed_reads_back() -> None:
    data = render_json_feed(_info(feed_url="https://example.org/feed.json"), _entries())
    assert data.endswith(b"}\n")
    feed = json.loads(data)
    assert list(feed) == ["version", "title", "home_page_url", "feed_url", "description", "language",
                          "authors", "items"]  # fmt: skip
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["home_page_url"] == "https://example.org/"
    assert feed["feed_url"] == "https://example.org/feed.json"
    assert feed["authors"] == [{"name": "The Curators"}]
    assert [item["id"] for item in feed["items"]] == [entry_id(p.id) for p in (NEW, MIDDLE, OLD)]
    first = feed["items"][0]
    assert first["url"] == "https://example.org/papers/2403.09629/"
    assert first["title"] == NEW.title
    assert "<em>Quiet-STaR</em>" in first["content_html"]
    assert first["summary"] == "We present Quiet-STaR, with cost O(n²)."
    assert first["date_published"] == "2024-03-14T17:00:00+00:00"
    assert first["date_modified"] == "2024-03-18T08:00:00+00:00"
    assert first["tags"] == ["reasoning", "llm"]
    assert first["authors"] == [{"name": "Eric Zelikman"}, {"name": "Noah D. Goodman"}]
    for item in feed["items"]:
        assert item.get("content_html") or item.get("content_text")  # one is required
        datetime.fromisoformat(item["date_published"])


def test_json_feed_keeps_non_ascii_text() -> None:
    paper = Paper(id="x1", title="Über Schrödinger — “quotes”", date=NEW.date, day=NEW.day)
    data = render_json_feed(_info(), [_entry(paper)])
    assert "Über Schrödinger — “quotes”".encode() in data
    assert json.loads(data)["items"][0]["content_text"] == "Über Schrödinger — “quotes”"


# --- thumbnails -------------------------------------------------------------------------------

THUMB = "https://example.org/sub/static/thumbs/a%20b.png"


def _with_thumbnail() -> list[FeedEntry]:
    first, *rest = _entries()
    return [dataclasses.replace(first, thumbnail=THUMB), *rest]


@pytest.mark.parametrize("render", [render_atom, render_rss])
def test_a_thumbnail_is_media_thumbnail_in_atom_and_rss(render) -> None:  # noqa: ANN001
    data = render(_info(), _with_thumbnail())
    feed = feedparser.parse(data)
    assert not feed.bozo
    assert feed.entries[0].media_thumbnail == [{"url": THUMB}]
    assert all("media_thumbnail" not in e for e in feed.entries[1:])
    # Straight in the entry (no media:group), in the Media RSS namespace.
    root = etree.fromstring(data)
    thumbs = root.findall(".//{http://search.yahoo.com/mrss/}thumbnail")
    assert [(t.getparent().tag.rsplit("}", 1)[-1], t.get("url")) for t in thumbs] == [
        ("entry" if render is render_atom else "item", THUMB)
    ]


@pytest.mark.parametrize("render", [render_atom, render_rss])
def test_a_feed_without_thumbnails_has_no_media_namespace(render) -> None:  # noqa: ANN001
    assert b"mrss" not in render(_info(), _entries())


def test_a_thumbnail_is_the_json_feed_item_image() -> None:
    items = json.loads(render_json_feed(_info(), _with_thumbnail()))["items"]
    assert items[0]["image"] == THUMB
    assert all("image" not in item for item in items[1:])


# --- shared behaviour ---------------------------------------------------------------------------


@pytest.mark.parametrize("render", RENDERERS)
def test_output_is_byte_identical_across_runs(render) -> None:  # noqa: ANN001
    assert render(_info(), _entries()) == render(_info(), _entries())


@pytest.mark.parametrize("render", RENDERERS)
def test_entries_keep_the_given_order(render) -> None:  # noqa: ANN001
    entries = [_entry(p) for p in (OLD, NEW, MIDDLE)]
    ids = re.findall(rb"tag:sitegen\.papers,2025:paper/[^<\"]*", render(_info(), entries))
    assert list(dict.fromkeys(ids)) == [entry_id(p.id).encode() for p in (OLD, NEW, MIDDLE)]


class _ClockMeta(type):
    def __instancecheck__(cls, obj: object) -> bool:
        return isinstance(obj, datetime)


class _FutureClock(metaclass=_ClockMeta):
    """Stands in for feedgen's ``datetime``: isinstance checks pass, now() is far away."""

    @staticmethod
    def now(tz: timezone | None = None) -> datetime:
        return datetime(2099, 12, 31, 23, 59, tzinfo=tz)


@pytest.mark.parametrize("render", RENDERERS)
def test_nothing_depends_on_the_clock(render, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    before = render(_info(), _entries())
    # feedgen stamps feeds and entries with datetime.now() unless told otherwise.
    monkeypatch.setattr(feedgen.feed, "datetime", _FutureClock)
    monkeypatch.setattr(feedgen.entry, "datetime", _FutureClock)
    after = render(_info(), _entries())
    assert after == before
    assert b"2099" not in after


def test_empty_feeds_use_a_fixed_date() -> None:
    assert EMPTY_FEED_UPDATED == datetime(1970, 1, 1, tzinfo=UTC)
    atom = feedparser.parse(render_atom(_info(), []))
    assert not atom.bozo and atom.entries == []
    assert atom.feed.updated == "1970-01-01T00:00:00+00:00"
    rss = etree.fromstring(render_rss(_info(), []))
    assert rss.find("channel").findtext("lastBuildDate") == "Thu, 01 Jan 1970 00:00:00 +0000"
    assert json.loads(render_json_feed(_info(), []))["items"] == []


def test_naive_dates_are_read_as_utc_instead_of_failing() -> None:
    paper = Paper(id="n1", title="Naive", date=datetime(2024, 5, 1, 12, 0), day=date(2024, 5, 1))
    feed = feedparser.parse(render_atom(_info(), [_entry(paper)]))
    assert feed.entries[0].updated == "2024-05-01T12:00:00+00:00"


NASTY_TITLE = 'Q&A: <script>alert("t")</script> & more'
NASTY_ABSTRACT = 'Tom & Jerry <script>alert("a")</script> $x<y$ <img src=x onerror=alert(1)>'


@pytest.mark.parametrize("render", [render_atom, render_rss])
def test_markup_in_titles_and_abstracts_is_escaped(render) -> None:  # noqa: ANN001
    paper = Paper(id="2501.00001", title=NASTY_TITLE, date=NEW.date, day=NEW.day, abstract=NASTY_ABSTRACT)
    data = render(_info(), [_entry(paper)])
    assert b"<script" not in data and b"<img" not in data
    etree.fromstring(data)  # well-formed
    entry = feedparser.parse(data).entries[0]
    assert entry.title == NASTY_TITLE
    html = entry.content[0].value if render is render_atom else entry.description
    assert "<script" not in html and "<img" not in html
    assert "Tom &amp; Jerry &lt;script&gt;" in html
    if render is render_atom:
        assert entry.summary == plain_text(NASTY_ABSTRACT, 300)


def test_markup_in_json_feed_is_plain_json_text() -> None:
    paper = Paper(id="2501.00001", title=NASTY_TITLE, date=NEW.date, day=NEW.day, abstract=NASTY_ABSTRACT)
    item = json.loads(render_json_feed(_info(), [_entry(paper)]))["items"][0]
    assert item["title"] == NASTY_TITLE
    assert "<script" not in item["content_html"] and "<img" not in item["content_html"]


def test_titles_lose_markdown_and_show_math_as_unicode() -> None:
    paper = Paper(id="t1", title="*Fast* $\\mathcal{O}(n)$ attention", date=NEW.date, day=NEW.day)
    assert feedparser.parse(render_atom(_info(), [_entry(paper)])).entries[0].title == "Fast 𝒪(n) attention"


# --- hardening ----------------------------------------------------------------------------------


def _profiled_calls(work) -> int:  # noqa: ANN001
    """Python and C function calls made by ``work()``: a count, so no timing noise."""
    calls = 0

    def count(frame, event, arg) -> None:  # noqa: ANN001
        nonlocal calls
        calls += event in ("call", "c_call")

    sys.setprofile(count)
    try:
        work()
    finally:
        sys.setprofile(None)
    return calls


@pytest.mark.parametrize("render", RENDERERS)
def test_feed_work_grows_linearly_with_the_tag_count(render) -> None:  # noqa: ANN001
    def feed(tags: int) -> bytes:
        paper = Paper(
            id="t1", title="Tagged", date=NEW.date, day=NEW.day, tags=tuple(f"t{i}" for i in range(tags))
        )
        return render(_info(), [_entry(paper)])

    assert feed(2000).count(b"t1999") >= 1
    # Linear work doubles; the quadratic path (one feedgen category() call per tag) made it 4x.
    ratio = _profiled_calls(lambda: feed(2000)) / _profiled_calls(lambda: feed(1000))
    assert ratio < 2.5


BAD_CHARACTERS = ["a\u0007b", "\u0000", "\x1b", "\ufffe", "a\ud800b"]


@pytest.mark.parametrize("bad", BAD_CHARACTERS)
@pytest.mark.parametrize("render", RENDERERS)
def test_characters_xml_cannot_hold_never_break_a_feed(render, bad: str) -> None:  # noqa: ANN001
    paper = Paper(id=bad, title=bad, date=NEW.date, day=NEW.day, authors=(Author(bad), Author("Ann")),
                  abstract=bad, tags=(bad, f"t{bad}"), note=bad)  # fmt: skip
    info = FeedInfo(title=bad, description=bad, language=bad, site_url=bad, feed_url=bad, author=bad,
                    id_base=bad)  # fmt: skip
    data = render(info, [FeedEntry(paper=paper, url=bad, content_html=bad, summary=bad)])
    clean = "ab" if bad.startswith("a") else ""  # the bad character dropped, the rest kept
    if render is render_json_feed:
        item = json.loads(data)["items"][0]
        assert item["tags"] == [clean, "t" + clean] if clean else ["t"]
        assert [a["name"] for a in item["authors"]] == [clean, "Ann"] if clean else ["Ann"]
        return
    etree.fromstring(data)  # well-formed
    parsed = feedparser.parse(data)
    assert not parsed.bozo and len(parsed.entries) == 1
    assert [t.term for t in parsed.entries[0].tags] == [clean, "t" + clean] if clean else ["t"]
    if clean:
        assert parsed.entries[0].title == parsed.feed.title == clean


def test_the_site_description_is_text_in_every_feed() -> None:
    text = "Papers <b>we</b> like & <script>x</script>"
    atom = feedparser.parse(render_atom(_info(description=text), []))
    rss = feedparser.parse(render_rss(_info(description=text), []))
    feed = json.loads(render_json_feed(_info(description=text), []))
    assert atom.feed.subtitle == text and atom.feed.subtitle_detail.type == "text/plain"
    # RSS readers read the channel description as HTML: the markup must come out as its own text.
    assert rss.feed.subtitle == "Papers &lt;b&gt;we&lt;/b&gt; like &amp; &lt;script&gt;x&lt;/script&gt;"
    assert feed["description"] == text


@pytest.mark.parametrize("bad", BAD_CHARACTERS)
def test_site_settings_with_such_characters_never_break_the_site_feeds(bad: str, tmp_path) -> None:  # noqa: ANN001
    # Config and papers made directly, not loaded: the loader would refuse these values.
    config = Config(site_dir=tmp_path, title=f"Site{bad}", base_url="https://example.org/", description=bad,
                    author=bad, language=f"en{bad}")  # fmt: skip
    paper = Paper(id="p1", title=f"T{bad}", date=NEW.date, day=NEW.day, authors=(Author(f"N{bad}"),),
                  tags=(f"t{bad}",))  # fmt: skip
    site = build_site([paper], config)
    renderer = Renderer(site, resolve_theme(config))
    feeds = [output for output in plan(site) if output.kind == "feed"]
    assert len(feeds) == 6  # the site's and the tag's, in three formats
    for output in feeds:
        data = renderer.render(output)
        if output.path.endswith(".xml"):
            parsed = feedparser.parse(data)
            assert not parsed.bozo and parsed.feed.title.startswith("Site")


@pytest.mark.parametrize("render", RENDERERS)
def test_a_prepared_entry_gives_the_bytes_of_the_entry_it_was_made_from(render):
    """pages/feed.py prepares each paper's entry once a build and reuses it in every
    feed and format; the bytes are those feedgen writes for the entry itself."""
    from markupsafe import Markup

    from sitegen.feeds import prepare

    unclean = dataclasses.replace(_entry(NEW), content_html=Markup("<p>x\x0b & y</p>"), title="T\x01")
    entries = [*_entries(), unclean]
    for site_id in (None, "tag:example.org,2026:"):
        info = _info(site_id=site_id)
        prepared = [prepare(item, site_id) for item in entries]
        assert render(info, prepared) == render(info, entries) == render(info, [*prepared[:2], *entries[2:]])
        with pytest.raises(ValueError, match="another site id"):
            render(_info(site_id="tag:other.example,2026:"), prepared)
    clean = Markup("<p>clean</p>")
    assert prepare(dataclasses.replace(_entry(NEW), content_html=clean)).content_html is clean, "not copied"
    assert prepare(entries[-1]).content_html == "<p>x & y</p>" and prepare(entries[-1]).title == "T"
