"""Markdown + TeX math -> sanitised HTML, and Markdown -> plain text.

One parser for the whole build: pulldown-cmark (CommonMark plus tables,
strikethrough and $math$; the Rust parser behind rustdoc, mdBook and Zola),
through the pyromark bindings. It hands over a flat list of events that this
module renders itself, so the HTML and the plain-text summary of an abstract
come from one parse. Measured on the benchmark's 1.5 KB abstracts: ~2 µs to
parse against ~160 µs for markdown-it-py, which it replaced; parsing had been
the largest single cost of a cold build. Math is rendered server-side to
MathML by latex2mathml, so pages and feeds need no JavaScript. Every result
goes through nh3 last: whatever the earlier steps let through, only
allowlisted tags, attributes and URL schemes reach the page.

Choices worth knowing:

- Inline math needs no space inside the dollars (``$x$`` yes, ``$ x $`` no),
  so "costs $5 and $10" stays text, and a digit may follow the closing ``$``
  (abstracts write ``$\\sim$100``). ``$$x$$`` mid-sentence is display math in
  a ``<span class="math">``; a paragraph holding only ``$$...$$`` becomes a
  ``<div class="math">``. Inline math closes only where its braces balance,
  so ``$\\frac{a}{$`` stays text.
- Raw HTML tags in the source are kept only when they are on the allowlist
  (``<sub>``, ``<em>``, ...); any other tag is shown as the literal text it is,
  since ML abstracts say things like "the <think> token".
- Headings shift down two levels (``#`` -> h3): the page owns h1 and h2.
- Images become links labelled by their alt text; titles keep only text.
"""

from __future__ import annotations

import re
from functools import lru_cache
from xml.etree.ElementTree import tostring

import nh3
import pyromark
from latex2mathml.converter import convert_to_element
from markupsafe import escape

__all__ = ["render_markdown", "render_inline", "plain_text", "render_with_summary"]

# --- what may survive --------------------------------------------------------

_INLINE_TAGS = frozenset({"em", "strong", "code", "sub", "sup", "del", "s", "span", "br"})
_BLOCK_TAGS = _INLINE_TAGS | {
    "p", "a", "pre", "blockquote", "ul", "ol", "li", "h3", "h4", "h5", "h6", "hr", "div",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
_MATHML_ATTRIBUTES: dict[str, set[str]] = {
    "math": {"display", "xmlns", "alttext"},
    "mrow": set(),
    "mi": {"mathvariant"},
    "mn": {"mathvariant"},
    "mo": {
        "mathvariant", "stretchy", "fence", "form", "separator", "lspace", "rspace",
        "minsize", "maxsize", "movablelimits", "largeop", "symmetric", "accent",
    },
    "mtext": {"mathvariant"},
    "mspace": {"width", "height", "depth", "linebreak"},
    "msup": set(),
    "msub": set(),
    "msubsup": set(),
    "mfrac": {"linethickness"},
    "msqrt": set(),
    "mroot": set(),
    "mover": {"accent"},
    "munder": {"accentunder"},
    "munderover": {"accent", "accentunder"},
    "mtable": {"columnalign", "rowalign", "columnspacing", "rowspacing", "columnlines", "rowlines",
               "frame", "displaystyle"},
    "mtr": {"columnalign", "rowalign"},
    "mtd": {"columnalign", "rowalign", "columnspan", "rowspan"},
    "mstyle": {"displaystyle", "scriptlevel", "mathsize", "mathcolor"},
    "mpadded": {"width", "height", "depth", "lspace", "voffset"},
    "mphantom": set(),
    "menclose": {"notation"},
    "semantics": set(),
    "annotation": {"encoding"},
}  # fmt: skip
_PROSE_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "ol": {"start"},
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}
# The only classes that survive (the ones this module emits, for themes to style).
_CLASSES = {"span": {"math"}, "code": {"math-error"}, "div": {"math"}}


