"""Markdown + TeX math -> sanitised HTML, and Markdown -> plain text.

The default engine is pulldown-cmark (CommonMark plus strikethrough and $math$,
and as ``markdown:`` in site.yaml says, tables, footnotes, smart punctuation and
bare URLs as links; the Rust parser behind rustdoc, mdBook and Zola), through the
pyromark bindings; a site may choose Python-Markdown instead (pymarkdown.py),
whose HTML takes the same cleaning below. Every function takes the site's
MarkdownSettings (the defaults when not given). pulldown-cmark hands over a flat list of events that this
module renders itself, so the HTML and the plain-text summary of an abstract
come from one parse. On the benchmark's 1.5 KB abstracts parsing takes ~3-5 µs
(events included) against ~130 µs for markdown-it-py, which it replaced, and a
whole ``render_with_summary`` ~28 µs against ~170 µs; the rest is mostly nh3
(~9 µs) and the event walk. Parsing had been the largest single cost of a cold
build. Math is rendered server-side to MathML by latex2mathml, so pages and
feeds need no JavaScript. Every result goes through nh3 last: whatever the
earlier steps let through, only allowlisted tags, attributes and URL schemes
reach the page.

Choices worth knowing:

- Inline math needs no space inside the dollars (``$x$`` yes, ``$ x $`` no),
  so "costs $5 and $10" stays text, and a digit may follow the closing ``$``
  (abstracts write ``$\\sim$100``). ``$$x$$`` mid-sentence is display math in
  a ``<span class="math">``; ``$$...$$`` that opens a paragraph (or list item)
  and ends its line becomes a ``<div class="math">``, as with markdown-it's
  dollarmath. Inline math closes only where its braces balance, so
  ``$\\frac{a}{$`` stays text.
- Typographic marks in the HTML (curly quotes, dashes, "…") come out as
  named references (``&ldquo;``), so that ASCII prose stays ASCII; see
  charrefs. The plain text keeps the characters.
- One tilde is text (``~5%``, ``10~20``), two strike through.
- Raw HTML tags in the source are kept only when they are on the allowlist
  (``<sub>``, ``<em>``, ...); any other tag is shown as the literal text it is,
  since ML abstracts say things like "the <think> token".
- Headings shift down two levels (``#`` -> h3): the page owns h1 and h2.
- Images become links labelled by their alt text; titles keep only text.
- Footnote ids (and links to them) are prefixed with a digest of the source
  (``_scoped_ids``), so two documents on one page cannot clash.
- The plain text writes math as Unicode (mathtext), never as TeX.
"""

from __future__ import annotations

import hashlib
import re

from .autolinks import may_hold_links
from .charrefs import punctuation_as_references

# The allowlists, cleaners and event renderer live in their own modules; the names are
# imported here because this module uses them (and its tests reach them through it).
from .htmlclean import _BLOCK_CLEANER, _INLINE_CLEANER, _escape
from .markdown_settings import DEFAULT_MARKDOWN, PYTHON_MARKDOWN, MarkdownSettings
from .mdevents import _autolinked, _render_events, _render_inline_events

__all__ = ["render_markdown", "render_inline", "render_title", "plain_text", "render_with_summary"]


# --- public API ----------------------------------------------------------------


