"""Every internal link of the built site leads to a file of the build.

Checked over every HTML page of both builds (root and sub-path base_url): each
href/src of a, area, link, img, script, source, iframe, form, plus meta tags and
JSON-LD URLs that point at the site's host. A URL resolves when, with the base
path removed, it names a file in the output folder (a folder URL names its
index.html); its #fragment must be an id in the target page. Then the same for
the feeds, the sitemap and robots.txt.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urljoin, urlsplit
from xml.etree import ElementTree

import pytest

if TYPE_CHECKING:
    from .conftest import Build

_LINK_ATTRIBUTES = {
    "a": ("href",),
    "area": ("href",),
    "link": ("href",),
    "img": ("src",),
    "script": ("src",),
    "source": ("src",),
    "iframe": ("src",),
    "form": ("action",),
}
_URL_META = re.compile(r"^(og:url|og:image|twitter:image|citation_.*_url)$")
_SCHEMES = ("http", "https")


@dataclass(frozen=True)
class Ref:
    """One URL found in a file."""

    where: str  # "path:line"
    what: str  # how it was written, e.g. '<a href>'
    url: str  # as written (may be relative)


class _PageScan(HTMLParser):
    """Ids, links and JSON-LD of one HTML page, with line numbers."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.refs: list[tuple[int, str, str]] = []  # (line, what, url)
        self.duplicate_ids: list[tuple[int, str]] = []
        self._json_ld: list[str] | None = None
        self._json_ld_line = 0
        self.json_ld: list[tuple[int, str]] = []
        self.base: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        values = {name: value for name, value in attrs if value is not None}
        for key in ("id",) + (("name",) if tag == "a" else ()):
            if key in values:
                if values[key] in self.ids and key == "id":
                    self.duplicate_ids.append((line, values[key]))
                self.ids.add(values[key])
        if tag == "base" and "href" in values:
            self.base = values["href"]
        for attribute in _LINK_ATTRIBUTES.get(tag, ()):
            if attribute in values:
                self.refs.append((line, f"<{tag} {attribute}>", values[attribute]))
        if tag == "meta":
            name = values.get("property") or values.get("name") or ""
            if _URL_META.match(name) and "content" in values:
                self.refs.append((line, f"<meta {name}>", values["content"]))
        if tag == "script" and values.get("type") == "application/ld+json":
            self._json_ld, self._json_ld_line = [], line

    def handle_data(self, data: str) -> None:
        if self._json_ld is not None:
            self._json_ld.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._json_ld is not None:
            self.json_ld.append((self._json_ld_line, "".join(self._json_ld)))
            self._json_ld = None


@dataclass(frozen=True)
class Page:
    ids: frozenset[str]
    refs: tuple[Ref, ...]
    problems: tuple[str, ...]  # found while reading the page itself


@cache
def _scan(file: Path, output: Path) -> Page:
    rel = file.relative_to(output).as_posix()
    scan = _PageScan()
    scan.feed(file.read_text(encoding="utf-8"))
    scan.close()
    refs = [Ref(f"{rel}:{line}", what, url) for line, what, url in scan.refs]
    problems = [f"{rel}:{line}: duplicate id {value!r}" for line, value in scan.duplicate_ids]
    if scan.base is not None:
        problems.append(f"{rel}: has a <base href>; relative links would be resolved against it")
    for line, text in scan.json_ld:
        try:
            data = json.loads(text)
        except ValueError as exc:
            problems.append(f"{rel}:{line}: JSON-LD is not valid JSON: {exc}")
            continue
        refs += [Ref(f"{rel}:{line}", "JSON-LD", url) for url in _json_urls(data)]
    return Page(frozenset(scan.ids), tuple(refs), tuple(problems))


def _json_urls(data: object) -> Iterator[str]:
    if isinstance(data, dict):
        for value in data.values():
            yield from _json_urls(value)
    elif isinstance(data, list):
        for value in data:
            yield from _json_urls(value)
    elif isinstance(data, str) and data.startswith(("http://", "https://")):
        yield data


