"""One paper mapping -> a Paper, every problem reported with its line and field.

The checks run for every field of every paper (100k-paper sites), so the
happy path is a dict dispatch and a comparison or two a string; lines are
looked up only for a problem.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Callable
from typing import Any

from . import routes
from .dates import day_of, kept_moment
from .documents import KeyPath, field_name
from .entrylists import File, as_written, web_links
from .errors import Problem
from .limits import character_problem, nested_problem
from .limits import show_value as _show
from .model import Paper
from .urls import check_image_url, check_url

ENTRY_DIGEST = 24  # hex digits of a paper's digest (Paper.digest)
# What browsers strip around a URL, and drop inside one, before finding its scheme.
_URL_STRIP = "".join(map(chr, range(0x21)))
_INVALID = object()  # a checker's "already reported" result


class Entry:
    """Checks one paper mapping; problems go to the shared list."""

    __slots__ = ("file", "doc", "at", "tz", "limits", "clean", "short", "problems", "id")

    def __init__(self, file: File, at: KeyPath) -> None:
        self.file = file
        self.doc = file.doc
        self.at = at
        self.tz = file.tz
        self.limits = file.limits
        self.clean = file.doc.clean  # no string of the file can hold a forbidden character
        self.short = file.short
        self.problems = file.problems
        self.id: str | None = None

    def report(self, where: KeyPath, message: str) -> None:
        line = self.doc.line_at(self.at + where)
        self.problems.append(Problem(message, self.doc.path, line, field_name(where) or None))

    def check(self, data: dict, source: str | None = None, digest: str | None = None) -> Paper | None:
        """The paper, or None once its problems are reported; ``source`` is the
        entry's text as written, if known (its digest is made from that), and
        ``digest`` the entry's digest, if known (a one-paper file's)."""
        before = len(self.problems)
        values: dict[str, Any] = {}
        for key, raw in data.items():
            checker = _FIELDS.get(key) if isinstance(key, str) else None
            if checker is None:
                self.report((str(key),), f"unknown field{_suggest(str(key))}")
                continue
            if raw is None:
                if key in _REQUIRED:
                    self.report((key,), "must not be empty")
                continue  # an empty optional field ("note:") means not given
            value = checker(self, (key,), raw)
            if value is not _INVALID:
                values[key] = value
        for key in _REQUIRED:
            if key not in data:
                line = self.doc.line_at(self.at)
                self.problems.append(Problem("required field is missing", self.doc.path, line, key))
        self.id = values.get("id")
        if len(self.problems) > before:
            return None
        when = values["date"]
        # The entry's own text (or data), so editing one paper of a daily file
        # changes only its pages. Hashing the text is ~15 µs cheaper than repr().
        if digest is None:  # as cache.content_digest hashes
            digest = hashlib.sha256((source or repr(data)).encode("utf-8")).hexdigest()[:ENTRY_DIGEST]
        return self.file.paper(values, day_of(when, self.tz), self.file.source, digest)


# --- field checkers: (entry, where, raw value) -> value, or _INVALID once reported ---


def kind(value: Any) -> str:
    """'a string', 'a list', ...: for values of the wrong shape where a whole paper was expected."""
    if isinstance(value, str):
        return f"a string ({_show(value)})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool) or value is None:
        return _show(value)
    return f"{type(value).__name__} {_show(value)}"


def _suggest(key: str) -> str:
    close = difflib.get_close_matches(key, list(_FIELDS), n=1, cutoff=0.6)
    if close:
        return f" (did you mean '{close[0]}'?)"
    return "; custom data goes under 'extra'"


def _id(entry: Entry, where: KeyPath, raw: Any) -> Any:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        # YAML/JSON read 2403.09630 as the number 2403.0963: the id would silently change.
        text = entry.doc.source_at(entry.at + where) or "2403.09629"
        entry.report(where, f'expected a string, got a number; quote arXiv ids such as "{text}"')
        return _INVALID
    if not isinstance(raw, str):
        entry.report(where, f"expected a string, got {_show(raw)}")
        return _INVALID
    paper_id = raw.strip()
    if not paper_id:
        entry.report(where, "must not be empty")
        return _INVALID
    if not routes.is_valid_id(paper_id):
        entry.report(
            where,
            f"invalid id {_show(paper_id)}: use letters, digits, '.', '_' and '-', starting with a letter "
            "or digit (or an old arXiv id such as 'hep-th/9901001')",
        )
        return _INVALID
    return paper_id


def _bad_text(entry: Entry, where: KeyPath, text: str, limit: str) -> bool:
    """Report ``text`` if it is longer than limits.<limit> or holds a forbidden character."""
    most = getattr(entry.limits, limit)
    if len(text) > most:
        entry.report(where, f"{len(text):,} characters, more than limits.{limit} ({most:,})")
        return True
    problem = None if entry.clean else character_problem(text)
    if problem:
        entry.report(where, problem)
    return problem is not None


def _one_line(entry: Entry, where: KeyPath, raw: Any, limit: str) -> Any:
    if not isinstance(raw, str):
        entry.report(where, f"expected a string, got {_show(raw)}")
        return _INVALID
    if (len(raw) > entry.short or not (entry.clean or raw.isprintable())) and _bad_text(
        entry, where, raw, limit
    ):
        return _INVALID
    title = " ".join(raw.split())  # titles come wrapped across lines
    if not title:
        entry.report(where, "must not be empty")
        return _INVALID
    return title


def _title(entry: Entry, where: KeyPath, raw: Any) -> Any:
    return _one_line(entry, where, raw, "field_length")


def _name(entry: Entry, where: KeyPath, raw: Any) -> Any:
    return _one_line(entry, where, raw, "name_length")


def _text(entry: Entry, where: KeyPath, raw: Any, limit: str = "field_length") -> Any:
    if not isinstance(raw, str):
        entry.report(where, f"expected a string, got {_show(raw)}")
        return _INVALID
    return (
        _INVALID
        if (len(raw) > entry.short or not (entry.clean or raw.isprintable()))
        and _bad_text(entry, where, raw, limit)
        else raw
    )


CITATION_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}")  # cacherows.py checks it too


def _citation_key(entry: Entry, where: KeyPath, raw: Any) -> Any:
    if not isinstance(raw, str) or not CITATION_KEY.fullmatch(raw):
        entry.report(
            where,
            f"expected a BibTeX key of letters, digits, '_', '.', ':' or '-' (at most 100), got {_show(raw)}",
        )
        return _INVALID
    return raw


def _long_text(entry: Entry, where: KeyPath, raw: Any) -> Any:
    return _text(entry, where, raw, "text_length")


def _date(entry: Entry, where: KeyPath, raw: Any) -> Any:
    moment = kept_moment(raw, entry.tz)  # to_datetime(raw, entry.tz), kept for a day's papers
    if isinstance(moment, str):
        entry.report(where, moment)
        return _INVALID
    return moment


def _strings(entry: Entry, where: KeyPath, raw: Any, what: str) -> list[str] | None:
    """A list of stripped, non-empty strings; None once a problem is reported."""
    if not isinstance(raw, list):
        entry.report(where, f"expected a list of {what}, got {_show(raw)}")
        return None
    result: list[str] = []
    ok = True
    for index, item in enumerate(raw):
        if not isinstance(item, str) or not item.strip():
            got = "an empty string" if isinstance(item, str) else _show(item)
            entry.report(where + (index,), f"expected a non-empty string, got {got}")
            ok = False
        elif (len(item) > entry.short or not (entry.clean or item.isprintable())) and _bad_text(
            entry, where + (index,), item, "name_length"
        ):
            ok = False
        else:
            result.append(item.strip())
    return result if ok else None


def _too_many(entry: Entry, where: KeyPath, raw: list, limit: str) -> None:
    """Report a list of more than limits.<limit> items."""
    most = getattr(entry.limits, limit)
    entry.report(where, f"{len(raw):,} {limit}, more than limits.{limit} ({most:,})")


def _tags(entry: Entry, where: KeyPath, raw: Any) -> Any:
    if isinstance(raw, list) and len(raw) > entry.limits.tags:  # each is a page and a feed
        _too_many(entry, where, raw, "tags")
        return _INVALID
    if as_written(entry.clean, entry.short, raw):  # else checked item by item
        return tuple(dict.fromkeys(raw))
    tags = _strings(entry, where, raw, "strings")
    return _INVALID if tags is None else tuple(dict.fromkeys(tags))  # first of each kept, in order


def _authors(entry: Entry, where: KeyPath, raw: Any) -> Any:
    if not isinstance(raw, list):
        hint = "; give one name per item, e.g. [Ada Lovelace, Alan Turing]" if isinstance(raw, str) else ""
        entry.report(where, f"expected a list of names, got {_show(raw)}{hint}")
        return _INVALID
    if len(raw) > entry.limits.authors:
        _too_many(entry, where, raw, "authors")
        return _INVALID
    if as_written(entry.clean, entry.short, raw):  # else checked item by item
        return entry.file.authors(raw)
    authors = [_author(entry, where + (index,), item) for index, item in enumerate(raw)]
    return tuple(authors) if all(author is not _INVALID for author in authors) else _INVALID


def _author(entry: Entry, where: KeyPath, raw: Any) -> Any:
    if isinstance(raw, str):
        if (len(raw) > entry.short or not (entry.clean or raw.isprintable())) and _bad_text(
            entry, where, raw, "name_length"
        ):
            return _INVALID
        name = " ".join(raw.split())
        if name:
            return entry.file.author(name)
        entry.report(where, "expected a name, got an empty string")
        return _INVALID
    if not isinstance(raw, dict):
        entry.report(where, f"expected a name or a mapping with 'name', got {_show(raw)}")
        return _INVALID
    values: dict[str, Any] = {}
    ok = True
    for key, value in raw.items():
        checker = _AUTHOR_FIELDS.get(key) if isinstance(key, str) else None
        if checker is None:
            close = difflib.get_close_matches(str(key), list(_AUTHOR_FIELDS), n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else " (use name, affiliation, url)"
            entry.report(where + (str(key),), f"unknown field{hint}")
            ok = False
        elif value is not None or key == "name":
            values[key] = checker(entry, where + (key,), value)
            ok = ok and values[key] is not _INVALID
    if "name" not in raw:
        entry.report(where + ("name",), "required field is missing")
        ok = False
    return entry.file.author(**values) if ok else _INVALID


def _url(entry: Entry, where: KeyPath, raw: Any, check: Callable[[str], str | None] = check_url) -> Any:
    if not isinstance(raw, str):
        entry.report(where, f"expected a URL string, got {_show(raw)}")
        return _INVALID
    if (len(raw) > entry.short or not (entry.clean or raw.isprintable())) and _bad_text(
        entry, where, raw, "text_length"
    ):
        return _INVALID
    problem = check(raw)
    if problem:
        entry.report(where, problem)
        return _INVALID
    return raw.strip(_URL_STRIP)


def _image_url(entry: Entry, where: KeyPath, raw: Any) -> Any:
    return _url(entry, where, raw, check_image_url)


def _links(entry: Entry, where: KeyPath, raw: Any) -> Any:
    if not isinstance(raw, dict):
        entry.report(where, f"expected a mapping of name: URL, got {_show(raw)}")
        return _INVALID
    links = web_links(raw, entry.short) if entry.clean else None
    if links is not None:
        return links
    links = []
    ok = True
    for name, value in raw.items():
        if not isinstance(name, str) or not name.strip():
            entry.report(where + (str(name),), f"link name must be a non-empty string, got {_show(name)}")
            ok = False
            continue
        if (len(name) > entry.short or not (entry.clean or name.isprintable())) and _bad_text(
            entry, where + (name,), name, "field_length"
        ):
            ok = False
            continue
        url = _url(entry, where + (name,), value)
        if url is _INVALID:
            ok = False
        else:
            links.append((name.strip(), url))
    return tuple(links) if ok else _INVALID


def _upvotes(entry: Entry, where: KeyPath, raw: Any) -> Any:
    if isinstance(raw, bool) or not isinstance(raw, int):
        entry.report(where, f"expected a whole number, got {_show(raw)}")
        return _INVALID
    if raw < 0:
        entry.report(where, f"must not be negative, got {raw}")
        return _INVALID
    return raw


def _extra(entry: Entry, where: KeyPath, raw: Any) -> Any:
    if not isinstance(raw, dict):
        entry.report(where, f"expected a mapping, got {_show(raw)}")
        return _INVALID
    found = nested_problem(raw, entry.limits, entry.clean)
    if found is not None:
        entry.report(where + found[0], found[1])
        return _INVALID
    return raw


def _pinned(entry: Entry, where: KeyPath, raw: Any) -> Any:
    names = _strings(entry, where, raw, "field names")
    for index, name in enumerate(names or ()):
        if name not in _FIELDS or name in ("id", "pinned"):
            hint = _suggest(name) if name not in _FIELDS else ""
            entry.report(where + (index,), f"cannot pin {name!r}{hint}")
    # Only `sitegen import` reads pinned (from the file itself); the site has no use for it.
    return _INVALID


_Checker = Callable[[Entry, KeyPath, Any], Any]
_FIELDS: dict[str, _Checker] = {
    "id": _id,
    "title": _title,
    "date": _date,
    "authors": _authors,
    "abstract": _long_text,
    "tags": _tags,
    "links": _links,
    "upvotes": _upvotes,
    "published": _date,
    "updated": _date,
    "venue": _text,
    "thumbnail": _image_url,
    "note": _long_text,
    "citation_key": _citation_key,
    "extra": _extra,
    "pinned": _pinned,
}
_AUTHOR_FIELDS: dict[str, _Checker] = {"name": _name, "affiliation": _text, "url": _url}
_REQUIRED = ("id", "title", "date")
