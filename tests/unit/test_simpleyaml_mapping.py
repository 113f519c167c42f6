"""yamlmap reads a top-level mapping exactly as libyaml + PyYAML do, or hands it back (None).

simpleyaml.load tries yamlmap first on any file that starts with a key; what it reads
must equal libyaml's result, and what it cannot read exactly it must refuse, never guess.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen import simpleyaml, yamlmap
from tests.sitekit import bench_module
from tests.unit.test_simpleyaml import _document, _mutate, reference, typed

# Characters that mean something to YAML, or to a reader that splits lines and strips spaces.
NASTY = list("ab '\"#:-,[]{}&*!|>%@`?~.\\=<0123456789yYnNtT\n\t\r") + [
    "\x00", "\x07", "\x1b", "\x7f", "\x85", "\xa0", "\u2028", "\u2029", "\ufeff", "\u3000",
    "é", "ü", "字", "😀",
]  # fmt: skip
SPECIAL = [
    "", " ", "  ", "~", "null", "Null", "yes", "No", "on", "off", "true", "y", "n", "7", "-3", "0x1F", "017",
    "1_000", "1e3", "1.5", ".inf", "-.Inf", ".nan", "1:30", "190:20:30", "2025-03-14", "2025-02-30",
    "2025-03-14 10:00:00", "2025-03-14t10:00:00.5Z", "=", "<<", "-", "- x", "? x", ": x", "a: b", "a #b",
    "a#b", "end:", "'q'", '"q"', "it's", "#", "&a", "*a", "!x", "%x", "@x", "`x", "|", ">", "[x]", "{x}",
    "---", "...", "--- x", "a\n---\nb", "a\n...\nb", "\n", "\n\n", " lead", "trail ", "a  b", "a\n\n\nb",
]  # fmt: skip
WORDS = [
    "word",
    "it's",
    "a:",
    "a: b",
    "#x",
    "a #x",
    "-",
    "- x",
    "'",
    "''",
    '"',
    "x'",
    "[y]",
    "2025-03-14",
    "7",
]

_nasty = st.text(st.sampled_from(NASTY), max_size=60)
_wrapping = st.lists(st.sampled_from(WORDS + ["\n", "\n\n", "  ", "longer-words-here"]), max_size=60).map(
    " ".join
)
# Printable only (most documents of these are read here, not handed back).
_mild = st.text(st.sampled_from(list("ab '\"#:-,[]{}&*!|>%@`?~.=0123456789yYnN\né字")), max_size=60)
_text = st.one_of(_nasty, _mild, _mild, _wrapping, st.sampled_from(SPECIAL))
_scalar = st.one_of(
    _text,
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
    st.dates(min_value=date(1, 1, 1)),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    st.datetimes(min_value=datetime(1970, 1, 2), timezones=st.just(timezone(timedelta(hours=2)))),
)
_key = st.one_of(
    st.sampled_from(
        ["abstract", "authors", "id", "links", "title", "a b", "k.v", "x-y", "_", "Key", "é", "yes", "1"]
    ),
    st.text(st.sampled_from("ab1_ .-:#'\"?"), min_size=1, max_size=6),
)
_value = st.one_of(
    _scalar,
    st.lists(_scalar, max_size=4),
    st.dictionaries(_key, st.one_of(_scalar, st.lists(_scalar, max_size=3)), max_size=4),
)
_paper = st.dictionaries(_key, _value, min_size=1, max_size=8)


def agrees(text: str) -> bool:
    """Assert that what yamlmap and simpleyaml read equals libyaml's; True if yamlmap read it."""
    mapping = yamlmap.read(text)
    simple, data, items = simpleyaml.load(text)
    if simple:
        ok, expected = reference(text)
        assert ok, f"accepted a document libyaml rejects:\n{text!r}"
        assert typed(data) == typed(expected), f"read differently:\n{text!r}"
    if mapping is None:
        return False
    # What yamlmap reads, load() returns unless a character is not printable (then libyaml's).
    assert simple == simpleyaml.printable(text), text
    if simple:
        assert items is None and typed(mapping) == typed(data)
    return True


@settings(max_examples=1500, deadline=None)
@given(_paper, st.integers(8, 120), st.booleans(), st.sampled_from([2, 3, 4]), st.booleans())
def test_what_safe_dump_writes_reads_as_libyaml_reads_it(paper, width, unicode, indent, sort):
    """yaml.safe_dump's output at any width, indentation, key order: read here exactly as libyaml
    reads it, or handed back."""
    text = yaml.safe_dump(paper, width=width, allow_unicode=unicode, indent=indent, sort_keys=sort)
    agrees(text)


@settings(max_examples=800, deadline=None)
@given(_paper, st.integers(20, 90), st.randoms(use_true_random=False))
def test_safe_dumps_text_mutated_is_read_as_libyaml_reads_it_or_handed_back(paper, width, rng):
    """A character inserted or removed, a line doubled: never read differently from libyaml."""
    text = yaml.safe_dump(paper, width=width, allow_unicode=True)
    for _ in range(4):
        text = _mutate(rng, text)
        agrees(text)


def test_generated_and_mutated_documents_read_as_libyaml_reads_them(seed=20261206, documents=4000):
    """test_simpleyaml's generator (wrapped, literal, flow, nested, commented) at column 0."""
    rng = random.Random(seed)
    read_here = 0
    for _ in range(documents):
        text = _document(rng)
        read_here += agrees(text)
        agrees(_mutate(rng, text))
    assert read_here > documents // 40, read_here  # it reads its share of them, not nothing