def _target(build: Build, url: str) -> tuple[Path | None, str | None, str]:
    """(file, fragment, problem) for an absolute URL on the site's host."""
    parts = urlsplit(url)
    path = unquote(parts.path)
    fragment = unquote(parts.fragment) if parts.fragment else None
    if not path.startswith(build.base_path):
        return None, fragment, f"is outside the site's base path {build.base_path!r}"
    route = path[len(build.base_path) :]
    normal = posixpath.normpath("/" + route)[1:]
    if ".." in route.split("/") or (normal and normal != route.rstrip("/")):
        return None, fragment, "is not a normalised path"
    if route == "" or route.endswith("/"):
        file = build.output / route / "index.html"
    else:
        file = build.output / route
        if file.is_dir():
            return None, fragment, "names a folder without the trailing slash (a redirect on most hosts)"
    if not file.is_file():
        return None, fragment, f"has no file in the output (looked for {file.relative_to(build.output)})"
    return file, fragment, ""


def check_refs(
    build: Build, refs: Iterable[tuple[Ref, str]], page: Path | None = None
) -> tuple[list[str], int]:
    """Check (ref, base URL to resolve it against); return (problems, internal URLs checked).

    ``page`` is the HTML file the refs come from, for same-page "#fragment" links.
    """
    problems: list[str] = []
    checked = 0
    for ref, base in refs:
        url = ref.url.strip()
        if url != ref.url:
            problems.append(f"{ref.where}: {ref.what} {ref.url!r} has leading or trailing white space")
        if url.startswith("#") and page is not None:
            checked += 1
            if unquote(url[1:]) not in _scan(page, build.output).ids:
                problems.append(f"{ref.where}: {ref.what} {ref.url!r}: no such id in this page")
            continue
        absolute = urljoin(base, url)
        parts = urlsplit(absolute)
        if parts.scheme not in _SCHEMES:
            if parts.scheme in ("javascript", "data", "file", "vbscript"):
                problems.append(f"{ref.where}: {ref.what} {ref.url!r} uses the {parts.scheme}: scheme")
            continue
        if parts.netloc != build.host:
            if parts.hostname in ("localhost", "127.0.0.1", "::1", "0.0.0.0", None):
                problems.append(f"{ref.where}: {ref.what} {ref.url!r} points at a local address")
            continue
        if parts.scheme != urlsplit(build.base_url).scheme:
            problems.append(f"{ref.where}: {ref.what} {ref.url!r} uses {parts.scheme}, the site uses https")
        checked += 1
        file, fragment, problem = _target(build, absolute)
        if problem:
            problems.append(f"{ref.where}: {ref.what} {ref.url!r} -> {absolute} {problem}")
            continue
        if fragment and file is not None and file.suffix == ".html":
            if fragment not in _scan(file, build.output).ids:
                target = file.relative_to(build.output).as_posix()
                problems.append(f"{ref.where}: {ref.what} {ref.url!r}: no id {fragment!r} in {target}")
    return problems, checked


def _fail(problems: list[str], what: str) -> None:
    if problems:
        shown = "\n".join(problems[:80])
        more = f"\n... and {len(problems) - 80} more" if len(problems) > 80 else ""
        pytest.fail(f"{len(problems)} problems with {what}:\n{shown}{more}", pytrace=False)


# --- HTML pages -----------------------------------------------------------------------


def test_every_internal_link_of_every_page_resolves(build: Build) -> None:
    pages = build.html_files()
    assert len(pages) > 20, f"expected a full sample site, found {len(pages)} HTML files in {build.output}"
    problems: list[str] = []
    checked = 0
    for file in pages:
        page = _scan(file, build.output)
        problems += page.problems
        # 404.html is served at any missing URL, so its links must not be relative to its own place.
        base = build.url_of(file)
        if file.name == "404.html":
            base = build.base_url + "a/missing/page/deep/down/"
        found, count = check_refs(build, [(ref, base) for ref in page.refs], page=file)
        problems += found
        checked += count
    _fail(problems, f"internal links in the {build.name} build ({build.base_url})")
    # The check must have had something to check: every page links home, its CSS and more.
    assert checked > 10 * len(pages), (
        f"only {checked} internal URLs in {len(pages)} pages: is the scanner broken?"
    )


