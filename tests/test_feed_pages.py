"""/feeds.opml, /feeds/ and the author feeds (docs/feeds.md): what a reader
imports, what a person reads to subscribe, and feeds that follow one author."""

from __future__ import annotations

import json
import re
from email.utils import parsedate_to_datetime
from pathlib import Path
from xml.etree import ElementTree

import feedparser
import listparser
import yaml

from sitegen.build import build
from sitegen.feeds import entry_id
from tests.sitekit import paper, tree

BASE = "https://example.org/sub/"
PAPERS = [
    paper(
        f"p{i}",
        f"2025-03-{10 + i % 5:02d}",
        tags=["llm" if i % 2 else "vision", *(["rare & odd"] if i == 3 else [])],
        authors=["Ada Lovelace", *(["Alan Turing"] if i < 4 else [])],
        abstract=f"Abstract {i}.",
    )
    for i in range(7)
]
PAPERS[5]["updated"] = "2025-04-02T10:30:00Z"  # the newest change anywhere in the content


def _file_of(out: Path, url: str) -> Path:
    assert url.startswith(BASE), url
    route = url[len(BASE) :]
    return out / (route + "index.html" if route == "" or route.endswith("/") else route)


def _built(site_factory, **settings) -> Path:
    site = site_factory(PAPERS, base_url=BASE, id="tag:example.org,2026:", per_page=3, **settings)
    build(site)
    return site / "output"


def test_opml_is_a_subscription_list_a_reader_imports_whole(site_factory):
    out = _built(site_factory)
    data = (out / "feeds.opml").read_bytes()
    root = ElementTree.fromstring(data)
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.findtext("head/title") == "Test Papers: feeds"
    # the content's newest change, never the build's clock
    created = parsedate_to_datetime(root.findtext("head/dateCreated") or "")
    assert created.isoformat() == "2025-04-02T10:30:00+00:00"
    feeds = [o for o in root.iter("outline") if o.get("xmlUrl")]
    for outline in feeds:
        assert outline.get("type") == "rss" and outline.get("text") and outline.get("title")
        assert _file_of(out, outline.get("htmlUrl")).is_file()
    expected = {BASE + "atom.xml", BASE + "tags/llm/atom.xml", BASE + "tags/vision/atom.xml"}
    expected.add(BASE + "tags/rare-odd/atom.xml")
    assert {o.get("xmlUrl") for o in feeds} == expected, "one subscription a feed, authors left out"

    imported = listparser.parse(data.decode())
    assert not imported.bozo, imported.bozo_exception
    assert {f.url for f in imported.feeds} == expected
    assert any(f.title == "Test Papers: rare & odd" for f in imported.feeds)
    for url in expected:
        parsed = feedparser.parse(_file_of(out, url).read_bytes())
        assert not parsed.bozo and parsed.entries, url


def test_opml_follows_the_feed_settings(site_factory):
    out = _built(site_factory, feeds={"formats": ["rss", "json"], "tag_feeds": False})
    imported = listparser.parse((out / "feeds.opml").read_text())
    assert [f.url for f in imported.feeds] == [BASE + "rss.xml"]
    main = (out / "feeds/index.html").read_text().split("<main", 1)[1]
    assert "tags/llm/" not in main and 'id="feeds-tags"' not in main


def test_the_feeds_page_gives_every_feed_url_and_every_page_links_it(site_factory):
    out = _built(site_factory)
    page = (out / "feeds/index.html").read_text()
    feed_files = [p for p in tree(out) if p.rsplit("/", 1)[-1] in ("atom.xml", "rss.xml", "feed.json")]
    assert "digest/atom.xml" in feed_files
    # site and 3 tags in 3 formats, 2 authors in 2 (Atom, RSS); the digest
    assert len(feed_files) == 3 + 3 * 3 + 2 * 2 + 1
    for file in feed_files:
        assert f'href="{BASE}{file}"' in page, file
    assert 'href="/sub/feeds.opml"' in page and "RSS reader" in page
    for file, html in tree(out).items():
        # The digests are emails: no site header or footer.
        if file.endswith(".html") and file != "404.html" and not file.startswith("digest/"):
            assert 'href="/sub/feeds/"' in html.decode(), f"{file} does not link the feeds page"


