"""Text cleaning shared by the importers: what ends up in a title or an abstract."""

from __future__ import annotations

import pytest

from sitegen.importers.text import clean_line, clean_text, unwrap


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  Attention Is\n  All You Need ", "Attention Is All You Need"),
        ("tab\tand\r\nCRLF", "tab and CRLF"),
        ("non\u00a0breaking\u3000spaces", "non breaking spaces"),
        ("bell\x07 and escape\x1b[0m", "bell and escape[0m"),
        ("C1\x9b controls\x80", "C1 controls"),
        ("unit\x1fseparator", "unitseparator"),
        ("nonchar\ufffe\uffff\ufdd0\U0001fffeacters", "noncharacters"),
        ("lone\ud800 surrogate", "lone surrogate"),
        ("", ""),
        (" \n\t ", ""),
    ],
)
def test_clean_line(raw: str, clean: str) -> None:
    assert clean_line(raw) == clean


def test_clean_text_is_clean_line() -> None:
    assert clean_text("a \n b\x00") == "a b"


def test_unwrap_joins_hard_wrapped_lines_and_keeps_paragraphs() -> None:
    raw = "  We study the problem of\nlearning to reason.\n\n   \t\n\nResults: a 12%\r\ngain.\n"
    assert unwrap(raw) == "We study the problem of learning to reason.\n\nResults: a 12% gain."


def test_unwrap_removes_control_characters_but_not_paragraph_breaks() -> None:
    assert unwrap("one\x00\x0b two\u2028three\n\n\x0cfour\ufffe") == "one two three\n\nfour"


def test_unwrap_keeps_hyphens_at_line_ends() -> None:
    # "self-\nsupervised" must not become "selfsupervised": guessing is worse than a space.
    assert unwrap("self-\nsupervised") == "self- supervised"


def test_unwrap_of_blank_text_is_empty() -> None:
    assert unwrap("\n \n\n") == ""
