"""Cleaning text from sources before it reaches a content file.

Sources hand over text with hard line wraps (arXiv wraps at ~80 columns),
stray control characters and the odd Unicode noncharacter. Those last two
make a YAML file unreadable or break lxml when the site's feeds are written,
so they are dropped here, once, for every importer.
"""

from __future__ import annotations

import re

# Tabs and line breaks are whitespace, not noise: they become spaces (or
# paragraph breaks) rather than vanishing and gluing two words together.
_SPACE_CONTROLS = "\t\n\v\f\r\x85"
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17)
)
# C0, DEL, C1 (minus the whitespace above), lone surrogates (json.loads lets
# "\ud800" through and it cannot be encoded as UTF-8) and noncharacters.
_JUNK = re.compile(
    "["
    + "".join(re.escape(chr(c)) for c in [*range(0x20), *range(0x7F, 0xA0)] if chr(c) not in _SPACE_CONTROLS)
    + "\ud800-\udfff"
    + _NONCHARACTERS
    + "]"
)
_LINE_BREAK = re.compile(r"\r\n|[\r\n\v\f\x85\u2028]")
_BLANK_LINES = re.compile(r"\n[^\S\n]*(?:\n[^\S\n]*)+|\u2029")


def strip_junk(s: str) -> str:
    """``s`` without control characters (other than whitespace) and noncharacters."""
    return _JUNK.sub("", s)


def clean_line(s: str) -> str:
    """One line: junk removed, every run of whitespace (line breaks included) one space, stripped."""
    return " ".join(strip_junk(s).split())


# The name the BibTeX importer was told to expect; the same function.
clean_text = clean_line


def unwrap(s: str) -> str:
    """Paragraphs joined by ``"\\n\\n"``, each hard-wrapped paragraph joined into one line.

    A paragraph ends at a blank (or whitespace-only) line. Junk is removed
    and whitespace inside a paragraph collapsed as by ``clean_line``.
    """
    s = _LINE_BREAK.sub("\n", strip_junk(s))
    paragraphs = (clean_line(p) for p in _BLANK_LINES.split(s))
    return "\n\n".join(p for p in paragraphs if p)