PAPER = {
    "abstract": "Reward models have become a central tool for forecasting, yet their behaviour under"
    " distribution shift remains poorly understood. It's the model's view: a 'quote' and # hash.\n\n"
    "Second paragraph with   three spaces and a trailing one " * 3,
    "authors": ["Ivan W. Navarro", "Null", "2025-03-14", "Ada: Lovelace", "'quoted'"],
    "date": date(2019, 3, 27),
    "id": "1903.13606",
    "links": {"arxiv": "https://arxiv.org/abs/1903.13606", "code": "https://github.com/klein/milo"},
    "tags": ["speech", "meta-learning", "yes"],
    "title": "Milo: Parameter-Efficient Reward Models",
    "upvotes": 3,
    "empty": [],
    "nothing": None,
    "blank": "",
    "map": {},
}


@pytest.mark.parametrize("width", [20, 40, 80, 1000])
def test_a_paper_as_safe_dump_writes_it_is_read_by_yamlmap(width):
    text = yaml.safe_dump(PAPER, width=width, allow_unicode=True)
    assert agrees(text), "yaml.safe_dump's style of a paper fell back to the line reader"
    assert yamlmap.read(text) == yaml.load(text, Loader=yaml.CSafeLoader)


def test_the_bench_papers_in_both_styles_are_read_by_yamlmap():
    layouts, corpus = bench_module("layouts"), bench_module("corpus")
    for batch in corpus.papers(30, seed=5):
        for paper in batch:
            assert agrees(layouts.sitegen_style_paper(paper))
            assert agrees(layouts._safe_dump(layouts._entry(paper)))


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\n# a comment\nb: 2\n",  # a comment at column 0
        "a: 1  # a comment\n",  # after a value
        "a: &x 1\nb: *x\n",  # anchors and aliases
        "a: !!str 1\n",
        'a: "x\\ty"\n',  # escapes
        'a: "wrapped\n  over lines"\n',
        "a: >\n  folded\n",
        "a: |+\n  kept\n\n",
        "a: |2\n   x\n",
        "a: {b: 1}\n",
        "a:\n- b: 1\n  c: 2\n",  # a mapping in a sequence
        "a:\n- - x\n",
        "a:\n-\n- x\n",  # an empty item
        "a: 1\na: 2\n",  # a duplicate
        "yes: 1\n",  # a key that is not a string
        "a : 1\n",
        "a:b\n",
        "a: 1\n---\nb: 2\n",
        "a: 1\n...\n",
        "a: 'x\n---\n  y'\n",
        "a: x\n  ---\n",
        "a:\n---\n",
        "a:\n- x\n---\n",
        "a:\n  b: 1\n---\n",
        "a: 'x\n'\n",  # a closing quote at column 0
        "a: 'x'\n  y\n",  # more after a closed quote
        "a: 'x'' y\n",  # never closed
        "a:\n  b: 1\n c: 2\n",  # less indented
        "a:\n    b: 1\n  c: 2\n",
        "a:\n  b: 1\n\n  c: 2\n",  # a blank line in a nested mapping: handed back
        "a: x\n\n  # c\n",
        "a: 1",  # no final line break
        "a\nbstract: null\n",  # a line with no colon, whose text is a key read before
        "a: 1\na\n",
        "a: x\x00y\n",
        "a: x\ty\n",
        "a: x\r\nb: y\r\n",
    ],
)
def test_what_yamlmap_leaves_is_left_or_read_as_libyaml_reads_it(text):
    agrees(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\n---\nb: 2\n",
        "a: 1\n...\n",
        "a:\n- x\n---\n",
        "a:\n- x\n- y\n...\n",
        "a: 'x\n---\n  y'\n",
        "a: x\n---\n",
        "a:\n  b: 1\n---\n",
        "a: |\n  x\n---\n",
        "%YAML 1.1\n---\na: 1\n",
        "---\na: 1\n",
        "a: &id001 2019-04-03\nb: *id001\n",
    ],
)
def test_a_document_marker_or_an_anchor_is_never_read_by_yamlmap(text):
    """simpleyaml.load does not look for markers or safe_dump's anchors in what yamlmap
    reads: yamlmap refuses every line that could be one."""
    assert yamlmap.read(text) is None


@settings(max_examples=500, deadline=None)
@given(_paper, st.sampled_from(["---", "...", "--- x", "... # c", "%YAML 1.1"]), st.integers(0, 10**6))
def test_a_marker_line_anywhere_sends_the_document_back(paper, marker, where):
    lines = yaml.safe_dump(paper, allow_unicode=True).split("\n")
    at = where % len(lines)
    text = "\n".join([*lines[:at], marker, *lines[at:]])
    assert yamlmap.read(text) is None


def test_blank_lines_and_spaces_around_values_are_read_as_libyaml_reads_them():
    for text in (
        "a:   x  \nb: 'y'   \n\n\nc:\n- z  \n-   w\n\nd:\n  e: 1\n",
        "a: |\n  x\n\n  y\n\n\nb: |-\n  z\n\n",
        "a: plain\n  wrapped\n\n  twice\n\n\nb: 1\n",
        "a: 'quoted\n\n  \n  lines '\nb: ''\n",
    ):
        assert agrees(text), text


def test_a_line_without_a_colon_is_no_entry_even_when_its_text_is_a_known_key():
    """Keys read before are remembered (yamlmap.KEYS); a line that is one of them but has
    no colon is still no key (found by the mutation test above)."""
    assert yamlmap.read("a: 1\nabstract: x\n") == {"a": 1, "abstract": "x"}
    for text in ("a\nbstract: null\n", "abstract: x\na\n", "a: 1\nabstract\n"):
        assert yamlmap.read(text) is None
        assert agrees(text) is False
