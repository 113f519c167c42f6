"""Markdown + TeX math -> sanitised HTML, and Markdown -> plain text.

One configured renderer for the whole build: markdown-it-py (CommonMark plus
tables and strikethrough; chosen over Python-Markdown for speed, ~80 µs vs
~450 µs per abstract) with the dollarmath plugin. Math is rendered server-side
to MathML by latex2mathml, so pages and feeds need no JavaScript. Every result
goes through nh3 last: whatever the earlier steps let through, only allowlisted
tags, attributes and URL schemes reach the page.

Choices worth knowing:

- Inline math needs no space inside the dollars (``$x$`` yes, ``$ x $`` no),
  so "costs $5 and $10" stays text. A digit right after the closing ``$`` is
  allowed, because abstracts write ``$\\sim$100`` far more often than "$5-$10".
- Raw HTML tags in the source are kept only when they are on the allowlist
  (``<sub>``, ``<em>``, ...); any other tag is shown as the literal text it is,
  since ML abstracts say things like "the <think> token".
- Headings shift down two levels (``#`` -> h3): the page owns h1 and h2.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from xml.etree.ElementTree import tostring

import nh3
from latex2mathml.converter import convert_to_element
from markdown_it import MarkdownIt
from markdown_it.common.html_re import HTML_TAG_RE
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.dollarmath import dollarmath_plugin

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
        return f'<code class="math-error">{escapeHtml(tex)}</code>'
    element.set("alttext", tex)  # what feed readers without MathML can fall back on
    return _CHAR_REF.sub(r"&\1", tostring(element, encoding="unicode"))


def _render_math_inline(
    self: object, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return _math_html(tokens[idx].content.strip(), False)


def _render_math_display(
    self: object, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    # $$...$$ inside a paragraph: phrasing content only, so a <span> (styled as a block).
    return f'<span class="math">{_math_html(tokens[idx].content.strip(), True)}</span>'


def _render_math_block(
    self: object, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return f'<div class="math">{_math_html(tokens[idx].content.strip(), True)}</div>\n'


# --- raw HTML, images, links, headings ----------------------------------------

_TAG_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)")


def _keep_known_tags(html: str, allowed: frozenset[str]) -> str:
    """Escape every raw tag not on the allowlist so it shows as text (nh3 would drop it)."""

    def one(match: re.Match[str]) -> str:
        name = _TAG_NAME.match(match.group(0))
        if name and name.group(1).lower() in allowed:
            return match.group(0)
        return escapeHtml(match.group(0))

    return HTML_TAG_RE.sub(one, html)


def _raw_html_rule(allowed: frozenset[str]) -> Callable[..., str]:
    def render(self: object, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return _keep_known_tags(tokens[idx].content, allowed)

    return render


def _render_image_as_link(
    self: object, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    # Abstracts are text: an image becomes a link to it, labelled with its alt text.
    token = tokens[idx]
    alt = escapeHtml(_inline_text(token.children or []))
    src = escapeHtml(str(token.attrGet("src") or ""))
    return f'<a href="{src}">{alt or src}</a>' if src else alt


def _render_image_alt(
    self: object, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return escapeHtml(_inline_text(tokens[idx].children or []))


def _render_nothing(
    self: object, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return ""


def _tidy_blocks(state: StateCore) -> None:
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 2, 6)}"
        elif token.type == "fence":
            token.info = ""  # no highlighting here; a language-* class would only be stripped


def _markdown_it(allowed: frozenset[str]) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"linkify": False}).enable(["table", "strikethrough"])
    dollarmath_plugin(
        md,
        allow_space=False,  # "$5 and $10" is money, not math
        allow_digits=True,  # "$\sim$100" is common in abstracts
        allow_labels=False,  # no ids or anchors from content
        allow_blank_lines=False,  # an unclosed $$ must not swallow later paragraphs
        double_inline=True,  # abstracts write $$x$$ mid-sentence
    )
    md.add_render_rule("math_inline", _render_math_inline)
    md.add_render_rule("math_inline_double", _render_math_display)
    md.add_render_rule("math_block", _render_math_block)
    md.add_render_rule("html_inline", _raw_html_rule(allowed))
    md.add_render_rule("html_block", _raw_html_rule(allowed))
    md.add_render_rule("image", _render_image_as_link)
    md.core.ruler.push("tidy_blocks", _tidy_blocks)
    return md


def _inline_markdown_it() -> MarkdownIt:
    # Titles end up inside <h1> and inside card links: no nested <a>, so links and
    # images keep only their text.
    md = _markdown_it(_INLINE_TAGS)
    md.add_render_rule("link_open", _render_nothing)
    md.add_render_rule("link_close", _render_nothing)
    md.add_render_rule("image", _render_image_alt)
    return md


_BLOCK_MD = _markdown_it(_BLOCK_TAGS)
_INLINE_MD = _inline_markdown_it()


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
    if not text.strip():
        return ""
    text = _typeset_quotes(text)
    if _plain_prose(text):
        html = "".join(f"<p>{escapeHtml(p)}</p>\n" for p in _prose_paragraphs(text))
    else:
        html = _BLOCK_MD.render(text)
    return _focusable_formulas(_BLOCK_CLEANER.clean(html).strip())


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
    text = _typeset_quotes(text.strip())
    if not text:
        return ""
    if _plain_prose(text) and "\n" not in text:
        return _INLINE_CLEANER.clean(escapeHtml(text)).strip()
    return _INLINE_CLEANER.clean(_INLINE_MD.renderInline(text)).strip()


def plain_text(text: str, limit: int | None = None) -> str:
    """Markdown -> one line of plain text: markup gone, TeX kept as written with its $ signs.

    Over ``limit`` characters, cut at a word boundary and end with "…" (the result,
    ellipsis included, is at most ``limit`` long).
    """
    text = _typeset_quotes(text)
    if _plain_prose(text):
        return _shorten(" ".join(text.split()), limit)
    return _tokens_text(_BLOCK_MD.parse(text), limit)


def render_with_summary(text: str, limit: int | None = None) -> tuple[str, str]:
    """``(render_markdown(text), plain_text(text, limit))`` from a single parse:
    parsing is most of the cost of both, and every abstract needs both."""
    if not text.strip():
        return "", ""
    text = _typeset_quotes(text)
    if _plain_prose(text):
        html = "".join(f"<p>{escapeHtml(p)}</p>\n" for p in _prose_paragraphs(text))
        summary = _shorten(" ".join(text.split()), limit)
    else:
        env: dict = {}
        tokens = _BLOCK_MD.parse(text, env)
        html = _BLOCK_MD.renderer.render(tokens, _BLOCK_MD.options, env)
        summary = _tokens_text(tokens, limit)
    return _focusable_formulas(_BLOCK_CLEANER.clean(html).strip()), summary


def _tokens_text(tokens: Sequence[Token], limit: int | None) -> str:
    parts: list[str] = []
    for token in tokens:
        if token.type == "inline":
            parts.append(_inline_text(token.children or []))
        elif token.type in ("fence", "code_block"):
            parts.append(token.content)
        elif token.type == "math_block":
            parts.append(f"$${token.content.strip()}$$")
        elif token.type == "html_block":
            parts.append(_strip_known_tags(token.content))
        parts.append(" ")
    return _shorten(" ".join("".join(parts).split()), limit)


def _inline_text(tokens: Sequence[Token]) -> str:
    out: list[str] = []
    for token in tokens:
        if token.type in ("text", "code_inline"):
            out.append(token.content)
        elif token.type == "math_inline":
            out.append(f"${token.content}$")
        elif token.type == "math_inline_double":
            out.append(f"$${token.content}$$")
        elif token.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif token.type == "image":
            out.append(_inline_text(token.children or []))
        elif token.type == "html_inline":
            out.append(_strip_known_tags(token.content))
    return "".join(out)


def _strip_known_tags(html: str) -> str:
    # The plain-text twin of _keep_known_tags: allowed tags vanish, others stay as text.
    def one(match: re.Match[str]) -> str:
        name = _TAG_NAME.match(match.group(0))
        return "" if name and name.group(1).lower() in _BLOCK_TAGS else match.group(0)

    return HTML_TAG_RE.sub(one, html)


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
