"""Which link URLs content may use, and how they are written into pages and feeds."""

from __future__ import annotations

import re

ALLOWED_SCHEMES = ("http", "https", "mailto")

# What browsers strip around a URL, and drop inside one, before finding its scheme.
_URL_STRIP = "".join(map(chr, range(0x21)))
_URL_DROP = str.maketrans("", "", "\t\n\r")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_url(url: str) -> str | None:
    """The problem with a link URL, or None if it is safe to put in an href.

    Allowed: http(s) and mailto URLs, and relative paths. Scheme tricks that
    browsers undo (surrounding spaces, tabs inside 'java\\tscript:', any case)
    are undone here first, so they cannot slip past.
    """
    if url.startswith(("https://", "http://")) and url.isprintable() and url[-1] != " ":
        return None  # the common case, settled without the slow checks below
    stripped = url.strip(_URL_STRIP)
    if not stripped:
        return "URL must not be empty"
    clean = stripped.translate(_URL_DROP)
    match = _SCHEME.match(clean)
    if match:
        scheme = match.group(1).lower()
        if scheme not in ALLOWED_SCHEMES:
            return f"URL scheme '{scheme}' is not allowed (use http, https or mailto)"
        if scheme != "mailto" and not clean[match.end() :].startswith("//"):
            return f"expected an absolute URL such as https://example.org/, got {_show(url)}"
    if _CONTROL.search(stripped):
        return "URL must not contain control characters such as tabs or line breaks"
    return None


def _show(url: str) -> str:
    text = repr(url)
    return text if len(text) <= 40 else text[:37] + "..."
