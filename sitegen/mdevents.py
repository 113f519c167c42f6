"""pulldown-cmark's events (through pyromark) -> HTML and plain text, in one walk.

markup decides when to parse at all and cleans what this returns."""

from __future__ import annotations

import re
from functools import lru_cache

import pyromark

from .autolinks import find_links, may_hold_links
from .htmlclean import _BLOCK_TAGS, _INLINE_TAGS, _escape, _keep_known_tags, _math_html, _strip_known_tags
from .markdown_settings import DEFAULT_MARKDOWN, MarkdownSettings
from .mathtext import tex_to_text
from .urls import check_url, encode_url

# --- events -> HTML and text --------------------------------------------------------

_OPTIONS = (
    pyromark.Options.ENABLE_STRIKETHROUGH
    | pyromark.Options.ENABLE_MATH
    # Only to tell ~one~ tilde from ~~two~~: GFM would strike both, but "~" means
    # "about" in abstracts, so single tildes are printed back as they were.
    | pyromark.Options.ENABLE_SUBSCRIPT
)


@lru_cache(maxsize=8)
def _options(settings: MarkdownSettings, block: bool) -> int:
    """pulldown-cmark's options for ``settings`` (a title: no tables or footnotes)."""
    options = _OPTIONS
    if settings.smart_punctuation:
        options |= pyromark.Options.ENABLE_SMART_PUNCTUATION
    if block and settings.tables:
        options |= pyromark.Options.ENABLE_TABLES
    if block and settings.footnotes:
        options |= pyromark.Options.ENABLE_FOOTNOTES
    return options


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

    def __init__(
        self, events: list, block: bool, text_limit: int | None = None, autolink: bool = False
    ) -> None:
        self.events = events
        self.autolink = autolink and block
        self.in_code_block = False
        self.raw_links = 0  # <a> tags open in the raw HTML: no link inside a link
        self.footnotes: dict[str, int] = {}  # label -> number, in order of first mention
        self.footnote_text_at = 0  # len(self.text) where a footnote definition began
        # The plain text is cut after this many characters: formulas past it need no text.
        self.text_limit = text_limit
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
        # One event holds a whole run of text (pyromark merges pulldown-cmark's pieces;
        # tests/unit/test_markdown_switches.py checks), so a URL is never split.
        in_link = self.links or self.raw_links
        if self.autolink and may_hold_links(text) and not (in_link or self.in_code_block):
            self.html.append(_autolinked(text))
        else:
            self.html.append(_escape(text))
        self.text.append(text)

    def on_footnote_reference(self, label: str) -> None:
        """A superscript number linking to its definition (not in the plain text);
        ids are scoped to the document later (markup)."""
        number = self.footnotes.get(label)
        first = number is None
        if number is None:
            number = self.footnotes[label] = len(self.footnotes) + 1
        anchor = f' id="fnref-{number}"' if first else ""
        self.html.append(f'<sup class="footnote-reference"{anchor}><a href="#fn-{number}">{number}</a></sup>')

    def open_footnote(self, label: str) -> None:
        # Where it is written, as pulldown-cmark's own HTML writer places it.
        number = self.footnotes.setdefault(label, len(self.footnotes) + 1)
        self.html.append(f'<div class="footnote-definition" id="fn-{number}">\n')
        self.footnote_text_at = len(self.text)
        if self.events[self.index] == {"Start": "Paragraph"}:  # the number opens the note's first line
            self.index += 1
            self.html.append("<p>")
            self.opened_at = len(self.html)
        self.html.append(f"<sup>{number}</sup> ")

    def on_code(self, code: str) -> None:
        self.html.append(f"<code>{_escape(code)}</code>")
        self.text.append(code)

    def on_inline_math(self, tex: str) -> None:
        self.html.append(_math_html(tex.strip(), False))
        self.text.append(self.math_text(tex))

    def math_text(self, tex: str) -> str:
        """The formula as text (mathtext: ~0.4 ms a new formula), unless the plain
        text already holds more than its limit of non-space characters."""
        if self.text_limit is not None and sum(map(len, "".join(self.text).split())) > self.text_limit:
            return ""
        return tex_to_text(tex)

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
            self.text.append(self.math_text(tex))
            return
        self.text.append(f" {self.math_text(tex)} ")
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
        if self.autolink and "<" in html:
            self.raw_links += len(_RAW_LINK_OPENING.findall(html)) - html.lower().count("</a")
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
        elif name == "FootnoteDefinition":
            self.open_footnote(tag["FootnoteDefinition"])  # type: ignore[index]
        elif self.block:  # inline output has no blocks: their text runs on
            self.open_block(name, tag)

    def open_block(self, name: str, tag: str | dict) -> None:
        if name == "Heading":
            self.html.append(f"<h{_heading_level(tag['Heading']['level'])}>")  # type: ignore[index]
        elif name == "CodeBlock":  # no language class: nothing here highlights code
            self.html.append("<pre><code>")
            self.in_code_block = True
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
        elif name == "FootnoteDefinition":
            self.html.append("</div>\n")
            del self.text[self.footnote_text_at :]  # a summary leaves footnotes out
        elif self.block:
            self.close_block(name, tag)
        elif name in _BLOCK_ENDS:
            self.html.append(" ")

    def close_block(self, name: str, tag: str | dict) -> None:
        if name == "Heading":
            self.html.append(f"</h{_heading_level(tag['Heading'])}>\n")  # type: ignore[index]
        elif name == "CodeBlock":
            self.html.append("</code></pre>\n")
            self.in_code_block = False
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
                    alt.append(tex_to_text(value))
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
    "FootnoteReference": _Renderer.on_footnote_reference,
}
_RAW_LINK_OPENING = re.compile(r"<a[\s>]", re.IGNORECASE)


