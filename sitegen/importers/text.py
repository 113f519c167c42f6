"""Cleaning text from sources before it reaches a content file.

Sources hand over text with hard line wraps (arXiv wraps at ~80 columns),
stray control characters and the odd Unicode noncharacter. Those last two
make a YAML file unreadable or break lxml when the site's feeds are written,
so they are dropped here, once, for every importer.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

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


_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?",
    re.IGNORECASE,
)


def utc_timestamp(value: object) -> str | None:
    """An ISO 8601 timestamp from a source as 'YYYY-MM-DDTHH:MM:SSZ', or None if it is not one.

    Fractions of a second are dropped; a timestamp without an offset is taken
    as UTC, which is what both APIs mean by it.
    """
    if not isinstance(value, str) or not (match := _TIMESTAMP.fullmatch(value.strip())):
        return None
    year, month, day, hour, minute, second, offset = match.groups()
    try:
        tz = timezone.utc
        if offset and offset.upper() != "Z":
            sign = -1 if offset[0] == "-" else 1
            digits = offset[1:].replace(":", "")
            tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        fields = (year, month, day, hour, minute, second or 0)
        moment = datetime(*map(int, fields), tzinfo=tz)  # type: ignore[misc]
    except ValueError:  # 2025-02-30, hour 25, an offset of a day or more
        return None
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def http_url(value: object) -> str | None:
    """``value`` if it is an http(s) URL with a host and nothing a page should not contain, else None."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    if not url or url != strip_junk(url) or any(c.isspace() for c in url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname  # parsed lazily: 'http://[::1' fails only here
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return url


def preview(body: bytes, limit: int = 60) -> str:
    """The start of a body as one short quoted line, for an error message."""
    text = clean_line(body[: limit * 4].decode("utf-8", errors="replace"))
    return repr(text[:limit] + "…") if len(text) > limit else repr(text)