# Most abstracts are plain prose. Text with none of Markdown's special
# characters, no whitespace but spaces and newlines (CommonMark treats tabs,
# NBSP and the other Unicode spaces each its own way), no line that could open
# a block (list, quote, heading, code, table) and no hard line break renders
# to plain paragraphs, so it skips the parser and the renderer.
# tests/unit/test_markup.py checks that both paths agree.
_MARKUP_CHARACTERS = "\\`*_[]<>$&!~|#\x00"
_CONTROL_SPACES = "\t\x0b\x0c\r\x1c\x1d\x1e\x1f"  # ASCII whitespace but space and newline
_NON_ASCII_SPACES = "".join(c for c in map(chr, range(128, 0x3001)) if c.isspace())  # NBSP, U+2028, ...
_NOT_IN_ASCII_PROSE = _MARKUP_CHARACTERS + _CONTROL_SPACES
_NOT_IN_PROSE = _NOT_IN_ASCII_PROSE + _NON_ASCII_SPACES
_OTHER_SPACES = _CONTROL_SPACES + _NON_ASCII_SPACES  # what str.split() splits at, but space and newline
_ORDERED_ITEM = re.compile(r"\d+[.)]")
# LaTeX quotes, as arXiv abstracts write them: ``word'' and `word'.
_LATEX_QUOTES = (
    (re.compile(r"``([^`\n]+?)''"), "“\\1”"),
    (re.compile(r"`([^`'\n]{1,60})'(?![A-Za-z])"), "‘\\1’"),
)


def _contains_any(text: str, characters: str) -> bool:
    # One `in` per character: a regex over the same class scans ~8x slower.
    for character in characters:
        if character in text:
            return True
    return False


def _plain_prose(text: str, settings: MarkdownSettings = DEFAULT_MARKDOWN) -> bool:
    if _contains_any(text, _NOT_IN_ASCII_PROSE if text.isascii() else _NOT_IN_PROSE):
        return False
    if settings.smart_punctuation and ("'" in text or '"' in text or "--" in text or "..." in text):
        return False
    for line in text.split("\n"):
        if line.startswith("    ") or line.endswith("  "):  # code block, hard break
            return False
        start = line.lstrip(" ")[:1]
        if start and (start in "-+=>" or (start.isdigit() and _ORDERED_ITEM.match(line.lstrip(" ")))):
            return False
    return True


def _prose_html(text: str, autolink: bool) -> str:
    """Plain prose as the parser renders it: paragraphs at blank lines, each
    line without its outer spaces, bare URLs linked if ``autolink``. There is
    nothing to escape: _plain_prose lets no <, > or & through."""
    paragraphs: list[str] = []
    lines: list[str] = []
    for line in text.split("\n"):
        line = line.strip(" ")
        if line:
            lines.append(line)
        elif lines:
            paragraphs.append("\n".join(lines))
            lines = []
    if lines:
        paragraphs.append("\n".join(lines))
    if autolink and may_hold_links(text):
        paragraphs = [_autolinked(paragraph) for paragraph in paragraphs]
    return "".join(f"<p>{paragraph}</p>\n" for paragraph in paragraphs)


def _typeset_quotes(text: str) -> str:
    """``quoted'' and `quoted' from TeX would otherwise become code spans."""
    first = text.find("`")
    if first == -1:
        return text
    for pattern, replacement in _LATEX_QUOTES:
        if pattern.search(text, first):  # find() skips ahead faster than the regex scans
            text = pattern.sub(replacement, text)
    return text


_SURROGATE = re.compile("[\ud800-\udfff]")


def _whole_characters(text: str) -> str:
    """Lone surrogates (the loader refuses them) as U+FFFD: pyromark and nh3
    cannot take them. Called only once they have refused, so costs nothing otherwise."""
    return _SURROGATE.sub("\ufffd", text)


def _block_html_and_text(
    text: str, text_limit: int | None = None, settings: MarkdownSettings = DEFAULT_MARKDOWN
) -> tuple[str, str]:
    """Safe block HTML, and the plain text with its whitespace as it comes (what
    follows its first ``text_limit`` non-space characters may be left out)."""
    try:
        return _block_html_and_text_of(text, text_limit, settings)
    except UnicodeEncodeError:
        return _block_html_and_text_of(_whole_characters(text), text_limit, settings)