def _cleaner(tags: frozenset[str]) -> nh3.Cleaner:
    attributes = {
        tag: attrs for tag, attrs in {**_PROSE_ATTRIBUTES, **_MATHML_ATTRIBUTES}.items() if tag in tags
    }
    return nh3.Cleaner(
        tags=set(tags),
        clean_content_tags={"script", "style"},
        attributes=attributes,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener",
        allowed_classes={tag: classes for tag, classes in _CLASSES.items() if tag in tags},
        strip_comments=True,
    )


_BLOCK_CLEANER = _cleaner(_BLOCK_TAGS | set(_MATHML_ATTRIBUTES))
_INLINE_CLEANER = _cleaner(_INLINE_TAGS | set(_MATHML_ATTRIBUTES))

# --- math --------------------------------------------------------------------

_CHAR_REF = re.compile(r"&amp;(#x?[0-9A-Fa-f]+;)")


@lru_cache(maxsize=16384)
def _math_html(tex: str, display: bool) -> str:
    """TeX -> MathML; on any converter failure, the escaped source instead.

    latex2mathml's own ``convert`` unescapes the whole serialisation (so
    ``\\text{<b>}`` would become markup); serialising the tree ourselves keeps
    text escaped and only restores the character references it stores as text.
    Formulas repeat (titles, cards, feeds), hence the small cache.
    """
    try:
        element = convert_to_element(tex, display="block" if display else "inline")
    except Exception:  # any TeX the converter cannot handle must not stop the build
        return f'<code class="math-error">{_escape(tex)}</code>'
    element.set("alttext", tex)  # what feed readers without MathML can fall back on
    return _CHAR_REF.sub(r"&\1", tostring(element, encoding="unicode"))


# --- raw HTML -------------------------------------------------------------------

_ATTRIBUTE = r"""(?:\s+[a-zA-Z_:][a-zA-Z0-9:._-]*(?:\s*=\s*(?:[^"'=<>`\x00-\x20]+|'[^']*'|"[^"]*"))?)"""
# An HTML tag, comment, processing instruction, declaration or CDATA section (CommonMark's raw HTML).
_HTML_TAG = re.compile(
    r"<[A-Za-z][A-Za-z0-9-]*" + _ATTRIBUTE + r"*\s*/?>"
    r"|</[A-Za-z][A-Za-z0-9-]*\s*>"
    r"|<!---?>|<!--(?:[^-]|-[^-]|--[^>])*-->"
    r"|<[?][\s\S]*?[?]>"
    r"|<![A-Za-z][^>]*>"
    r"|<!\[CDATA\[[\s\S]*?\]\]>"
)
_TAG_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)")


def _escape(text: str) -> str:
    return escape(text)  # markupsafe's C escaper: the hottest call when rendering prose


def _keep_known_tags(html: str, allowed: frozenset[str]) -> str:
    """Escape every raw tag not on the allowlist so it shows as text (nh3 would drop
    it); text between tags is escaped too, as the parser hands it over raw."""
    out: list[str] = []
    position = 0
    for match in _HTML_TAG.finditer(html):
        out.append(_escape(html[position : match.start()]))
        name = _TAG_NAME.match(match.group(0))
        out.append(match.group(0) if name and name.group(1).lower() in allowed else _escape(match.group(0)))
        position = match.end()
    out.append(_escape(html[position:]))
    return "".join(out)


def _strip_known_tags(html: str) -> str:
    # The plain-text twin of _keep_known_tags: allowed tags vanish, others stay as text.
    def one(match: re.Match[str]) -> str:
        name = _TAG_NAME.match(match.group(0))
        return "" if name and name.group(1).lower() in _BLOCK_TAGS else match.group(0)

    return _HTML_TAG.sub(one, html)


# --- events -> HTML and text --------------------------------------------------------

