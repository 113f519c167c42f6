"""Which link URLs content may use, and how they are written into pages and feeds.

``check_url`` decides what the loader accepts (the scheme, control characters),
``check_image_url`` the same for an image (a thumbnail): http(s) or a path inside the site;
``encode_url`` is applied to every accepted URL where a page or feed shows it,
so what reaches an href or src is always a valid URL: spaces, quotes, ``<``,
``>``, backslashes and non-ASCII characters are percent-encoded (as UTF-8),
escapes already present are kept, and nothing else changes.
"""

from __future__ import annotations

import re
from urllib.parse import quote

ALLOWED_SCHEMES = ("http", "https", "mailto")
IMAGE_SCHEMES = ("http", "https")

# What browsers strip around a URL, and drop inside one, before finding its scheme.
_URL_STRIP = "".join(map(chr, range(0x21)))
_URL_DROP = str.maketrans("", "", "\t\n\r")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# What a refused scheme's message suggests instead.
_USE = {
    ALLOWED_SCHEMES: "use http, https or mailto",
    IMAGE_SCHEMES: "use http, https or a path inside the site",
}


def check_url(url: str, schemes: tuple[str, ...] = ALLOWED_SCHEMES) -> str | None:
    """The problem with a link URL, or None if it is safe to put in an href
    (through ``encode_url``). Content fields and Markdown links follow it alike.

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
        if scheme not in schemes:
            return f"URL scheme '{scheme}' is not allowed ({_USE[schemes]})"
        if scheme != "mailto" and not clean[match.end() :].startswith("//"):
            return f"expected an absolute URL such as https://example.org/, got {_show(url)}"
    if _CONTROL.search(stripped):
        return "URL must not contain control characters such as tabs or line breaks"
    return None


def check_image_url(url: str) -> str | None:
    """The problem with an image URL (a thumbnail), or None: an http(s) URL, or a
    path inside the site (``thumbs/x.png``, ``/static/x.png``; no ``..`` that would
    climb out of it). Never another scheme: no ``mailto:``, ``data:`` or ``javascript:``."""
    problem = check_url(url, IMAGE_SCHEMES)
    if problem is None and ".." in url.replace("%2e", ".").replace("%2E", "."):
        clean = url.strip(_URL_STRIP).translate(_URL_DROP)
        if not _SCHEME.match(clean) and not clean.startswith("//"):
            path = re.split(r"[?#]", clean, maxsplit=1)[0]
            if ".." in path.replace("%2e", ".").replace("%2E", ".").split("/"):
                return f"a path must stay inside the site (no '..'), got {_show(url)}"
    return problem


def _show(url: str) -> str:
    text = repr(url)
    return text if len(text) <= 40 else text[:37] + "..."


# RFC 3986's reserved and unreserved characters, and "%" of escapes already made.
_URL_SAFE = ";/?:@&=+$,-_.!~*'()%"
# Anything else: the URL needs encoding (so may a "%", which is checked apart: cheaper).
_NEEDS_ENCODING = re.compile(r"[^A-Za-z0-9;/?:@&=+$,\-_.!~*'()#]")
_BARE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# The scheme and authority, where brackets hold an IPv6 address and must stay.
_AUTHORITY = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.\-]*:)?//[^/?#]*")


def encode_url(url: str) -> str:
    """``url`` with what may not stand in a URL percent-encoded: ``a b"<>\\``,
    non-ASCII characters, a "%" that starts no escape, a second "#"."""
    if _NEEDS_ENCODING.search(url) is None and "%" not in url and url.count("#") < 2:
        return url  # nearly every URL: ~0.3 µs, no copy
    url = _BARE_PERCENT.sub("%25", url)
    authority = _AUTHORITY.match(url)
    head = authority.group(0) if authority else ""
    rest, hash_mark, fragment = url[len(head) :].partition("#")
    return (
        quote(head, safe=_URL_SAFE + "[]", errors="surrogatepass")
        + quote(rest, safe=_URL_SAFE, errors="surrogatepass")
        + hash_mark
        + quote(fragment, safe=_URL_SAFE, errors="surrogatepass")
    )