def _block_html_and_text_of(text: str, text_limit: int | None, settings: MarkdownSettings) -> tuple[str, str]:
    text = _typeset_quotes(text)
    if settings.engine == PYTHON_MARKDOWN:
        from . import pymarkdown  # only sites that choose it import Python-Markdown

        html = _unwrap_bare_links(_BLOCK_CLEANER.clean(pymarkdown.render(text, settings)))
        plain = pymarkdown.html_text(html, text_limit)
    else:
        if _plain_prose(text, settings):
            html, plain = _prose_html(text, settings.autolink), text
        else:
            html, plain = _render_events(text, True, text_limit, settings)
        html = _BLOCK_CLEANER.clean(html)
        if "<" in text:  # only raw HTML makes links nh3 leaves without an href
            html = _unwrap_bare_links(html)
    if ' id="' in html:
        html = _scoped_ids(html, text)
    return _focusable_formulas(punctuation_as_references(html.strip())), plain


# An id attribute or a link to a fragment, as nh3 writes them (double-quoted, '"' escaped).
_ID_OR_FRAGMENT = re.compile(r' (id="|href="#)([^"]*)"')


def _scoped_ids(html: str, text: str) -> str:
    """Footnote anchors (fn-1, fnref-1) made unique to their document: an abstract and
    a note on one page each have a footnote 1. The prefix is a digest of the source,
    so the same text always gets the same ids. Links to fragments the document does
    not define are left alone."""
    ids = {match.group(2) for match in _ID_OR_FRAGMENT.finditer(html) if match.group(1) == 'id="'}
    scope = "n" + hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=4).hexdigest() + "-"

    def scoped(match: re.Match[str]) -> str:
        kind, name = match.groups()
        return f' {kind}{scope}{name}"' if name in ids else match.group(0)

    return _ID_OR_FRAGMENT.sub(scoped, html)


# An <a> start or end tag as nh3 writes them: attributes double-quoted, with
# '"' and '>' escaped inside, and '<' escaped in text, so this cannot misfire.
_LINK_TAG = re.compile(r'<a(?: [a-z]+="[^"]*")*>|</a>')


def _unwrap_bare_links(html: str) -> str:
    """Drop the <a> tags nh3 left without an href (raw ``<a href="javascript:...">``):
    an anchor that goes nowhere is not a link; its text stays."""
    if "<a " not in html:
        return html
    out: list[str] = []
    open_links: list[bool] = []  # per open <a>: whether it is kept
    position = 0
    for match in _LINK_TAG.finditer(html):
        tag = match.group(0)
        if tag == "</a>":
            keep = open_links.pop() if open_links else True
        else:
            keep = ' href="' in tag
            open_links.append(keep)
        if not keep:
            out.append(html[position : match.start()])
            position = match.end()
    if not out:
        return html
    out.append(html[position:])
    return "".join(out)


def render_markdown(text: str, settings: MarkdownSettings = DEFAULT_MARKDOWN) -> str:
    """Markdown with $math$ -> safe HTML (block level: paragraphs, lists, ...)."""
    if not text or text.isspace():
        return ""
    return _block_html_and_text(text, None, settings)[0]


def _focusable_formulas(html: str) -> str:
    """A display formula wider than the column scrolls; keyboard users must be able
    to reach it (WCAG 2.1.1). Added after sanitising, so content cannot set tabindex."""
    if 'class="math"' not in html:
        return html
    return html.replace('<div class="math">', '<div class="math" tabindex="0">').replace(
        '<span class="math">', '<span class="math" tabindex="0">'
    )


def render_inline(text: str, settings: MarkdownSettings = DEFAULT_MARKDOWN) -> str:
    """One line of Markdown (a title) -> safe inline HTML: no <p>, no links; math allowed."""
    return render_title(text, settings)[0]


def render_title(text: str, settings: MarkdownSettings = DEFAULT_MARKDOWN) -> tuple[str, str]:
    """A title -> (``render_inline(text)``, its plain text) from one parse: the heading
    shows the HTML; <title>, meta tags, feeds and BibTeX the text, math as Unicode.

    Whatever the engine, titles go through pulldown-cmark's inline rendering (a title
    has only emphasis, code and math); with Python-Markdown, with smart punctuation
    when its ``smarty`` extension is on."""
    if settings.engine == PYTHON_MARKDOWN:
        settings = _TITLES_SMART if "smarty" in settings.extensions else _TITLES_PLAIN
    text = _typeset_quotes(" ".join(text.split()))  # a title is one line
    if not text:
        return "", ""
    try:
        if _plain_prose(text, settings):  # no "`": the text is still single-spaced
            html, plain = _escape(text), text
        else:
            html, plain = _render_inline_events(text, settings)
            plain = _one_line(plain, None)
        return punctuation_as_references(_INLINE_CLEANER.clean(html).strip()), plain
    except UnicodeEncodeError:
        return render_title(_whole_characters(text), settings)