def test_internal_links_are_root_relative_or_on_the_base_url(build: Build) -> None:
    """Page links are written as /base/path/... or https://host/base/path/..., never '../x'."""
    problems = []
    for file in build.html_files():
        for ref in _scan(file, build.output).refs:
            parts = urlsplit(ref.url)
            if ref.url.startswith("#") or parts.scheme or ref.url.startswith("//"):
                continue
            if not ref.url.startswith(build.base_path):
                problems.append(
                    f"{ref.where}: {ref.what} {ref.url!r} does not start with {build.base_path!r}"
                )
    _fail(problems, "relative links")


def test_sitemap_lists_every_page(build: Build) -> None:
    sitemap = build.output / "sitemap.xml"
    root = ElementTree.parse(sitemap).getroot()
    locs = [el.text or "" for el in root.iter() if el.tag.endswith("}loc")]
    problems, checked = check_refs(
        build, [(Ref("sitemap.xml", "<loc>", loc), build.base_url) for loc in locs]
    )
    _fail(problems, "sitemap URLs")
    assert checked == len(locs), "every sitemap URL must be on the site's host"
    listed = {_target(build, loc)[0] for loc in locs}
    # Pages that ask search engines not to index them (404.html, the search page, the
    # digests: email copies of the day pages) are left out.
    unlisted = {f for f in build.html_files() if '<meta name="robots" content="noindex">' in f.read_text()}
    digests = set((build.output / "digest").rglob("*.html"))
    assert digests and digests <= unlisted
    others = {f.relative_to(build.output).as_posix() for f in unlisted - digests}
    assert others == {"404.html", "search/index.html"}
    pages = set(build.html_files()) - unlisted
    missing = sorted(p.relative_to(build.output).as_posix() for p in pages - listed)
    assert not missing, f"pages missing from sitemap.xml: {missing}"
    assert not unlisted & listed, "noindex pages must not be in the sitemap"


def test_robots_txt_points_at_the_sitemap(build: Build) -> None:
    text = (build.output / "robots.txt").read_text(encoding="utf-8")
    sitemaps = re.findall(r"(?im)^sitemap:\s*(\S+)", text)
    assert sitemaps, "robots.txt names no sitemap"
    problems, checked = check_refs(
        build, [(Ref("robots.txt", "Sitemap:", s), build.base_url) for s in sitemaps]
    )
    _fail(problems, "robots.txt URLs")
    assert checked == len(sitemaps)


# --- feeds ------------------------------------------------------------------------------


def _html_refs(html: str, where: str) -> list[tuple[str, str]]:
    scan = _PageScan()
    scan.feed(html)
    scan.close()
    return [(what, url) for _, what, url in scan.refs]


_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_EMBEDDED_HTML = ("content", "summary", "description", "encoded")


def _xml_feed_refs(file: Path, rel: str, feed_url: str) -> list[tuple[Ref, str]]:
    refs: list[tuple[Ref, str]] = []

    def walk(element: ElementTree.Element, base: str) -> None:
        base = urljoin(base, element.get(_XML_BASE, ""))
        local = element.tag.rsplit("}", 1)[-1]
        for name in ("href", "src", "url", "uri"):
            if element.get(name):
                refs.append((Ref(rel, f"<{local} {name}>", element.get(name)), base))
        text = (element.text or "").strip()
        if local in ("link", "loc", "url", "uri", "icon", "logo", "comments") and text:
            refs.append((Ref(rel, f"<{local}>", text), base))
        elif local in ("id", "guid") and text.startswith(("http://", "https://")):
            refs.append((Ref(rel, f"<{local}>", text), base))
        elif local in _EMBEDDED_HTML and text and "<" in text:
            refs.extend(
                (Ref(rel, f"<{local}> HTML {what}", url), base) for what, url in _html_refs(text, rel)
            )
        for child in element:
            walk(child, base)

    walk(ElementTree.parse(file).getroot(), feed_url)
    return refs


