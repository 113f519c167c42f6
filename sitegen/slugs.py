"""Names of tags and authors -> slugs, the folder names of their pages.

``slugify`` gives one name's slug. A name the old rule wrote in full (ASCII,
or letters that are ASCII once their accents are dropped: "Émile") keeps the
slug it always had, so published URLs stay. A name the old rule lost letters
of ("Łukasz" was "ukasz", "李明" a hash) is transliterated by python-slugify
with text-unidecode ("lukasz", "li-ming").

``assign_slugs`` gives every name of a site its slug, never putting two names
on one page by accident: spellings that differ only in letter case are one
name (advice.py warns about them); other names that share a slug are kept
apart, the first listed keeping the slug and each later one getting
``slug--2``, ``slug--3``, ... (no slug of a name holds "--", so these are
never some other name's). The rule is documented in docs/content.md.
"""

from __future__ import annotations

import functools
import hashlib
import operator
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import chain

from .model import Paper

_NON_WORD = re.compile(r"[^a-z0-9]+")
# A transliterated name can grow (a CJK character becomes a syllable and a
# hyphen): a longer slug is cut, and a hash of the name keeps it apart.
MAX_SLUG = 200


@functools.lru_cache(maxsize=1 << 16)
def slugify(text: str) -> str:
    """'Speculative Decoding' -> 'speculative-decoding'; never empty, never holds '--'.

    Cached: python-slugify costs ~10-30 µs a name (its regexes and NFKD), and
    a preview server rebuilds with the same names again and again."""
    if text.isascii():
        return _old_rule(text, text)
    decomposed = unicodedata.normalize("NFKD", text)
    if any(char.isalnum() and not char.isascii() for char in decomposed):
        return _transliterated(text)
    # Only accents and symbols were dropped: the slug the old rule gave, unchanged.
    return _old_rule(decomposed.encode("ascii", "ignore").decode(), text)


def _old_rule(ascii_text: str, name: str) -> str:
    """The slug every ASCII name has always had (its published URL)."""
    return _NON_WORD.sub("-", ascii_text.lower()).strip("-") or _hashed(name)


def _transliterated(text: str) -> str:
    # Imported on first use: most sites never need it, and every command would pay ~4 ms.
    from slugify import slugify as library_slugify

    # The backend is named: "auto" would prefer Unidecode when it happens to be
    # installed, and the two spell some characters differently.
    slug = library_slugify(text, backend="text-unidecode")
    if len(slug) > MAX_SLUG:  # cut after a whole word, and keep the name apart by its hash
        cut = slug[: MAX_SLUG - 12]
        cut = cut[: cut.rfind("-")] if "-" in cut[1:] else cut[: MAX_SLUG - 13]
        slug = cut + "-" + _hashed(text)[2:]
    return slug or _hashed(text)


def _hashed(text: str) -> str:
    # A name with nothing to transliterate (only symbols or emoji) still needs a stable, safe slug.
    return "u-" + hashlib.sha1(text.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Clash:
    """Names that would share a slug, first listed first, each with its slug
    and the paper that lists it first (for the warning that names both places)."""

    slug: str
    names: tuple[tuple[str, str, Paper], ...]  # (spelling, slug given, first paper)


@dataclass(frozen=True)
class Slugs:
    of: dict[str, str]  # each spelling -> the slug of its page
    clashes: tuple[Clash, ...]


def assign_slugs(papers: Sequence[Paper], kind: str) -> Slugs:
    """The slug of every name of ``kind`` ("tags" or "authors") in ``papers``.

    The names are gathered in C (chain, map, dict.fromkeys: ~30 ms for 450k
    bylines, where a Python loop took ~250 ms), then one slugify per name;
    papers are sorted by listing only when two names share a slug, which is rare."""
    names_of = _NAMES_OF[kind]
    if kind == "authors":
        spellings = map(_name, chain.from_iterable(map(_authors, papers)))
    else:
        spellings = chain.from_iterable(map(_tags, papers))
    keys = {spelling: spelling.casefold() for spelling in dict.fromkeys(spellings)}  # spelling -> name
    slug_of: dict[str, str] = {}  # name -> slug
    holders: dict[str, list[str]] = {}  # slug -> names
    for name in keys.values():
        if name not in slug_of:
            slug = slug_of[name] = slugify(name)
            holders.setdefault(slug, []).append(name)
    shared = {slug: names for slug, names in holders.items() if len(names) > 1}
    clashes = _kept_apart(shared, slug_of, papers, names_of) if shared else ()
    return Slugs({spelling: slug_of[name] for spelling, name in keys.items()}, clashes)


_name = operator.attrgetter("name")
_authors = operator.attrgetter("authors")
_tags = operator.attrgetter("tags")
_NAMES_OF: dict[str, Callable[[Paper], Iterable[str]]] = {
    "tags": _tags,
    "authors": lambda paper: map(_name, paper.authors),
}


def _kept_apart(
    shared: dict[str, list[str]],
    slug_of: dict[str, str],
    papers: Sequence[Paper],
    names_of: Callable[[Paper], Iterable[str]],
) -> tuple[Clash, ...]:
    """Gives each later name of a shared slug its numbered slug, in ``slug_of``.

    First listed means the earliest listing date, then the smallest paper id,
    then the order the paper gives its names in: a site that grows by newer
    papers never moves a name that has its page already."""
    wanted = {name for names in shared.values() for name in names}
    first: dict[str, tuple[int, str, Paper]] = {}  # name -> (rank, spelling, paper)
    for paper in sorted(papers, key=lambda p: (p.date, p.id)):
        for spelling in names_of(paper):
            name = spelling.casefold()
            if name in wanted and name not in first:
                first[name] = (len(first), spelling, paper)
    clashes = []
    for slug, names in sorted(shared.items()):
        names = sorted(names, key=lambda name: first[name][0])
        for number, name in enumerate(names[1:], 2):
            slug_of[name] = f"{slug}--{number}"
        clashes.append(Clash(slug, tuple((first[n][1], slug_of[n], first[n][2]) for n in names)))
    return tuple(clashes)