_OPTIONS = (
    pyromark.Options.ENABLE_TABLES | pyromark.Options.ENABLE_STRIKETHROUGH | pyromark.Options.ENABLE_MATH
)
_SIMPLE_TAGS = {
    "Paragraph": ("<p>", "</p>\n"),
    "Emphasis": ("<em>", "</em>"),
    "Strong": ("<strong>", "</strong>"),
    "Strikethrough": ("<s>", "</s>"),
    "Item": ("<li>", "</li>\n"),
    "TableHead": ("<thead>\n<tr>\n", "</tr>\n</thead>\n<tbody>\n"),
    "TableRow": ("<tr>\n", "</tr>\n"),
    "HtmlBlock": ("", ""),
}
_BLOCK_ENDS = {"Paragraph", "Item", "TableCell", "CodeBlock", "HtmlBlock", "Heading", "BlockQuote", "List"}


class _Renderer:
    """Walks one document's events once, writing HTML (``block``: paragraphs and
    lists; otherwise one line of inline HTML without links) and plain text."""

    def __init__(self, events: list, block: bool) -> None:
        self.events = events
        self.block = block
        self.allowed = _BLOCK_TAGS if block else _INLINE_TAGS
        self.html: list[str] = []
        self.text: list[str] = []
        self.in_head = False
        self.links: list[bool] = []  # per open link: whether an <a> was written for it

    def run(self) -> tuple[str, str]:
        events = self.events
        index = 0
        while index < len(events):
            index = self.event(events, index)
        return "".join(self.html), " ".join("".join(self.text).split())

    def event(self, events: list, index: int) -> int:
        event = events[index]
        if isinstance(event, str):  # SoftBreak, HardBreak, Rule
            self.html.append({"SoftBreak": "\n", "HardBreak": "<br>\n", "Rule": "<hr>\n"}.get(event, ""))
            self.text.append(" ")
            return index + 1
        ((kind, value),) = event.items()
        if kind == "Start":
            return self.start(events, index, value)
        if kind == "End":
            self.end(value)
        elif kind == "Text":
            self.html.append(_escape(value))
            self.text.append(value)
        elif kind == "Code":
            self.html.append(f"<code>{_escape(value)}</code>")
            self.text.append(value)
        elif kind == "InlineMath":
            self.html.append(_math_html(value.strip(), False))
            self.text.append(f"${value}$")
        elif kind == "DisplayMath":
            self.html.append(f'<span class="math">{_math_html(value.strip(), True)}</span>')
            self.text.append(f"$${value.strip()}$$")
        elif kind in ("InlineHtml", "Html"):
            self.html.append(_keep_known_tags(value, self.allowed))
            self.text.append(_strip_known_tags(value))
        return index + 1

    def start(self, events: list, index: int, tag: object) -> int:
        if isinstance(tag, str):
            if tag == "Paragraph" and _only_display_math(events, index):
                math = events[index + 1]["DisplayMath"]
                self.html.append(f'<div class="math">{_math_html(math.strip(), True)}</div>\n')
                self.text.append(f" $${math.strip()}$$ ")
                return index + 3
            if tag == "TableHead":
                self.in_head = True
            if tag == "TableCell":
                self.html.append("<th>" if self.in_head else "<td>")
            elif self.block:
                self.html.append(_SIMPLE_TAGS.get(tag, ("", ""))[0])
            elif tag in ("Emphasis", "Strong", "Strikethrough"):
                self.html.append(_SIMPLE_TAGS[tag][0])
            return index + 1
        ((name, value),) = tag.items()  # type: ignore[attr-defined]
        if name == "Link":
            # A link nh3 would strip of its href (ftp:, javascript:) is just its text.
            linked = self.block and _linkable(value["dest_url"])
            self.links.append(linked)
            if linked:
                title = f' title="{_escape(value["title"])}"' if value["title"] else ""
                self.html.append(f'<a href="{_escape(value["dest_url"])}"{title}>')
        elif name == "Image":
            return self.image(events, index, value["dest_url"])
        elif not self.block:
            pass  # inline output has no blocks: their text runs on
        elif name == "Heading":
            self.html.append(f"<h{_heading_level(value['level'])}>")
        elif name == "BlockQuote":
            self.html.append("<blockquote>\n")
        elif name == "CodeBlock":
            self.html.append("<pre><code>")
        elif name == "List":  # value: the first number of an ordered list, None for bullets
            start = "" if value in (None, 1) else f' start="{value}"'
            self.html.append("<ul>\n" if value is None else f"<ol{start}>\n")
        elif name == "Table":
            self.html.append("<table>\n")
        return index + 1

    def end(self, tag: object) -> None:
        name = tag if isinstance(tag, str) else next(iter(tag))  # type: ignore[call-overload]
        if name in _BLOCK_ENDS:
            self.text.append(" ")
        if name == "TableHead":
            self.in_head = False
        if name == "TableCell":
            self.html.append("</th>\n" if self.in_head else "</td>\n")
            return
        if not self.block:
            if name == "Link":
                self.links.pop()
            elif name in ("Emphasis", "Strong", "Strikethrough"):
                self.html.append(_SIMPLE_TAGS[name][1])
            elif name in _BLOCK_ENDS:
                self.html.append(" ")
            return
        if name in _SIMPLE_TAGS:
            self.html.append(_SIMPLE_TAGS[name][1])
        elif name == "Link":
            if self.links.pop():
                self.html.append("</a>")
        elif name == "Heading":
            self.html.append(f"</h{_heading_level(tag['Heading'])}>\n")  # type: ignore[index]
        elif name == "BlockQuote":
            self.html.append("</blockquote>\n")
        elif name == "CodeBlock":
            self.html.append("</code></pre>\n")
        elif name == "List":
            self.html.append("</ol>\n" if tag["List"] else "</ul>\n")  # type: ignore[index]
        elif name == "Table":
            self.html.append("</tbody>\n</table>\n")

    def image(self, events: list, index: int, src: str) -> int:
        """An image becomes a link to it labelled by its alt text (titles: the alt text)."""
        alt: list[str] = []
        depth = 1
        index += 1
        while depth:
            event = events[index]
            if isinstance(event, dict):
                ((kind, value),) = event.items()
                depth += {"Start": 1, "End": -1}.get(kind, 0)
                if kind in ("Text", "Code"):
                    alt.append(value)
                elif kind == "InlineMath":
                    alt.append(f"${value}$")
            index += 1
        label = _escape("".join(alt))
        self.text.append("".join(alt))
        if self.block and src:
            self.html.append(f'<a href="{_escape(src)}">{label or _escape(src)}</a>')
        else:
            self.html.append(label)
        return index


