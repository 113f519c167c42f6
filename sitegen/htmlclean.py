"""What may survive in HTML made from content: the allowlists and nh3 cleaners, escaping,
raw HTML tags kept or dropped, and TeX turned into MathML. Used by markup and mdevents."""

from __future__ import annotations

import re
from functools import lru_cache
from xml.etree.ElementTree import tostring

import nh3
from latex2mathml.converter import convert_to_element

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
# Footnotes, in blocks only: their anchors (pulldown-cmark's as mdevents writes them,
# and those of Python-Markdown's footnotes extension). markup scopes every id to its
# document, so two documents on one page cannot clash.
_FOOTNOTE_ATTRIBUTES = {"sup": {"id"}, "div": {"id"}, "li": {"id"}}
_FOOTNOTE_CLASSES = {
    "sup": {"footnote-reference"},
    "div": {"math", "footnote-definition", "footnote"},
    "a": {"footnote-ref", "footnote-backref"},
}


def _cleaner(tags: frozenset[str], footnotes: bool = False) -> nh3.Cleaner:
    attributes = {
        tag: set(attrs) for tag, attrs in {**_PROSE_ATTRIBUTES, **_MATHML_ATTRIBUTES}.items() if tag in tags
    }
    classes = {tag: set(names) for tag, names in _CLASSES.items() if tag in tags}
    if footnotes:
        for tag, names in _FOOTNOTE_ATTRIBUTES.items():
            attributes.setdefault(tag, set()).update(names)
        for tag, names in _FOOTNOTE_CLASSES.items():
            classes.setdefault(tag, set()).update(names)
    return nh3.Cleaner(
        tags=set(tags),
        clean_content_tags={"script", "style"},
        attributes=attributes,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener",
        allowed_classes=classes,
        strip_comments=True,
    )


_BLOCK_CLEANER = _cleaner(_BLOCK_TAGS | set(_MATHML_ATTRIBUTES), footnotes=True)
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
