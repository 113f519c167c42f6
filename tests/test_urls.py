"""Link URLs from content: which are accepted, and that every page and feed writes them as valid URLs."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import unquote

import feedparser
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen.build import build
from sitegen.markup import render_markdown
from sitegen.urls import check_url, encode_url
from tests.sitekit import paper

# What a valid URL string (WHATWG) is made of, plus brackets for an IPv6 host.
VALID_URL = re.compile(
    r"(?:[A-Za-z0-9!$&'()*+,\-./:;=?@_~\[\]]|%[0-9A-Fa-f]{2})*(?:#(?:[^#%\s]|%[0-9A-Fa-f]{2})*)?"
)


@pytest.mark.parametrize(
    "url, encoded",
    [
        ("https://arxiv.org/abs/2403.09629", "https://arxiv.org/abs/2403.09629"),
        ("https://x.org/a b.pdf", "https://x.org/a%20b.pdf"),
        ('https://x.org/?q="<b>"', "https://x.org/?q=%22%3Cb%3E%22"),
        ("files\\x.pdf", "files%5Cx.pdf"),
        ("/\\evil.example", "/%5Cevil.example"),  # a browser would read "/\" as "//": another host
        ("https://de.wikipedia.org/wiki/Straße", "https://de.wikipedia.org/wiki/Stra%C3%9Fe"),
        ("https://x.org/a%20b", "https://x.org/a%20b"),  # escapes already made are kept
        ("https://x.org/100%", "https://x.org/100%25"),
        ("https://x.org/#a#b", "https://x.org/#a%23b"),
        ("https://[2001:db8::1]:8080/a[1]", "https://[2001:db8::1]:8080/a%5B1%5D"),
        ("mailto:a@b.org?subject=Hello there", "mailto:a@b.org?subject=Hello%20there"),
    ],
)
def test_urls_are_percent_encoded_where_they_must_be(url: str, encoded: str) -> None:
    assert encode_url(url) == encoded
    assert encode_url(encoded) == encoded


@given(st.text())
def test_any_text_encodes_to_a_valid_url_that_decodes_back(text: str) -> None:
    encoded = encode_url(text)
    assert VALID_URL.fullmatch(encoded), encoded
    if not re.search("%[0-9A-Fa-f]{2}|[\ud800-\udfff]", text) and text.count("#") < 2:
        assert unquote(encoded) == text


def test_check_url_still_decides_schemes_and_controls_only() -> None:
    assert check_url("https://x.org/a b") is None  # encoded on output, not an error
    assert (
        check_url("javascript:alert(1)")
        == "URL scheme 'javascript' is not allowed (use http, https or mailto)"
    )
    assert (
        check_url("https://x.org/a\x07b")
        == "URL must not contain control characters such as tabs or line breaks"
    )


@pytest.mark.parametrize(
    "markdown, html",
    [
        ("[x](javascript:alert(1))", "<p>x</p>"),
        ('<a href="javascript:alert(1)">x</a> y', "<p>x y</p>"),
        ('<a title="t" href="ftp://x.org/">x</a>', "<p>x</p>"),
        ("<a>x</a>", "<p>x</p>"),
        ("[x](https:x.org)", "<p>x</p>"),  # what a link field may not hold, a Markdown link may not either
        ("[x](<a b.pdf>)", '<p><a href="a%20b.pdf" rel="nofollow noopener">x</a></p>'),
        (
            '<a href="javascript:x">*a* [b](/b)</a>',
            '<p><em>a</em> <a href="/b" rel="nofollow noopener">b</a></p>',
        ),
    ],
)
def test_a_link_that_may_not_link_leaves_its_text(markdown: str, html: str) -> None:
    assert render_markdown(markdown) == html


class _Urls(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.bare_links = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.bare_links += tag == "a" and "href" not in found
        self.urls += [v or "" for k, v in attrs if k in ("href", "src")]
        if tag == "meta" and found.get("name") == "citation_pdf_url":
            self.urls.append(found.get("content") or "")


AWKWARD = paper(
    "awkward",
    title="Awkward links",
    abstract='See [the data](<https://x.org/my data.csv>), <a href="javascript:alert(1)">no link</a>.',
    note="[x](javascript:alert(1)) and [y](<files/a b.pdf>)",
    links={
        "code": 'https://x.org/search?q="a<b>"',
        "pdf": "https://x.org/papers/my paper.pdf",
        "slides": "files\\talk.pdf",
        "doi": "10.1000/a#b",
        "blog": "MAILTO:me@x.org",
    },
    thumbnail="images/my thumb.png",
)


def test_every_url_a_page_or_feed_shows_is_valid_and_encoded_once(site_factory) -> None:
    site = site_factory([AWKWARD], base_url="https://example.org/sub/")
    build(site)
    page = (site / "output/papers/awkward/index.html").read_text(encoding="utf-8")
    found = _Urls()
    found.feed(page)
    assert found.bare_links == 0, "an <a> without href is no link"
    for url in found.urls:
        assert VALID_URL.fullmatch(url), url
    assert {
        "https://x.org/search?q=%22a%3Cb%3E%22",
        "https://x.org/papers/my%20paper.pdf",
        "/sub/files%5Ctalk.pdf",
        "https://doi.org/10.1000/a%23b",
        "MAILTO:me@x.org",
        "/sub/images/my%20thumb.png",
        "https://x.org/my%20data.csv",
        "files/a%20b.pdf",
    } <= set(found.urls)
    assert ">no link<" not in page and "no link." in page and "javascript" not in page
    json_ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert json.loads(json_ld.group(1))["encoding"]["contentUrl"] == "https://x.org/papers/my%20paper.pdf"

    for name in ("atom.xml", "rss.xml"):
        entry = feedparser.parse((site / "output" / name).read_bytes()).entries[0]
        html = entry.content[0].value if name == "atom.xml" else entry.description
        assert 'href="https://x.org/my%20data.csv"' in html and "no link." in html
        assert "javascript" not in html and re.search(r"<a(?![^>]*href)", html) is None


def _thumbnail_meta(page: str) -> dict[str, str]:
    found = dict(
        re.findall(r'<meta (?:property|name)="(og:image|twitter:image|twitter:card)" content="([^"]*)"', page)
    )
    return found


def test_thumbnails_are_site_urls_on_pages_and_absolute_in_meta_tags_and_feeds(site_factory) -> None:
    """A relative thumbnail is a file of the site: under a sub-path base_url its
    pages link /sub/..., and og:image, twitter:image, JSON-LD and feeds, read
    elsewhere, get the absolute URL; a scheme-relative one takes base_url's scheme."""
    papers = [
        AWKWARD,
        paper("cdn", title="From a CDN", thumbnail="//cdn.example.org/t.png"),
        paper("plain", title="No image"),
    ]
    site = site_factory(papers, base_url="https://example.org/sub/")
    build(site)
    out = site / "output"
    shown = {"awkward": "/sub/images/my%20thumb.png", "cdn": "//cdn.example.org/t.png"}
    absolute = {
        "awkward": "https://example.org/sub/images/my%20thumb.png",
        "cdn": "https://cdn.example.org/t.png",
    }
    home = (out / "index.html").read_text(encoding="utf-8")
    cards = re.findall(
        r'<img class="card-thumb" src="([^"]*)" alt="" width="160" height="84" loading="lazy"', home
    )
    assert sorted(cards) == sorted(shown.values())
    for paper_id, url in absolute.items():
        page = (out / "papers" / paper_id / "index.html").read_text(encoding="utf-8")
        assert f'<img class="thumbnail" src="{shown[paper_id]}" alt="" width="672" height="353"' in page
        assert _thumbnail_meta(page) == {
            "og:image": url,
            "twitter:card": "summary_large_image",
            "twitter:image": url,
        }
        json_ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
        assert json.loads(json_ld.group(1))["image"] == url
    plain = (out / "papers/plain/index.html").read_text(encoding="utf-8")
    assert _thumbnail_meta(plain) == {"twitter:card": "summary"}
    assert 'class="thumbnail"' not in plain

    for name in ("atom.xml", "rss.xml"):
        feed = feedparser.parse((out / name).read_bytes())
        assert not feed.bozo
        by_link = {e.link.rsplit("/", 2)[-2]: e.get("media_thumbnail") for e in feed.entries}
        assert by_link == {
            "awkward": [{"url": absolute["awkward"]}],
            "cdn": [{"url": absolute["cdn"]}],
            "plain": None,
        }
    items = json.loads((out / "feed.json").read_bytes())["items"]
    assert {item["url"].rsplit("/", 2)[-2]: item.get("image") for item in items} == {
        "awkward": absolute["awkward"],
        "cdn": absolute["cdn"],
        "plain": None,
    }


@pytest.mark.parametrize("written", ["static/thumbs/x.png", "/static/thumbs/x.png"])
def test_a_thumbnail_path_is_from_the_sites_root_with_or_without_a_slash(site_factory, written) -> None:
    """docs/content.md, "Thumbnails": its example, word for word; the file under the
    site's static/ folder is copied to output/static/ as it is."""
    site = site_factory([paper("x", thumbnail=written)], base_url="https://someone.github.io/papers/")
    (site / "static/thumbs").mkdir(parents=True)
    (site / "static/thumbs/x.png").write_bytes(b"\x89PNG not really")
    build(site)
    out = site / "output"
    assert (out / "static/thumbs/x.png").read_bytes() == b"\x89PNG not really"
    assert '<img class="card-thumb" src="/papers/static/thumbs/x.png"' in (out / "index.html").read_text()
    page = (out / "papers/x/index.html").read_text(encoding="utf-8")
    assert '<img class="thumbnail" src="/papers/static/thumbs/x.png"' in page
    absolute = "https://someone.github.io/papers/static/thumbs/x.png"
    assert _thumbnail_meta(page)["og:image"] == absolute
    assert feedparser.parse((out / "atom.xml").read_bytes()).entries[0].media_thumbnail == [{"url": absolute}]
