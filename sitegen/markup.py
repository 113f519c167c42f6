"""Markdown + TeX math -> sanitised HTML, and Markdown -> plain text.

One parser for the whole build: pulldown-cmark (CommonMark plus tables,
strikethrough and $math$; the Rust parser behind rustdoc, mdBook and Zola),
through the pyromark bindings. It hands over a flat list of events that this
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
"""

from __future__ import annotations

import re
from functools import lru_cache
from xml.etree.ElementTree import tostring

import nh3
import pyromark
from latex2mathml.converter import convert_to_element

from .charrefs import punctuation_as_references
from .urls import check_url, encode_url

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
    """For text and double-quoted attributes. The hottest call when rendering
    prose: most text has nothing to escape, and looking for each character is
    ~15x cheaper than a general escaper (markupsafe's) on a paragraph."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if '"' in text:
        text = text.replace('"', "&quot;")
    return text


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
    pyromark.Options.ENABLE_TABLES
    | pyromark.Options.ENABLE_STRIKETHROUGH
    | pyromark.Options.ENABLE_MATH
    # Only to tell ~one~ tilde from ~~two~~: GFM would strike both, but "~" means
    # "about" in abstracts, so single tildes are printed back as they were.
    | pyromark.Options.ENABLE_SUBSCRIPT
)
# Containers whose events carry no data: (opening, closing) HTML.
_INLINE_CONTAINERS = {
    "Emphasis": ("<em>", "</em>"),
    "Strong": ("<strong>", "</strong>"),
    "Strikethrough": ("<s>", "</s>"),
}
_BLOCK_CONTAINERS = {
    **_INLINE_CONTAINERS,
    "Paragraph": ("<p>", "</p>\n"),
    "Item": ("<li>", "</li>\n"),
    "BlockQuote": ("<blockquote>\n", "</blockquote>\n"),
}
# Blocks whose text must not run into the next block's in the plain text.
_BLOCK_ENDS = frozenset(
    {"Paragraph", "Item", "TableCell", "CodeBlock", "HtmlBlock", "Heading", "BlockQuote", "List"}
)
_LINE_BREAKS = {"SoftBreak": "\n", "HardBreak": "<br>\n", "Rule": "<hr>\n"}
# What may follow a $$...$$ that ends its line.
_AFTER_LINE_END = ("SoftBreak", "HardBreak", {"End": "Paragraph"}, {"End": "Item"})


class _Renderer:
    """Walks one document's events once, writing HTML (``block``: paragraphs and
    lists; otherwise one line of inline HTML without links) and plain text."""

    def __init__(self, events: list, block: bool) -> None:
        self.events = events
        self.index = 0  # of the next event
        self.block = block
        self.allowed = _BLOCK_TAGS if block else _INLINE_TAGS
        self.containers = _BLOCK_CONTAINERS if block else _INLINE_CONTAINERS
        self.html: list[str] = []
        self.text: list[str] = []
        self.links: list[bool] = []  # per open link: whether an <a> was written for it
        self.opened_at = -1  # len(self.html) right after the latest container opened
        self.in_table_head = False
        self.table_has_body = False

    def run(self) -> tuple[str, str]:
        """The HTML, and the plain text with its whitespace as it comes."""
        events = self.events
        while self.index < len(events):
            event = events[self.index]
            self.index += 1
            if event.__class__ is str:  # SoftBreak, HardBreak, Rule
                self.html.append(_LINE_BREAKS.get(event, ""))
                self.text.append(" ")
            else:
                ((kind, value),) = event.items()
                _HANDLERS[kind](self, value)
        return "".join(self.html), "".join(self.text)

    def on_text(self, text: str) -> None:
        self.html.append(_escape(text))
        self.text.append(text)

    def on_code(self, code: str) -> None:
        self.html.append(f"<code>{_escape(code)}</code>")
        self.text.append(code)

    def on_inline_math(self, tex: str) -> None:
        self.html.append(_math_html(tex.strip(), False))
        self.text.append(f"${tex}$")

    def on_display_math(self, tex: str) -> None:
        """``$$...$$`` that opens a paragraph or list item and ends its line is a
        block (a div, as markdown-it's dollarmath read it); elsewhere it is a span."""
        tex = tex.strip()
        if not tex:  # "$$$$" is no formula
            self.on_text("$$$$")
            return
        formula = _math_html(tex, True)
        opener = self.html[-1] if len(self.html) == self.opened_at else ""  # not raw HTML
        follower = self.events[self.index] if self.index < len(self.events) else None
        if not (self.block and opener in ("<p>", "<li>") and follower in _AFTER_LINE_END):
            self.html.append(f'<span class="math">{formula}</span>')
            self.text.append(f"$${tex}$$")
            return
        self.text.append(f" $${tex}$$ ")
        div = f'<div class="math">{formula}</div>\n'
        if opener == "<p>":
            self.html[-1] = div  # no paragraph around the formula,
            if follower != {"End": "Paragraph"}:
                self.html.append("<p>")  # but one around the lines after it
                self.opened_at = len(self.html)
        else:  # a tight list item: its other lines stay its text
            self.html.append("\n" + div)
        if follower != {"End": "Item"}:
            self.index += 1  # the line break or the paragraph's end went with the div

    def on_raw_html(self, html: str) -> None:
        self.html.append(_keep_known_tags(html, self.allowed))
        self.text.append(_strip_known_tags(html))

    def on_start(self, tag: str | dict) -> None:
        name = tag if tag.__class__ is str else next(iter(tag))
        container = self.containers.get(name)  # type: ignore[call-overload]
        if container is not None:
            self.html.append(container[0])
            self.opened_at = len(self.html)
        elif name == "Subscript":
            self.tilde()
        elif name == "Link":
            self.open_link(tag["Link"])  # type: ignore[index]
        elif name == "Image":
            self.image(tag["Image"]["dest_url"])  # type: ignore[index]
        elif name == "HtmlBlock":
            self.html_block()
        elif self.block:  # inline output has no blocks: their text runs on
            self.open_block(name, tag)

    def open_block(self, name: str, tag: str | dict) -> None:
        if name == "Heading":
            self.html.append(f"<h{_heading_level(tag['Heading']['level'])}>")  # type: ignore[index]
        elif name == "CodeBlock":  # no language class: nothing here highlights code
            self.html.append("<pre><code>")
        elif name == "List":
            self.html.append(_list_opening(tag["List"]))  # type: ignore[index]
        elif name == "Table":
            self.html.append("<table>\n")
            self.table_has_body = False
        elif name == "TableHead":
            self.html.append("<thead>\n<tr>\n")
            self.in_table_head = True
        elif name == "TableRow":
            self.html.append("<tr>\n" if self.table_has_body else "<tbody>\n<tr>\n")
            self.table_has_body = True
        elif name == "TableCell":
            self.html.append("<th>" if self.in_table_head else "<td>")

    def on_end(self, tag: str | dict) -> None:
        name = tag if tag.__class__ is str else next(iter(tag))
        if name in _BLOCK_ENDS:
            self.text.append(" ")
        container = self.containers.get(name)  # type: ignore[call-overload]
        if container is not None:
            self.html.append(container[1])
        elif name == "Subscript":
            self.tilde()
        elif name == "Link":
            if self.links.pop():
                self.html.append("</a>")
        elif self.block:
            self.close_block(name, tag)
        elif name in _BLOCK_ENDS:
            self.html.append(" ")

    def close_block(self, name: str, tag: str | dict) -> None:
        if name == "Heading":
            self.html.append(f"</h{_heading_level(tag['Heading'])}>\n")  # type: ignore[index]
        elif name == "CodeBlock":
            self.html.append("</code></pre>\n")
        elif name == "List":
            self.html.append("</ol>\n" if tag["List"] else "</ul>\n")  # type: ignore[index]
        elif name == "Table":
            self.html.append("</tbody>\n</table>\n" if self.table_has_body else "</table>\n")
        elif name == "TableHead":
            self.html.append("</tr>\n</thead>\n")
            self.in_table_head = False
        elif name == "TableRow":
            self.html.append("</tr>\n")
        elif name == "TableCell":
            self.html.append("</th>\n" if self.in_table_head else "</td>\n")

    def tilde(self) -> None:
        # ~one tilde~ is text, as markdown-it read it: see _OPTIONS.
        self.html.append("~")
        self.text.append("~")

    def open_link(self, link: dict) -> None:
        url = link["dest_url"]
        if link["link_type"] == "Email":
            url = "mailto:" + url
        # A link content may not use (ftp:, javascript:; the rules of link fields) is just its text.
        linked = self.block and check_url(url) is None
        self.links.append(linked)
        if linked:
            title = f' title="{_escape(link["title"])}"' if link["title"] else ""
            self.html.append(f'<a href="{_escape(encode_url(url))}"{title}>')

    def image(self, src: str) -> None:
        """An image becomes a link to it labelled by its alt text (titles: the alt text)."""
        alt: list[str] = []
        depth = 1
        while depth:
            event = self.events[self.index]
            self.index += 1
            if event.__class__ is dict:
                ((kind, value),) = event.items()
                depth += {"Start": 1, "End": -1}.get(kind, 0)
                if kind in ("Text", "Code"):
                    alt.append(value)
                elif kind == "InlineMath":
                    alt.append(f"${value}$")
        label = _escape("".join(alt))
        self.text.append("".join(alt))
        if self.block and check_url(src) is None:
            self.html.append(f'<a href="{_escape(encode_url(src))}">{label or _escape(src)}</a>')
        else:
            self.html.append(label)

    def html_block(self) -> None:
        """The block's lines as one piece, so that a tag across lines is still a tag."""
        lines: list[str] = []
        while "Html" in self.events[self.index]:
            lines.append(self.events[self.index]["Html"])
            self.index += 1
        self.on_raw_html("".join(lines))


_HANDLERS = {
    "Start": _Renderer.on_start,
    "End": _Renderer.on_end,
    "Text": _Renderer.on_text,
    "Code": _Renderer.on_code,
    "InlineMath": _Renderer.on_inline_math,
    "DisplayMath": _Renderer.on_display_math,
    "InlineHtml": _Renderer.on_raw_html,
    "Html": _Renderer.on_raw_html,
}


def _list_opening(start: int | None) -> str:
    """``start``: the first number of an ordered list, None for bullets."""
    if start is None:
        return "<ul>\n"
    return "<ol>\n" if start == 1 else f'<ol start="{start}">\n'


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


def _plain_prose(text: str) -> bool:
    if _contains_any(text, _NOT_IN_ASCII_PROSE if text.isascii() else _NOT_IN_PROSE):
        return False
    for line in text.split("\n"):
        if line.startswith("    ") or line.endswith("  "):  # code block, hard break
            return False
        start = line.lstrip(" ")[:1]
        if start and (start in "-+=>" or (start.isdigit() and _ORDERED_ITEM.match(line.lstrip(" ")))):
            return False
    return True


def _prose_html(text: str) -> str:
    """Plain prose as the parser renders it: paragraphs at blank lines, each
    line without its outer spaces. There is nothing to escape: _plain_prose
    lets no <, > or & through."""
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


def _block_html_and_text(text: str) -> tuple[str, str]:
    """Safe block HTML, and the plain text with its whitespace as it comes."""
    try:
        return _block_html_and_text_of(text)
    except UnicodeEncodeError:
        return _block_html_and_text_of(_whole_characters(text))


def _block_html_and_text_of(text: str) -> tuple[str, str]:
    text = _typeset_quotes(text)
    if _plain_prose(text):
        html, plain = _prose_html(text), text
    else:
        html, plain = _render_events(text, block=True)
    html = _BLOCK_CLEANER.clean(html)
    if "<" in text:  # only raw HTML makes links nh3 leaves without an href
        html = _unwrap_bare_links(html)
    return _focusable_formulas(punctuation_as_references(html.strip())), plain


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


def render_markdown(text: str) -> str:
    """Markdown with $math$ -> safe HTML (block level: paragraphs, lists, ...)."""
    if not text or text.isspace():
        return ""
    return _block_html_and_text(text)[0]


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
    try:
        html = _escape(text) if _plain_prose(text) else _render_inline_events(text)
        return punctuation_as_references(_INLINE_CLEANER.clean(html).strip())
    except UnicodeEncodeError:
        return render_inline(_whole_characters(text))


def plain_text(text: str, limit: int | None = None) -> str:
    """Markdown -> one line of plain text: markup gone, TeX kept as written with its $ signs.

    Over ``limit`` characters, cut at a word boundary and end with "…" (the result,
    ellipsis included, is at most ``limit`` long).
    """
    text = _typeset_quotes(text)
    try:
        plain = text if _plain_prose(text) else _render_events(text, block=True)[1]
    except UnicodeEncodeError:
        return plain_text(_whole_characters(text), limit)
    return _one_line(plain, limit)


def render_with_summary(text: str, limit: int | None = None) -> tuple[str, str]:
    """``(render_markdown(text), plain_text(text, limit))`` from a single parse:
    every abstract needs both."""
    if not text or text.isspace():
        return "", ""
    html, plain = _block_html_and_text(text)
    return html, _one_line(plain, limit)


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


_SPACE_RUN = re.compile(" {2,}")


def _single_spaced(text: str) -> str:
    """``" ".join(text.split())``, ~3x faster where the only whitespace is spaces and
    newlines (the usual case): splitting makes a string of every word."""
    if not text.isascii() or _contains_any(text, _CONTROL_SPACES):
        return " ".join(text.split())
    text = text.replace("\n", " ")
    if "  " in text:
        text = _SPACE_RUN.sub(" ", text)
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