def _autolinked(text: str) -> str:
    """Escaped ``text`` with its bare URLs as links (autolinks.py says which)."""
    out: list[str] = []
    position = 0
    for start, end, url in find_links(text):
        if check_url(url) is not None:
            continue
        out.append(_escape(text[position:start]))
        out.append(f'<a href="{_escape(encode_url(url))}">{_escape(text[start:end])}</a>')
        position = end
    out.append(_escape(text[position:]))
    return "".join(out)


def _list_opening(start: int | None) -> str:
    """``start``: the first number of an ordered list, None for bullets."""
    if start is None:
        return "<ul>\n"
    return "<ol>\n" if start == 1 else f'<ol start="{start}">\n'


def _heading_level(level: str) -> int:
    return min(int(level[1]) + 2, 6)  # "H1" -> 3: the page owns h1 and h2


def _render_events(
    text: str, block: bool, text_limit: int | None = None, settings: MarkdownSettings = DEFAULT_MARKDOWN
) -> tuple[str, str]:
    events = list(pyromark.events(text, options=_options(settings, block)))
    return _Renderer(events, block, text_limit, settings.autolink).run()


# A line that CommonMark would read as a block (heading, list, quote, ...)
# must stay text in a title; the escaped "&" in front makes it a paragraph
# without changing how the rest of the line parses, and is dropped after.
_INLINE_GUARD = "\\&"


def _render_inline_events(text: str, settings: MarkdownSettings = DEFAULT_MARKDOWN) -> tuple[str, str]:
    """One line -> inline HTML and its plain text."""
    events = list(pyromark.events(_INLINE_GUARD + text, options=_options(settings, False)))
    first = next((i for i, e in enumerate(events) if isinstance(e, dict) and "Text" in e), None)
    if first is None or not events[first]["Text"].startswith("&"):
        raise AssertionError("inline guard not found")  # pulldown-cmark changed how it reads "\&"
    events[first] = {"Text": events[first]["Text"][1:]}
    return _Renderer(events, block=False).run()
