"""citation.ris written line by line, and a name's RIS form split once when it has
no comma and ends in a family name: the same text as the (tag, value) rule it
replaces, kept here as the reference, for any citation. pages/cite.py hands it
markup's plain text of the abstract, single-spaced already, to write as it is
(``spaced``): for any abstract, with either Markdown engine, that is the text
the rule writes."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen import citation
from sitegen.citation import Citation, _given_names, _one_spaced, _ris_name, _ris_type, family_name, ris
from sitegen.markdown_settings import PYTHON_MARKDOWN, MarkdownSettings
from sitegen.markup import plain_text, render_with_text


def _reference_name(name: str) -> str:
    family = family_name(name)
    given = _given_names(name, family)
    return f"{family}, {given}" if given else family


def _reference(citation: Citation, abstract: str) -> str:
    moment = citation.moment
    lines = [("TY", _ris_type(citation)), ("ID", citation.key), ("TI", citation.title)]
    lines += [("AU", _reference_name(name)) for name in citation.authors]
    lines += [("PY", f"{moment.year:04d}"), ("DA", f"{moment.year:04d}/{moment.month:02d}/{moment.day:02d}/")]
    if citation.venue:
        lines.append(("T2", citation.venue))
    text = "".join(f"{tag}  - {' '.join(value.split())}\r\n" for tag, value in lines)
    if abstract:
        text += f"AB  - {_one_spaced(abstract)}\r\n"
    lines = [("KW", tag) for tag in citation.tags]
    if citation.doi:
        lines.append(("DO", citation.doi))
    lines.append(("UR", citation.url))
    text += "".join(f"{tag}  - {' '.join(value.split())}\r\n" for tag, value in lines)
    return text + "ER  - \r\n"


# Words of names: ordinary ones, generations in any case and with a dot, a comma,
# and every kind of space str.split knows.
_WORDS = st.sampled_from(
    ["Noah", "D.", "Goodman", "King", "Jr.", "jr", "III", "ii", "Sr", "van", "Ada", ",", "é"]
)
_SPACES = st.sampled_from([" ", "  ", "\t", "\n", "\u00a0", "\u2003", "\r\n", ""])
_NAMES = st.one_of(
    st.lists(st.tuples(_WORDS, _SPACES), max_size=5).map(lambda parts: "".join(w + s for w, s in parts)),
    st.text(max_size=12),
)
_TEXTS = st.one_of(st.text(max_size=20), _NAMES)
_OPTIONAL = st.one_of(st.none(), _TEXTS)


@st.composite
def _citations(draw) -> Citation:
    return Citation(
        key=draw(_TEXTS),
        title=draw(_TEXTS),
        authors=tuple(draw(st.lists(_NAMES, max_size=5))),
        moment=datetime(2025, 3, 14, tzinfo=timezone.utc) - timedelta(days=draw(st.integers(0, 700_000))),
        venue=draw(_OPTIONAL),
        journal=draw(st.booleans()),
        arxiv_id=draw(_OPTIONAL),
        primary_class=draw(_OPTIONAL),
        doi=draw(_OPTIONAL),
        url=draw(_TEXTS),
        tags=tuple(draw(st.lists(_TEXTS, max_size=3))),
    )


@settings(max_examples=500, deadline=None)
@given(_citations(), st.one_of(_TEXTS, st.text(max_size=200)))
def test_ris_is_the_tag_value_rule_for_any_citation(citation, abstract):
    assert ris(citation, abstract) == _reference(citation, abstract)
    one_line = " ".join(abstract.split())
    assert ris(citation, one_line, spaced=True) == _reference(citation, one_line)


# Abstracts: Markdown-ish pieces and every kind of space str.split knows.
_PIECES = ["word", "é", "$x^2$", "*em*", "`code`", "- item", "1. one", "> quote", "[a](https://e.org)"]
_PIECES += [
    "<b>b</b>",
    "&amp;",
    "\\",
    "  ",
    "\n",
    "\n\n",
    "\t",
    "\r\n",
    "\u00a0",
    "\u2028",
    "\u3000",
    "\x1f",
    " ",
]
_ABSTRACTS = st.one_of(st.lists(st.sampled_from(_PIECES), max_size=20).map("".join), st.text(max_size=60))
_ENGINES = [MarkdownSettings(), MarkdownSettings(engine=PYTHON_MARKDOWN)]


@settings(max_examples=400, deadline=None)
@given(_ABSTRACTS, st.sampled_from(_ENGINES))
def test_the_abstract_text_cite_ris_writes_as_it_is_is_single_spaced(abstract, markdown):
    # Both ways pages/cite.py gets it: with the view (Renderer.prepare_views) or on its own.
    for text in (render_with_text(abstract, 300, markdown)[2], plain_text(abstract, None, markdown)):
        assert text == " ".join(text.split())


@settings(max_examples=1000, deadline=None)
@given(_NAMES)
def test_a_names_ris_form_is_family_and_given_names_single_spaced(name):
    assert _ris_name(name) == " ".join(_reference_name(name).split())


def test_names_with_a_generation_a_comma_or_one_word():
    assert _ris_name("Noah D. Goodman") == "Goodman, Noah D."
    assert _ris_name("Martin Luther King Jr.") == "King, Martin Luther Jr."
    assert _ris_name("Goodman,  Noah   D.") == "Goodman, Noah D."
    assert _ris_name("Plato") == "Plato"


def test_a_value_is_single_spaced_exactly_when_split_and_joined_it_is_the_same():
    """citation._single_spaced's reason, on every character: each one str.split
    splits at, but the space, is one isprintable refuses."""
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if char != " " and f"a{char}b".split() != [f"a{char}b"]:
            assert not char.isprintable(), hex(code)


@settings(max_examples=300)
@given(st.lists(st.lists(_WORDS, max_size=4).map(" ".join) | _NAMES, max_size=6).map(tuple))
def test_authors_single_spaced_as_citations_hold_them_are_the_ris_names_of_each(names):
    """The AU lines of names made single-spaced (make_citation's) or not: each
    name's _ris_name, whether the names go the rpartition way or not."""
    single = tuple(" ".join(name.split()) for name in names)
    for authors in (names, single):
        assert citation._ris_authors(authors) == [f"AU  - {citation._ris_name(n)}\r\n" for n in authors]
        joined = " ".join(authors)
        if citation._single_spaced(joined):  # what it says holds (it may say no of a value that is)
            assert joined == " ".join(joined.split())
