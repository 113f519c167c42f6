"""Papers from the arXiv API (export.arxiv.org/api/query), which answers in Atom.

arXiv asks for one request every three seconds and says so in two ways when
a client is too fast or wrong: a plain-text "Rate exceeded." instead of a
feed, and a feed whose only entry is an error (id under /api/errors),
sometimes with HTTP 200, sometimes with 400. Both are turned into one-line
``SourceError`` messages here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote, urlencode
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from .base import Imported, SourceError
from .http import Fetcher, Response, Transport
from .text import clean_line, http_url, preview, unwrap, utc_timestamp

SOURCE = "arxiv"
API = "https://export.arxiv.org/api/query"
MIN_INTERVAL = 3.0  # arXiv's terms of use: no more than one request every three seconds

_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"
_OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"

# New style 2305.02678 (four or five digits after the dot) and old style
# hep-th/9901001 or math.GT/0309136; nothing else can become a folder name.
_ID = re.compile(r"\d{4}\.\d{4,5}|[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7}")
_VERSION = re.compile(r"(?<=\d)v\d+$")
_ABS_URL = re.compile(r"https?://(?:export\.)?arxiv\.org/abs/(.+)")
_ERROR_URL = re.compile(r"https?://(?:export\.)?arxiv\.org/api/errors")
_RATE_EXCEEDED = b"Rate exceeded."


def _ignore(message: str) -> None:
    pass


def strip_version(arxiv_id: str) -> str:
    """'2305.02678v3' -> '2305.02678', 'hep-th/9901001v2' -> 'hep-th/9901001'."""
    return _VERSION.sub("", arxiv_id.strip())


def is_arxiv_id(value: str) -> bool:
    """Whether ``value`` is an arXiv id without version, new or old style."""
    return _ID.fullmatch(value) is not None


# `sort` option -> arXiv's sortBy. Newest first is what a daily feed wants; arXiv's own
# default, relevance, would bring back the same best matches every day.
SORTS = {"submitted": "submittedDate", "updated": "lastUpdatedDate", "relevance": "relevance"}


def query_url(
    *,
    search_query: str | None,
    id_list: Sequence[str] | None,
    start: int,
    max_results: int,
    sort: str | None = None,
) -> str:
    """The API URL for one page of a query: a search, a list of ids, or both (ANDed by arXiv).

    ``sort`` (a key of SORTS) asks for that order, newest first; None leaves arXiv's default."""
    if not search_query and not id_list:
        raise ValueError("an arXiv query needs search_query or id_list")
    params: list[tuple[str, str | int]] = []
    if search_query:
        params.append(("search_query", search_query))
    if id_list:
        params.append(("id_list", ",".join(id_list)))
    params += [("start", start), ("max_results", max_results)]
    if sort is not None:
        params += [("sortBy", SORTS[sort]), ("sortOrder", "descending")]
    return f"{API}?{urlencode(params)}"


@dataclass(frozen=True)
class Page:
    """One answer of the API: its papers, the query's total and this page's offset.

    ``entries`` counts every entry on the page, skipped ones included, so the
    next page starts where this one ended."""

    papers: list[Imported]
    total: int
    start: int
    entries: int = 0


def _text(parent: Element, tag: str) -> str:
    child = parent.find(tag)
    return "".join(child.itertext()) if child is not None else ""


def _int(parent: Element, tag: str, default: int) -> int:
    try:
        return int(_text(parent, tag).strip())
    except ValueError:
        return default


def _root(body: bytes) -> Element:
    if body.strip() == _RATE_EXCEEDED:
        raise SourceError(
            f"{SOURCE}: export.arxiv.org is limiting requests (it answered 'Rate exceeded.'); "
            "try again in a few minutes"
        )
    try:
        # No DTDs at all: a feed has no use for one, and entities are how XML bombs work.
        root = fromstring(body, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError):
        root = None
    if root is None or root.tag != f"{_ATOM}feed":
        raise SourceError(f"{SOURCE}: the answer is not an Atom feed ({preview(body)})")
    return root


def _refusal(root: Element) -> str | None:
    """The message of arXiv's error entry, if the feed is one."""
    for entry in root.iter(f"{_ATOM}entry"):
        if _ERROR_URL.match(_text(entry, f"{_ATOM}id").strip()):
            reason = clean_line(_text(entry, f"{_ATOM}summary")) or clean_line(_text(entry, f"{_ATOM}id"))
            return f"{SOURCE}: the API refused the query: {reason[:300]}"
    return None


def _refusal_in(body: bytes) -> str | None:
    try:
        return _refusal(_root(body))
    except SourceError:
        return None


def _authors(entry: Element) -> list[Any]:
    authors: list[Any] = []
    for author in entry.findall(f"{_ATOM}author"):
        name = clean_line(_text(author, f"{_ATOM}name"))
        if not name:
            continue
        affiliation = clean_line(_text(author, f"{_ARXIV}affiliation"))  # the first, if several
        authors.append({"name": name, "affiliation": affiliation} if affiliation else name)
    return authors


def _tags(entry: Element, categories: Mapping[str, str], unmapped: str) -> list[str]:
    codes = [el.get("term", "") for el in entry.findall(f"{_ARXIV}primary_category")]
    codes += [el.get("term", "") for el in entry.findall(f"{_ATOM}category")]
    tags: list[str] = []
    for code in map(clean_line, codes):
        tag = categories.get(code) or (code if unmapped == "keep" else "")
        tag = clean_line(tag)
        if code and tag and tag not in tags:
            tags.append(tag)
    return tags


