"""Text cleaning shared by the importers: what ends up in a title or an abstract."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.importers.text import clean_line, clean_text, http_url, preview, unwrap, utc_timestamp


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


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("2025-09-04T21:26:31.000Z", "2025-09-04T21:26:31Z"),  # Hugging Face's milliseconds
        ("2023-05-04T17:59:59Z", "2023-05-04T17:59:59Z"),  # arXiv
        ("2025-03-14T09:30:00+02:00", "2025-03-14T07:30:00Z"),
        ("2025-03-14T23:30:00-0500", "2025-03-15T04:30:00Z"),  # crosses midnight
        ("2025-03-14 09:30", "2025-03-14T09:30:00Z"),  # no offset: UTC
        (" 2025-03-14t09:30:00z ", "2025-03-14T09:30:00Z"),
        ("2025-02-30T00:00:00Z", None),
        ("2025-03-14T09:30:00+24:00", None),
        ("2025-03-14", None),
        ("yesterday", None),
        (1741944600, None),
        (None, None),
    ],
)
def test_utc_timestamp(raw: object, normalised: str | None) -> None:
    assert utc_timestamp(raw) == normalised


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        (" https://github.com/ezelikman/quiet-star ", "https://github.com/ezelikman/quiet-star"),
        ("http://example.org/x?y=1", "http://example.org/x?y=1"),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        ("ftp://example.org/paper.pdf", None),
        ("/papers/x.png", None),
        ("https://", None),
        ("https://example.org/a b", None),
        ("https://example.org/\x00", None),
        ("", None),
        (42, None),
    ],
)
def test_http_url_keeps_only_http_and_https(raw: object, kept: str | None) -> None:
    assert http_url(raw) == kept


def test_preview_is_short_and_on_one_line() -> None:
    shown = preview(b"<!DOCTYPE html>\n<html>" + b"x" * 500)
    assert shown.startswith("'<!DOCTYPE html> <html>xx") and shown.endswith("\u2026'")
    assert len(shown) <= 64
    assert preview(b"\xff\xfeRate") == "'\ufffd\ufffdRate'"


def _is_junk(c: str) -> bool:
    code = ord(c)
    return (
        code < 0x20
        or 0x7F <= code < 0xA0
        or 0xD800 <= code < 0xE000
        or 0xFDD0 <= code <= 0xFDEF
        or (code & 0xFFFE) == 0xFFFE
    )


@settings(max_examples=300)
@given(st.text())
def test_cleaned_text_has_no_junk_and_cleaning_twice_changes_nothing(raw: str) -> None:
    line = clean_line(raw)
    assert not any(_is_junk(c) for c in line)
    assert line == line.strip() and "  " not in line
    assert clean_line(line) == line
    paragraphs = unwrap(raw)
    assert not any(_is_junk(c) for c in paragraphs if c != "\n")
    assert "\n\n\n" not in paragraphs and paragraphs == paragraphs.strip()
    assert unwrap(paragraphs) == paragraphs
    paragraphs.encode("utf-8")  # no lone surrogates left to break writing the file


def test_a_url_python_cannot_parse_is_not_a_url() -> None:
    from sitegen.importers.text import http_url

    assert http_url("http://[::1") is None
    assert http_url("https://[not-an-ip]/x") is None