def _json_feed_refs(file: Path, rel: str, feed_url: str) -> list[tuple[Ref, str]]:
    refs: list[tuple[Ref, str]] = []

    def walk(value: object, key: str) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str):
            if key in ("content_html", "summary") and "<" in value:
                refs.extend(
                    (Ref(rel, f"{key} HTML {what}", url), feed_url) for what, url in _html_refs(value, rel)
                )
            elif key.endswith("url") or key in ("id", "icon", "favicon", "avatar", "image", "banner_image"):
                if key != "id" or value.startswith(("http://", "https://")):
                    refs.append((Ref(rel, f'"{key}"', value), feed_url))

    walk(json.loads(file.read_text(encoding="utf-8")), "")
    return refs


def _feed_files(build: Build) -> list[Path]:
    names = ("atom.xml", "rss.xml", "feed.json")
    site_feeds = [build.output / n for n in names if (build.output / n).is_file()]
    tag_feeds = sorted(f for f in (build.output / "tags").rglob("*") if f.name in names)
    author_feeds = sorted(f for f in (build.output / "authors").rglob("*") if f.name in names)
    return site_feeds + tag_feeds + author_feeds


def test_feeds_link_only_to_existing_pages(build: Build) -> None:
    feeds = _feed_files(build)
    names = {f.name for f in feeds}
    assert {"atom.xml", "rss.xml", "feed.json"} <= names, f"site feeds missing: found {sorted(names)}"
    assert any(f.parent.parent.name == "tags" for f in feeds), "no tag feed found under tags/<tag>/"
    problems: list[str] = []
    total = 0
    for file in feeds:
        rel = file.relative_to(build.output).as_posix()
        feed_url = build.base_url + rel
        try:
            if file.suffix == ".json":
                refs = _json_feed_refs(file, rel, feed_url)
            else:
                refs = _xml_feed_refs(file, rel, feed_url)
        except (ValueError, ElementTree.ParseError) as exc:
            problems.append(f"{rel}: cannot be parsed: {exc}")
            continue
        found, checked = check_refs(build, refs)
        problems += found
        total += checked
        if checked == 0:
            problems.append(
                f"{rel}: no URL on {build.host} at all (entry links and the feed's own URL expected)"
            )
    _fail(problems, f"feed URLs in the {build.name} build")
    assert total > len(feeds)


def test_feeds_name_their_own_url(build: Build) -> None:
    """A feed's self link is its own address: readers resubscribe to it."""
    problems = []
    for file in _feed_files(build):
        rel = file.relative_to(build.output).as_posix()
        own = build.base_url + rel
        text = file.read_text(encoding="utf-8")
        if own not in text.replace("&amp;", "&"):
            problems.append(f"{rel}: does not mention its own URL {own}")
    _fail(problems, "feed self links")


def test_the_opml_list_names_only_feeds_and_pages_of_the_build(build: Build) -> None:
    """feeds.opml: every outline's feed (xmlUrl) and page (htmlUrl) is a file of the build."""
    opml = build.output / "feeds.opml"
    outlines = [o for o in ElementTree.parse(opml).getroot().iter("outline") if o.get("xmlUrl")]
    assert len(outlines) > 1, "the site's feed and its tags' expected"
    refs = [
        (Ref(f"feeds.opml ({o.get('text')})", attribute, o.get(attribute) or ""), build.base_url)
        for o in outlines
        for attribute in ("xmlUrl", "htmlUrl")
    ]
    problems, checked = check_refs(build, refs)
    _fail(problems, f"feeds.opml in the {build.name} build")
    assert checked == 2 * len(outlines)