_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_LINK_SCHEMES = ("http", "https", "mailto")


def _linkable(url: str) -> bool:
    """A relative URL or one of the schemes nh3 keeps."""
    scheme = _SCHEME.match("".join(url.split()))
    return scheme is None or scheme.group(1).lower() in _LINK_SCHEMES


def _only_display_math(events: list, index: int) -> bool:
    """A paragraph that is nothing but one $$...$$ formula (a display block)."""
    return (
        index + 2 < len(events)
        and isinstance(events[index + 1], dict)
        and "DisplayMath" in events[index + 1]
        and events[index + 2] == {"End": "Paragraph"}
    )


def _heading_level(level: str) -> int:
    return min(int(level[1]) + 2, 6)  # "H1" -> 3: the page owns h1 and h2


def _render_events(text: str, block: bool) -> tuple[str, str]:
    return _Renderer(list(pyromark.events(text, options=_OPTIONS)), block).run()


# A line that CommonMark would read as a block (heading, list, quote, ...)
# must stay text in a title; the escaped "&" in front makes it a paragraph
# without changing how the rest of the line parses, and is dropped after.
_INLINE_GUARD = "\\&"


def _render_inline_events(text: str) -> str:
    events = list(pyromark.events(_INLINE_GUARD + text, options=_OPTIONS))
    first = next((i for i, e in enumerate(events) if isinstance(e, dict) and "Text" in e), None)
    if first is None or not events[first]["Text"].startswith("&"):
        raise AssertionError("inline guard not found")  # pulldown-cmark changed how it reads "\&"
    events[first] = {"Text": events[first]["Text"][1:]}
    return _Renderer(events, block=False).run()[0]