def test_author_feeds_carry_the_site_feeds_entry_ids(site_factory):
    out = _built(site_factory)
    site_ids = {e.id for e in feedparser.parse((out / "atom.xml").read_bytes()).entries}
    for kind in ("atom.xml", "rss.xml"):
        feed = feedparser.parse((out / "authors/alan-turing" / kind).read_bytes())
        assert not feed.bozo
        ids = [e.id for e in feed.entries]
        assert ids == [entry_id(f"p{i}", "tag:example.org,2026:") for i in (3, 2, 1, 0)]
        assert set(ids) <= site_ids
    assert not (out / "authors/alan-turing/feed.json").exists(), "Atom and RSS by default (docs/feeds.md)"
    atom = feedparser.parse((out / "authors/alan-turing/atom.xml").read_bytes())
    assert atom.feed.id == "tag:example.org,2026:author/alan-turing"
    assert atom.feed.link == BASE + "authors/alan-turing/"


def test_author_pages_are_paginated_and_point_at_their_feeds(site_factory):
    out = _built(site_factory)
    first = (out / "authors/ada-lovelace/index.html").read_text()
    assert (out / "authors/ada-lovelace/page/3/index.html").is_file()
    assert not (out / "authors/ada-lovelace/page/4/index.html").exists(), "7 papers, 3 a page"
    assert 'href="/sub/authors/ada-lovelace/page/2/"' in first
    alternates = re.findall(r'<link rel="alternate" type="([^"]+)" title="[^"]*" href="([^"]+)"', first)
    assert ("application/atom+xml", BASE + "authors/ada-lovelace/atom.xml") in alternates
    assert ("application/rss+xml", BASE + "authors/ada-lovelace/rss.xml") in alternates
    assert "authors/ada-lovelace/feed.json" not in first, "no JSON Feed unless asked for"
    assert "Follow this author" in first
    sitemap = (out / "sitemap.xml").read_text()
    assert BASE + "authors/ada-lovelace/page/3/</loc>" in sitemap and BASE + "feeds/</loc>" in sitemap


def test_author_feeds_in_the_formats_asked_for(site_factory):
    out = _built(site_factory, feeds={"author_feeds": ["json", "atom"]})
    assert sorted(f.name for f in (out / "authors/alan-turing").iterdir() if f.is_file()) == [
        "atom.xml",
        "feed.json",
        "index.html",
    ]
    ids = [e.id for e in feedparser.parse((out / "authors/alan-turing/atom.xml").read_bytes()).entries]
    json_feed = json.loads((out / "authors/alan-turing/feed.json").read_text())
    assert [item["id"] for item in json_feed["items"]] == ids
    page = (out / "authors/alan-turing/index.html").read_text()
    # In the order of feeds.formats (atom, rss, json), not of the list.
    assert page.index("authors/alan-turing/atom.xml") < page.index("authors/alan-turing/feed.json")
    only_json = _built(site_factory, feeds={"formats": ["rss"], "author_feeds": ["json"]})
    assert not [f for f in (only_json / "authors").rglob("*") if f.suffix in (".xml", ".json")]


def test_author_feeds_can_be_turned_off(site_factory):
    out = _built(site_factory, feeds={"author_feeds": False})
    assert not list((out / "authors").rglob("*.xml")) and not list((out / "authors").rglob("*.json"))
    page = (out / "authors/ada-lovelace/index.html").read_text()
    assert "authors/ada-lovelace/atom.xml" not in page and "Follow this author" not in page
    assert 'id="feeds-authors"' not in (out / "feeds/index.html").read_text()
    assert (out / "tags/llm/atom.xml").is_file()


def test_a_site_without_feeds_has_no_feed_list(site_factory):
    out = _built(site_factory, feeds={"formats": []})
    assert not (out / "feeds.opml").exists() and not (out / "feeds").exists()
    assert "/sub/feeds/" not in (out / "index.html").read_text()
    assert "/sub/feeds/" not in (out / "authors/ada-lovelace/index.html").read_text()


