"""Papers from Hugging Face's Daily Papers (huggingface.co/api/daily_papers).

The listing is a JSON array of items, each wrapping a ``paper`` object. The
API is undocumented and changes shape now and then, so every field but the
paper's id and title is optional, unknown fields are ignored, and one
malformed item is skipped with a warning instead of failing the import.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

from .arxiv import is_arxiv_id, strip_version
from .base import Imported, SourceError
from .http import Fetcher
from .text import clean_line, http_url, preview, unwrap, utc_timestamp

SOURCE = "hf-daily"
API = "https://huggingface.co/api/daily_papers"


def _ignore(message: str) -> None:
    pass


class _Skip(ValueError):
    """This item cannot become a paper; the message says why."""


def listing_url(day: date | None) -> str:
    """The listing of ``day``, or the latest listing when None."""
    return API if day is None else f"{API}?date={day.isoformat()}"


def _text(value: object) -> str:
    return clean_line(value) if isinstance(value, str) else ""


def _authors(value: object) -> list[str] | None:
    if not isinstance(value, list):
        return None
    names = (_text(author.get("name")) for author in value if isinstance(author, dict))
    return [name for name in names if name]


def _abstract(value: object) -> str | None:
    return unwrap(value) if isinstance(value, str) else None


def _count(value: object) -> int | None:
    # bool is an int to Python, and True upvotes is not a count.
    return value if type(value) is int and value >= 0 else None


def _keywords(value: object, count: int) -> list[str] | None:
    if not isinstance(value, list):
        return None
    tags: list[str] = []
    for keyword in value:
        tag = _text(keyword)
        if tag and tag not in tags and len(tags) < count:
            tags.append(tag)
    return tags


def _paper(item: object, day: date | None, keyword_tags: int) -> tuple[Imported, list[str]]:
    """One item as a paper, and the names of optional fields left out for being malformed."""
    if not isinstance(item, dict) or not isinstance(paper := item.get("paper"), dict):
        raise _Skip("no 'paper' object")
    raw_id = paper.get("id")
    if not isinstance(raw_id, str) or not raw_id.strip():
        raise _Skip("no paper id")
    arxiv_id = strip_version(raw_id)
    if not is_arxiv_id(arxiv_id):
        raise _Skip(f"id {raw_id[:40]!r} is not an arXiv id")
    title = _text(paper.get("title")) or _text(item.get("title"))
    if not title:
        raise _Skip(f"{arxiv_id} has no title")

    malformed: list[str] = []

    def read(container: dict[str, Any], key: str, convert: Callable[[Any], Any]) -> Any:
        # null is "not given"; a value that does not convert is malformed and reported.
        raw = container.get(key)
        value = None if raw is None else convert(raw)
        if raw is not None and value is None:
            malformed.append(key)
        return value

    links = {
        "arxiv": f"https://arxiv.org/abs/{arxiv_id}",
        "pdf": f"https://arxiv.org/pdf/{arxiv_id}",
        "code": read(paper, "githubRepo", http_url),
        "project": read(paper, "projectPage", http_url),
        "hf": f"https://huggingface.co/papers/{arxiv_id}",
    }
    candidates: dict[str, Any] = {
        "title": title,
        "authors": read(paper, "authors", _authors),
        "abstract": read(paper, "summary", _abstract),
        "tags": read(paper, "ai_keywords", lambda raw: _keywords(raw, keyword_tags))
        if keyword_tags > 0
        else None,
        "links": {name: url for name, url in links.items() if url},
        "thumbnail": read(item, "thumbnail", http_url),
        "upvotes": read(paper, "upvotes", _count),
        "published": read(paper, "publishedAt", utc_timestamp),
    }
    fields = {key: value for key, value in candidates.items() if value not in (None, "", [])}
    if day is None:
        # The day Hugging Face listed it; the paper's own date if the item does not say.
        listed = utc_timestamp(item.get("publishedAt")) or fields.get("published")
        day = date.fromisoformat(listed[:10]) if listed else None
    return Imported(id=arxiv_id, day=day, fields=fields, source=SOURCE), malformed


def parse_listing(
    body: bytes,
    day: date | None = None,
    *,
    keyword_tags: int = 0,
    warn: Callable[[str], None] = _ignore,
) -> list[Imported]:
    """The papers of one listing, in its order, each id once.

    ``day`` is the listing's day when the user asked for one; otherwise each
    paper's day comes from the item. ``keyword_tags`` takes that many of
    Hugging Face's AI-generated keywords as tags (none by default: they are
    noisy). Items that cannot be used are reported through ``warn``, one
    line each without the source's name (the caller adds it).
    """
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise SourceError(f"{SOURCE}: the answer is not JSON ({preview(body)})") from None
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        raise SourceError(f"{SOURCE}: huggingface.co refused the request: {clean_line(data['error'])[:200]}")
    if not isinstance(data, list):
        raise SourceError(f"{SOURCE}: expected a list of papers, got a JSON {type(data).__name__}")
    papers: dict[str, Imported] = {}
    for position, item in enumerate(data):
        try:
            paper, malformed = _paper(item, day, keyword_tags)
        except _Skip as why:
            warn(f"skipped item {position}: {why}")
            continue
        if paper.id in papers:
            warn(f"skipped item {position}: {paper.id} is listed twice")
            continue
        if malformed:
            warn(f"item {position} ({paper.id}): ignored malformed {', '.join(malformed)}")
        papers[paper.id] = paper
    return list(papers.values())


def fetch_listing(
    fetcher: Fetcher,
    day: date | None = None,
    *,
    keyword_tags: int = 0,
    warn: Callable[[str], None] = _ignore,
) -> list[Imported]:
    """The listing of ``day`` (None: the latest), fetched and parsed."""
    response = fetcher.get(listing_url(day))
    return parse_listing(response.body, day, keyword_tags=keyword_tags, warn=warn)
