"""What the entries of one file share, and the usual case of an entry's lists and links,
told at once (entries.py checks the rest).

A paper's authors, tags and links are a few short strings each; checked one at a time
they cost ~4.5k instructions an author (a call, a tuple for its place, a split and a
join). Here the list is joined once and looked at in C: if every item is what the
item-by-item checks would take unchanged, they are taken as they are, and anything
else (a problem to report, a name to tidy) goes item by item as before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .config import Config
from .documents import Document
from .errors import Problem
from .model import Author, Paper, flat_author, flat_entry


class File:
    """What every entry of one file shares."""

    __slots__ = ("path", "doc", "source", "paper", "author", "authors", "tz", "limits", "problems", "short")

    def __init__(
        self, path: Path, doc: Document, config: Config, problems: list[Problem], flat: bool = False
    ) -> None:
        self.path = path  # on disk
        self.doc = doc
        # flat: each paper as it pickles (model.Flat), made without the Paper, its
        # Authors or its source's Path (a fork's papers are only pickled).
        self.source = doc.path if flat else Path(doc.path)  # as shown to the user
        # (checked values, day, source, digest) -> the paper; a name -> an author; names -> authors
        self.paper, self.author = (flat_entry, flat_author) if flat else (made_paper, Author)
        self.authors = flat_authors if flat else made_authors
        self.tz = config.timezone
        self.limits = config.limits
        self.problems = problems
        # A string no longer than this, in a clean file (or printable), needs no
        # closer look: a comparison or two a string, and sites hold millions.
        lengths = config.limits
        self.short = min(lengths.name_length, lengths.field_length, lengths.text_length)


def as_written(clean: bool, short: int, raw: Any) -> bool:
    """Whether ``raw`` is a list of strings of a clean file (Document.clean) each of which
    entries._author and entries._strings take as it is: printable, at most ``short``
    characters, not empty, no space at either end nor two together (str.split's other
    whitespace is not printable, nor are the characters a clean file may still hold)."""
    if not clean or type(raw) is not list or not raw:
        return False
    try:
        joined = "|".join(raw)  # a "|" in a name only makes the checks below stricter
    except TypeError:
        return False  # not all strings
    return (
        (len(joined) <= short or max(map(len, raw)) <= short)
        and joined.isprintable() and joined[:1] not in " |" and joined[-1:] not in " |"
        and "  " not in joined and " |" not in joined and "| " not in joined and "||" not in joined
    )  # fmt: skip


_WEB = ("https://", "http://")


def web_links(raw: dict, short: int) -> tuple | None:
    """The links of ``raw`` (name: URL, of a clean file) if each name and URL is a string of
    at most ``short`` characters and each URL one urls.check_url passes at once (http(s),
    printable, no space at its end): as entries._links makes them. Else None."""
    links = []
    for name, url in raw.items():
        if not (
            type(name) is str and type(url) is str and len(name) <= short and len(url) <= short
            and url.startswith(_WEB) and url.isprintable() and url[-1] != " "
        ):  # fmt: skip
            return None
        name = name.strip()
        if not name:
            return None
        links.append((name, url))  # nothing for _url's strip to drop at either end
    return tuple(links)


def flat_authors(names: list[str]) -> tuple:
    """model.flat_author(name) of each name."""
    return tuple([(name, None, None) for name in names])


def made_authors(names: list[str]) -> tuple:
    return tuple(map(Author, names))


def made_paper(values: dict[str, Any], day: Any, source: Any, digest: str) -> Paper:
    """The Paper of an entry's checked values (model.flat_entry's, made)."""
    return Paper(day=day, source=source, digest=digest, **values)