def test_author_feeds_setting_is_checked(site_factory):
    import pytest

    from sitegen.config import load_config
    from sitegen.errors import ConfigError

    site = site_factory(PAPERS)
    config = yaml.safe_load((site / "site.yaml").read_text())
    for wrong, said in (("sometimes", "expected true, false or a list"), (["xml"], "unknown feed format")):
        config["feeds"] = {"author_feeds": wrong}
        (site / "site.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
        with pytest.raises(ConfigError) as caught:
            load_config(site)
        assert caught.value.problems[0].field == "feeds.author_feeds"
        assert said in caught.value.problems[0].message


def _entry_ids(path: Path) -> list[str]:
    return [e.id for e in feedparser.parse(path.read_bytes()).entries]


def test_feeds_entries_caps_the_site_tag_and_author_feeds_to_their_newest(site_factory):
    from sitegen.config import load_config

    whole = _built(site_factory)
    assert load_config(whole.parent).feeds.entries == 50, "the default docs/feeds.md gives"
    capped = site_factory(
        PAPERS, name="capped", base_url=BASE, id="tag:example.org,2026:", per_page=3, feeds={"entries": 2}
    )
    build(capped)
    for feed in ("atom.xml", "rss.xml", "tags/llm/atom.xml", "authors/ada-lovelace/rss.xml"):
        every = _entry_ids(whole / feed)
        assert len(every) > 2 and _entry_ids(capped / "output" / feed) == every[:2], feed
    items = json.loads((capped / "output/tags/vision/feed.json").read_text())["items"]
    assert len(items) == 2


def test_formats_reach_every_feed_and_tag_feeds_false_leaves_the_tags_none(site_factory):
    def feeds_under(out: Path, folder: str) -> set[str]:
        return {p.name for p in (out / folder).rglob("*") if p.suffix in (".xml", ".json")}

    out = _built(site_factory, feeds={"formats": ["rss", "json"]})
    assert feeds_under(out, "tags") == {"rss.xml", "feed.json"}
    assert feeds_under(out, "authors") == {"rss.xml"}, "an author's default formats among formats"
    assert (out / "rss.xml").is_file() and (out / "feed.json").is_file() and not (out / "atom.xml").exists()
    out = _built(site_factory, feeds={"tag_feeds": False})
    assert feeds_under(out, "tags") == set()
    assert "tags/llm/atom.xml" not in (out / "tags/llm/index.html").read_text()
    assert (out / "authors/ada-lovelace/atom.xml").is_file()


def test_opml_has_the_site_feed_then_a_tags_outline(site_factory):
    out = _built(site_factory)
    body = ElementTree.fromstring((out / "feeds.opml").read_bytes()).find("body")
    first, tags = list(body)
    assert first.get("xmlUrl") == BASE + "atom.xml" and first.get("htmlUrl") == BASE
    assert tags.get("text") == "Tags" and tags.get("xmlUrl") is None
    assert [o.get("xmlUrl") for o in tags] == [
        BASE + f"tags/{slug}/atom.xml" for slug in ("llm", "rare-odd", "vision")
    ]


def test_opml_date_without_updated_is_the_newest_listing_date(site_factory):
    papers = [paper("a", "2025-03-12"), paper("b", "2025-03-14T09:30:00Z"), paper("c", "2025-03-13")]
    site = site_factory(papers, base_url=BASE)
    build(site)
    root = ElementTree.fromstring((site / "output/feeds.opml").read_bytes())
    created = parsedate_to_datetime(root.findtext("head/dateCreated") or "")
    assert created.isoformat() == "2025-03-14T09:30:00+00:00"


def test_tag_and_author_pages_link_the_feeds_page_from_their_heading(site_factory):
    out = _built(site_factory)
    for page in ("tags/llm/index.html", "authors/ada-lovelace/index.html"):
        html = (out / page).read_text()
        heading = html[html.index("<h1") : html.index("</p>", html.index("<h1"))]
        assert 'href="/sub/feeds/"' in heading, page
    home = (out / "index.html").read_text()
    footer = home[home.index("<footer") :]
    assert 'href="/sub/feeds/"' in footer, "every page links it from its footer"
