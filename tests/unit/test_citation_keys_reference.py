"""citation.assign_keys against the rule as it was first written (kept here as
the reference): the same key for every paper, on inputs made to collide."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.citation import _STOP_WORDS, _fold, assign_keys, base_key, cited_moment, family_name, key_word
from sitegen.model import Author, Paper

# The reference: citation.py's key rule before issue 18 made it cheaper.
_MATH = re.compile(r"\$\$.+?\$\$|\$[^$]+\$|\\\(.+?\\\)", re.S)
_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_APOSTROPHES = re.compile(r"['’]")
_WORD = re.compile(r"[A-Za-z0-9]+")
_LETTER = re.compile(r"[a-z]")


def reference_key_word(title: str) -> str:
    text = _APOSTROPHES.sub("", _LINK_TARGET.sub("]", _MATH.sub(" ", title)))
    for word in _WORD.findall(_fold(text)):
        word = word.lower()
        if word not in _STOP_WORDS and _LETTER.search(word):
            return word
    return ""


def reference_base_key(paper: Paper) -> str:
    name = "".join(_WORD.findall(_fold(family_name(paper.authors[0].name)))).lower() if paper.authors else ""
    return f"{name or 'anon'}{cited_moment(paper).year:04d}{reference_key_word(paper.title)}"


def _suffix(n: int) -> str:
    out = ""
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(ord("a") + rest) + out
    return out


def reference_assign_keys(papers: list[Paper]) -> dict[str, str]:
    keys: dict[str, str] = {}
    groups: dict[str, list[Paper]] = {}
    for paper in papers:
        if paper.citation_key:
            keys[paper.id] = paper.citation_key
        else:
            groups.setdefault(reference_base_key(paper), []).append(paper)
    taken = {key.casefold() for key in keys.values()}
    for base in sorted(groups):
        members = sorted(groups[base], key=lambda p: (p.date, p.id))
        n = 0
        for paper in members:
            while (key := base + _suffix(n)) in taken or (n and key in groups):
                n += 1
            taken.add(key)
            keys[paper.id] = key
            n += 1
    return keys


# Few words and names, so that most papers share a base key; words that are
# another's key word plus a letter or two ('deepa', 'dee' + 'pa'), stop words,
# numbers, math, links, apostrophes and letters beyond ASCII.
WORDS = ["deep", "deepa", "deepb", "dee", "pa", "the", "of", "2024", "x1", "Über", "straße", "Œuvre",
         "$x^2$", "$$y$$", "\\(z\\)", "[deep](http://a.b/deepa)",
         "[of](deepa.org)", "deea", "it's", "don’t", "ł", "l'œil", "-", "ßa"]  # fmt: skip
NAMES = ["Eric Zelikman", "Zelikman, E.", "Martin King Jr.", "King", "Łukasz Kaiser", "Ørsted", "O'Brien",
         "van der Berg", "Smith-Jones", "李 小龙", "", "  ", "Jr.", "A 2",
         "Müller, Jörg", "Deep Pa"]  # fmt: skip
FIXED = [""] * 12 + ["zelikman2024deep", "Zelikman2024Deep", "zelikman2024deepa", "anon2024", "king2025dee"]
START = datetime(2024, 12, 31, 23, tzinfo=timezone.utc)

titles = st.lists(st.sampled_from(WORDS), min_size=0, max_size=4).map(" ".join)
papers = st.lists(
    st.tuples(
        titles,
        st.lists(st.sampled_from(NAMES), max_size=2),
        st.integers(0, 3),  # hours after START: two years, and papers listed at one moment
        st.sampled_from(FIXED),
        st.booleans(),  # published a year before it was listed
    ),
    max_size=120,
).map(
    lambda rows: [
        Paper(
            id=f"p{i:03d}",
            title=title,
            date=START + timedelta(hours=hours),
            day=(START + timedelta(hours=hours)).date(),
            authors=tuple(map(Author, names)),
            citation_key=fixed or None,
            published=START - timedelta(days=365) if published else None,
        )
        for i, (title, names, hours, fixed, published) in enumerate(rows)
    ]
)


@settings(max_examples=400, deadline=None)
@given(papers, st.randoms(use_true_random=False))
def test_keys_are_the_reference_keys_on_colliding_papers(papers: list[Paper], rnd) -> None:
    assert [base_key(p) for p in papers] == [reference_base_key(p) for p in papers]
    expected = reference_assign_keys(papers)
    rnd.shuffle(papers)
    assert assign_keys(papers) == expected


@settings(max_examples=400, deadline=None)
@given(st.one_of(titles, st.text()))
def test_key_word_is_the_reference_key_word_for_any_title(title: str) -> None:
    assert key_word(title) == reference_key_word(title)


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_base_key_is_the_reference_for_any_first_author(name: str) -> None:
    paper = Paper(id="p", title="t", date=START, day=START.date(), authors=(Author(name),))
    assert base_key(paper) == reference_base_key(paper)


def test_groups_are_walked_in_key_order_where_their_suffixed_keys_meet() -> None:
    """30 papers on 'dee' (dee, deeb, ..., deez, deeaa, deeab, ...) and 3 on
    'deea' (deea, deeaa, deeab) want the same keys: the group first in key
    order has them, whichever paper comes first."""
    rows = [("deea", i) for i in range(3)] + [("dee", i) for i in range(30)]
    papers = [
        Paper(
            id=f"{w}{i:02d}",
            title=w,
            date=START + timedelta(minutes=i),
            day=START.date(),
            authors=(Author("Eric Zelikman"),),
        )
        for w, i in rows
    ]
    alone = [
        set(reference_assign_keys([p for p in papers if p.title == w]).values()) for w in ("dee", "deea")
    ]
    assert alone[0] & alone[1], "the two groups want some key both"
    expected = reference_assign_keys(papers)
    assert assign_keys(papers) == expected
    assert assign_keys(papers[::-1]) == expected
