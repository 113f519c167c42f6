"""markup._single_spaced (every summary, whole text and title of a view) is
``" ".join(text.split())`` without making a string of every word."""

from __future__ import annotations

import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen import markup

_SPACES = [c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()]
_PIECES = [*_SPACES, " ", "  ", "a", "bc", "é", "—", "\U0001f600"]
_TEXT = st.lists(st.sampled_from(_PIECES), max_size=40).map("".join)


def test_every_character_str_split_splits_at_sends_the_text_to_split():
    # The fast path takes only " " and "\n" as whitespace; any other must be looked for.
    assert sorted(set(_SPACES) - set(markup._OTHER_SPACES)) == ["\n", " "]


@settings(max_examples=2000, deadline=None)
@given(_TEXT)
def test_single_spaced_is_split_and_join_for_any_text(text):
    assert markup._single_spaced(text) == " ".join(text.split())


@given(st.integers(2, 300), st.integers(0, 300), st.booleans())
def test_a_run_of_any_length_of_spaces_and_newlines_is_one_space(before, after, wide):
    word = "é" if wide else "w"
    text = f"{word}{' ' * before}\n{' ' * after}{word} {word}  "
    assert markup._single_spaced(text) == f"{word} {word} {word}"


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(st.sampled_from([*_PIECES, "*x*", "`c`", "``q''", "$x$", "\\", "<em>", '"']), max_size=30).map(
        "".join
    )
)
def test_a_titles_plain_text_is_single_spaced(title):
    """render_title takes a plain-prose title's text as it is (already split and
    joined), and single-spaces the parser's; either way, one space between words."""
    plain = markup.render_title(title)[1]
    assert plain == " ".join(plain.split())