_TITLES_SMART = MarkdownSettings(autolink=False, footnotes=False, tables=False, smart_punctuation=True)
_TITLES_PLAIN = MarkdownSettings(autolink=False, footnotes=False, tables=False, smart_punctuation=False)


def plain_text(text: str, limit: int | None = None, settings: MarkdownSettings = DEFAULT_MARKDOWN) -> str:
    """Markdown -> one line of plain text: markup gone, math as Unicode text (mathtext).

    Over ``limit`` characters, cut at a word boundary and end with "…" (the result,
    ellipsis included, is at most ``limit`` long).
    """
    if settings.engine == PYTHON_MARKDOWN:
        return _one_line(_block_html_and_text(text, limit, settings)[1], limit) if text.strip() else ""
    text = _typeset_quotes(text)
    try:
        plain = text if _plain_prose(text, settings) else _render_events(text, True, limit, settings)[1]
    except UnicodeEncodeError:
        return plain_text(_whole_characters(text), limit, settings)
    return _one_line(plain, limit)


def render_with_summary(
    text: str, limit: int | None = None, settings: MarkdownSettings = DEFAULT_MARKDOWN
) -> tuple[str, str]:
    """``(render_markdown(text), plain_text(text, limit))`` from a single parse:
    every abstract needs both."""
    if not text or text.isspace():
        return "", ""
    html, plain = _block_html_and_text(text, limit, settings)
    return html, _one_line(plain, limit)


def render_with_text(
    text: str, limit: int | None = None, settings: MarkdownSettings = DEFAULT_MARKDOWN
) -> tuple[str, str, str]:
    """``render_with_summary(text, limit)`` and ``plain_text(text)``, the whole
    text (for a paper's cite.ris), from the same single parse."""
    if not text or text.isspace():
        return "", "", ""
    html, plain = _block_html_and_text(text, None, settings)
    whole = _one_line(plain, None)
    return html, _shorten(whole, limit), whole  # _one_line(plain, limit), from the text made anyway


def _one_line(text: str, limit: int | None) -> str:
    """Whitespace runs made single spaces, then shortened to ``limit``."""
    if limit is not None:
        # A prefix is enough: collapsing it gives a prefix of the collapsed whole
        # (its last word maybe cut short), which holds the cut when still over the limit.
        prefix = text[: limit + limit // 4 + 8]
        if len(prefix) < len(text):
            head = _single_spaced(prefix)
            if len(head) > limit:
                return _shorten(head, limit)
    return _shorten(_single_spaced(text), limit)


def _single_spaced(text: str) -> str:
    """``" ".join(text.split())``, ~3x faster where the only whitespace is spaces and
    newlines (the usual case, non-ASCII text too): splitting makes a string of every word."""
    if _contains_any(text, _CONTROL_SPACES if text.isascii() else _OTHER_SPACES):
        return " ".join(text.split())
    text = text.replace("\n", " ")
    # Each pass halves every run of spaces: a few C scans, ~10x cheaper than a regex's
    # (" {2,}") look at every character of a 1.5 KB text.
    while "  " in text:
        text = text.replace("  ", " ")
    return text.strip(" ")


def _shorten(text: str, limit: int | None) -> str:
    if limit is None or len(text) <= limit:
        return text
    if limit < 1:
        return ""
    cut = text[: limit - 1]
    # Cut on a word boundary when the word in the way is not the whole budget.
    if not text[limit - 1].isspace() and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-–—") + "…"