# --- public API ----------------------------------------------------------------


# Most abstracts are plain prose. Text with none of Markdown's special
# characters, no line that could open a block (list, quote, heading, code,
# table) and no hard line break renders to escaped paragraphs, so it skips the
# parser: the single largest cost of a cold build. tests/unit/test_markup.py
# checks that both paths agree.
_MARKUP_CHARACTERS = re.compile(r"[\\`*_\[\]<>$&!~|#\r]")
_ORDERED_ITEM = re.compile(r"\d+[.)]")
_BLANK_LINES = re.compile(r"\n[ \t]*\n\s*")
# LaTeX quotes, as arXiv abstracts write them: ``word'' and `word'.
_LATEX_QUOTES = (
    (re.compile(r"``([^`\n]+?)''"), "“\\1”"),
    (re.compile(r"`([^`'\n]{1,60})'(?![A-Za-z])"), "‘\\1’"),
)


def _plain_prose(text: str) -> bool:
    if _MARKUP_CHARACTERS.search(text):
        return False
    for line in text.split("\n"):
        if line.startswith(("    ", "\t")) or line.endswith("  "):  # code block, hard break
            return False
        start = line.lstrip(" \t")[:1]
        if start and (start in "-+=>" or (start.isdigit() and _ORDERED_ITEM.match(line.lstrip(" \t")))):
            return False
    return True


def _typeset_quotes(text: str) -> str:
    """``quoted'' and `quoted' from TeX would otherwise become code spans."""
    if "`" in text:
        for pattern, replacement in _LATEX_QUOTES:
            text = pattern.sub(replacement, text)
    return text


def _prose_paragraphs(text: str) -> list[str]:
    return [
        "\n".join(line.strip() for line in block.splitlines()) for block in _BLANK_LINES.split(text.strip())
    ]


def render_markdown(text: str) -> str:
    """Markdown with $math$ -> safe HTML (block level: paragraphs, lists, ...)."""
    return render_with_summary(text)[0]


def _focusable_formulas(html: str) -> str:
    """A display formula wider than the column scrolls; keyboard users must be able
    to reach it (WCAG 2.1.1). Added after sanitising, so content cannot set tabindex."""
    if 'class="math"' not in html:
        return html
    return html.replace('<div class="math">', '<div class="math" tabindex="0">').replace(
        '<span class="math">', '<span class="math" tabindex="0">'
    )


def render_inline(text: str) -> str:
    """One line of Markdown (a title) -> safe inline HTML: no <p>, no links; math allowed."""
    text = _typeset_quotes(" ".join(text.split()))  # a title is one line
    if not text:
        return ""
    if _plain_prose(text):
        return _INLINE_CLEANER.clean(_escape(text)).strip()
    return _INLINE_CLEANER.clean(_render_inline_events(text)).strip()


def plain_text(text: str, limit: int | None = None) -> str:
    """Markdown -> one line of plain text: markup gone, TeX kept as written with its $ signs.

    Over ``limit`` characters, cut at a word boundary and end with "…" (the result,
    ellipsis included, is at most ``limit`` long).
    """
    text = _typeset_quotes(text)
    if _plain_prose(text):
        return _shorten(" ".join(text.split()), limit)
    return _shorten(_render_events(text, block=True)[1], limit)


def render_with_summary(text: str, limit: int | None = None) -> tuple[str, str]:
    """``(render_markdown(text), plain_text(text, limit))`` from a single parse:
    every abstract needs both."""
    if not text.strip():
        return "", ""
    text = _typeset_quotes(text)
    if _plain_prose(text):
        html = "".join(f"<p>{_escape(p)}</p>\n" for p in _prose_paragraphs(text))
        summary = _shorten(" ".join(text.split()), limit)
    else:
        html, summary = _render_events(text, block=True)
        summary = _shorten(summary, limit)
    return _focusable_formulas(_BLOCK_CLEANER.clean(html).strip()), summary


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
