"""The plain-text digest's own wrapping is textwrap's, whatever the text."""

import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.digest import WIDTH, wrap


def _textwrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent)


_WORDS = st.text(alphabet="abcXY.,\u00e9-", min_size=0, max_size=14)
_SPACES = st.sampled_from(
    [" ", "  ", " " * 9, "\n", "\r\n", "\t", "\x0b", "\u00a0", "\u2003", "\x1c", "\x85", "-", "--", " - "]
)


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.one_of(_WORDS, _SPACES), max_size=40), st.sampled_from(["", "   ", "    ", " " * 71]))
def test_wrap_is_textwrap_for_any_text(pieces, indent):
    # Words and spaces of every kind, hyphens, words longer than a line (14 x a few), blank texts.
    text = "".join(pieces)
    assert wrap(text, indent) == _textwrap(text, indent)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "x" * 69,
        "x" * 70,
        " " * 69 + "y",
        "   lead " + "word " * 30,
        "word " * 30 + "   ",
        ("a" * 68 + " ") * 3,
        "one\ntwo\r\nthree four " * 8,
        "state-of-the-art large-scale models -- and pre-trained ones - with x-ray " * 3,
        "a-b " * 40,
        "Papers listed on Tuesday 3 March 2026 on A site with a \u00a0 no-break space " * 2,
    ],
)
@pytest.mark.parametrize("indent", ["", "   "])
def test_wrap_is_textwrap_at_the_edges(text, indent):
    assert wrap(text, indent) == _textwrap(text, indent)


@settings(max_examples=3000, deadline=None)
@given(
    st.lists(st.text(alphabet="abc-", min_size=1, max_size=16), min_size=1, max_size=30).map(" ".join),
    st.sampled_from(["", "   ", " " * 60]),
)
def test_wrap_is_textwrap_for_words_with_hyphens_between_single_spaces(text, indent):
    # The fast path's own case: any line may end where a hyphenated word would break.
    assert wrap(text, indent) == _textwrap(text, indent)