def _links(entry: Element, arxiv_id: str) -> dict[str, str]:
    links = {"arxiv": f"https://arxiv.org/abs/{arxiv_id}"}
    for link in entry.findall(f"{_ATOM}link"):
        if link.get("title") == "pdf" and (pdf := http_url(link.get("href"))):
            links["pdf"] = pdf
            break
    # arxiv:doi sometimes holds several DOIs separated by spaces; the first is the paper's.
    doi = _text(entry, f"{_ARXIV}doi").split()
    if doi:
        links["doi"] = "https://doi.org/" + quote(clean_line(doi[0]), safe="/:;()._-<>")
    return links


def _paper(entry: Element, day: date | None, categories: Mapping[str, str], unmapped: str) -> Imported:
    raw_id = clean_line(_text(entry, f"{_ATOM}id"))
    match = _ABS_URL.fullmatch(raw_id)
    arxiv_id = strip_version(match.group(1)) if match else ""
    if not is_arxiv_id(arxiv_id):
        raise ValueError(f"id {raw_id[:60]!r} is not an arXiv abstract URL")
    title = clean_line(_text(entry, f"{_ATOM}title"))
    if not title:
        raise ValueError(f"{arxiv_id} has no title")
    fields: dict[str, Any] = {"title": title}
    optional: dict[str, Any] = {
        "authors": _authors(entry),
        "abstract": unwrap(_text(entry, f"{_ATOM}summary")),
        "tags": _tags(entry, categories, unmapped),
        "links": _links(entry, arxiv_id),
        "published": utc_timestamp(_text(entry, f"{_ATOM}published")),
        "updated": utc_timestamp(_text(entry, f"{_ATOM}updated")),
        "venue": clean_line(_text(entry, f"{_ARXIV}journal_ref")),
    }
    fields.update((key, value) for key, value in optional.items() if value)  # absent, never empty
    if comment := clean_line(_text(entry, f"{_ARXIV}comment")):
        fields["extra"] = {"arxiv_comment": comment}
    return Imported(id=arxiv_id, day=day, fields=fields, source=SOURCE)


def parse_feed(
    body: bytes,
    day: date | None = None,
    *,
    categories: Mapping[str, str] = {},  # noqa: B006 - read only
    unmapped: str = "keep",
    warn: Callable[[str], None] = _ignore,
) -> Page:
    """One API answer as a Page; ``SourceError`` for anything but a usable feed.

    ``categories`` maps arXiv codes (cs.CL) to the site's tags; codes it does
    not name are kept as they are (``unmapped="keep"``) or left out ("drop").
    An entry without a usable id or title is skipped with a ``warn`` (one
    line, without the source's name: the caller adds it).
    """
    if unmapped not in ("keep", "drop"):
        raise ValueError(f"unmapped must be 'keep' or 'drop', not {unmapped!r}")
    root = _root(body)
    if refusal := _refusal(root):
        raise SourceError(refusal)
    start = _int(root, f"{_OPENSEARCH}startIndex", 0)
    entries = root.findall(f"{_ATOM}entry")
    papers = []
    for position, entry in enumerate(entries):
        try:
            papers.append(_paper(entry, day, categories, unmapped))
        except ValueError as error:
            warn(f"skipped entry {start + position}: {error}")
    total = _int(root, f"{_OPENSEARCH}totalResults", start + len(entries))
    return Page(papers=papers, total=total, start=start, entries=len(entries))


def _rate_exceeded(response: Response) -> bool:
    return response.body.strip() == _RATE_EXCEEDED


def new_fetcher(transport: Transport | None = None, **kw: Any) -> Fetcher:
    """A Fetcher for arXiv: three seconds between requests, "Rate exceeded." retried like a 429."""
    kw.setdefault("min_interval", MIN_INTERVAL)
    kw.setdefault("throttled", _rate_exceeded)
    return Fetcher(SOURCE, transport, **kw)


def fetch(
    fetcher: Fetcher,
    *,
    search_query: str | None = None,
    id_list: Sequence[str] | None = None,
    max_results: int = 50,
    page_size: int = 100,
    day: date | None = None,
    categories: Mapping[str, str] = {},  # noqa: B006 - read only
    unmapped: str = "keep",
    warn: Callable[[str], None] = _ignore,
    sort: str | None = None,
) -> list[Imported]:
    """Up to ``max_results`` papers for a query, page by page, each id once (the first seen)."""
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    papers: dict[str, Imported] = {}
    start = 0
    while len(papers) < max_results:
        size = min(page_size, max_results - len(papers))
        url = query_url(search_query=search_query, id_list=id_list, start=start, max_results=size, sort=sort)
        response = fetcher.get(url, accept={400})  # arXiv sends its error entry with 400 too
        if response.status == 400:
            raise SourceError(_refusal_in(response.body) or f"{SOURCE}: export.arxiv.org answered HTTP 400")
        page = parse_feed(response.body, day, categories=categories, unmapped=unmapped, warn=warn)
        before = len(papers)
        for paper in page.papers:
            papers.setdefault(paper.id, paper)
        start += max(page.entries, len(page.papers))
        # An empty page, the end of the results, or a page of repeats: asking again would loop.
        if page.entries == 0 or start >= page.total or len(papers) == before:
            break
    return list(papers.values())[:max_results]
