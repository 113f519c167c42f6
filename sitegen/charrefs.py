"""Typographic punctuation in HTML as named character references (``&hellip;``).

A page is built as one Python str and written as UTF-8. A str holding only
ASCII is encoded by copying it; one holding any other character (one "…" is
enough) is encoded a character at a time: ~15 µs for a 20 KB list page, ~10%
of rendering it. Past Latin-1 it is also stored at two bytes a character, and
every card read into a list page is widened to match. Text in this field is
mostly ASCII but for a few marks: the ellipsis that ends every cut summary,
curly quotes (LaTeX ``quotes''), dashes. Written as references they look the
same in every browser and leave such pages ASCII.

Only these marks: letters of any script stay as they are, so text in other
scripts is not bloated into numeric references.
"""

from __future__ import annotations

_REFERENCES = (
    ("…", "&hellip;"),
    ("“", "&ldquo;"),
    ("”", "&rdquo;"),
    ("‘", "&lsquo;"),
    ("’", "&rsquo;"),
    ("–", "&ndash;"),
    ("—", "&mdash;"),
    ("·", "&middot;"),
    ("\u00a0", "&nbsp;"),
)


def punctuation_as_references(html: str) -> str:
    """``html`` with the marks above as references; for text already escaped
    for HTML (a reference in raw text would show as itself)."""
    if html.isascii():  # O(1): CPython records it
        return html
    for mark, reference in _REFERENCES:
        if mark in html:
            html = html.replace(mark, reference)
    return html
