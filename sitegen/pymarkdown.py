"""The Python-Markdown engine (``markdown: {engine: python-markdown}``), for sites that rely on
its extensions (pymdown-extensions and the like), as Pelican and MkDocs users do.

Its HTML goes through what pulldown-cmark's does (markup: the same nh3 cleaner, the same
footnote id scoping and formula focus); math too: an extension of ours reads ``$...$`` and
``$$...$$`` (after code spans, before backslash escapes) and hands the formula to the same
TeX -> MathML conversion; headings shift down two levels and images become links, as with
the default engine. The plain text for summaries is read back from the cleaned HTML,
formulas written as text by mathtext and footnotes left out.

Imported only when a site chooses this engine.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from functools import lru_cache
from html.parser import HTMLParser
from typing import Any

import markdown
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

from .htmlclean import _math_html
from .markdown_settings import MarkdownSettings
from .mathtext import tex_to_text

# As the default engine reads math: no space just inside the dollars, so "costs $5 and $10" is text.
_INLINE_MATH = r"(?<![\\$])\$(?![\s$])((?:\\.|[^$\\])+?)(?<![\s\\])\$(?!\$)"
_DISPLAY_MATH = r"(?<![\\$])\$\$((?:\\.|[^$\\]|\$(?!\$))+?)\$\$"
_DISPLAY_LINE = re.compile(r"\$\$((?:\\.|[^$\\]|\$(?!\$))+?)\$\$[ \t]*(?:\n|$)")


class _MathInline(InlineProcessor):
    def __init__(self, pattern: str, md: markdown.Markdown, display: bool) -> None:
        super().__init__(pattern, md)
        self.display = display

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[str, int, int]:  # noqa: N802 (its API)
        tex = m.group(1).strip()
        html = _math_html(tex, self.display)
        if self.display:
            html = f'<span class="math">{html}</span>'
        return self.md.htmlStash.store(html), m.start(0), m.end(0)


class _MathBlock(BlockProcessor):
    """``$$...$$`` that opens a paragraph and ends its line: a <div>, as with the default engine."""

    def test(self, parent: etree.Element, block: str) -> bool:
        return _DISPLAY_LINE.match(block) is not None

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        block = blocks.pop(0)
        match = _DISPLAY_LINE.match(block)
        assert match is not None
        div = etree.SubElement(parent, "div")
        div.set("class", "math")
        div.text = self.parser.md.htmlStash.store(_math_html(match.group(1).strip(), True))
        rest = block[match.end() :]
        if rest.strip():
            blocks.insert(0, rest)


class _AsTheDefaultEngine(Treeprocessor):
    """Headings two levels down (the page owns h1 and h2); images as links labelled by their alt text."""

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            if re.fullmatch(r"h[1-6]", element.tag):
                element.tag = f"h{min(int(element.tag[1]) + 2, 6)}"
            elif element.tag == "img":
                src, alt = element.get("src", ""), element.get("alt", "")
                tail = element.tail
                element.clear()
                element.tag = "a"
                element.set("href", src)
                element.text = alt or src
                element.tail = tail


class _SitegenMarkdown(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (its API)
        # After code spans (190), before backslash escapes (180).
        md.inlinePatterns.register(_MathInline(_DISPLAY_MATH, md, True), "sitegen-display-math", 186)
        md.inlinePatterns.register(_MathInline(_INLINE_MATH, md, False), "sitegen-math", 185)
        md.parser.blockprocessors.register(_MathBlock(md.parser), "sitegen-math-block", 75)
        md.treeprocessors.register(_AsTheDefaultEngine(md), "sitegen-as-default", 0)


def _converter(extensions: tuple[str, ...], configs: dict[str, Any]) -> markdown.Markdown:
    return markdown.Markdown(extensions=[*extensions, _SitegenMarkdown()], extension_configs=configs)


@lru_cache(maxsize=4)
def _converter_for(settings: MarkdownSettings) -> markdown.Markdown:
    return _converter(settings.extensions, settings.configs())


def render(text: str, settings: MarkdownSettings) -> str:
    """Markdown -> HTML, not yet cleaned."""
    converter = _converter_for(settings)
    try:
        return converter.convert(text)
    finally:
        converter.reset()


def load_problems(extensions: tuple[str, ...], configs: dict[str, Any]) -> list[tuple[int | None, str, str]]:
    """What is wrong with each extension: (its index in the list, or None for one of its
    options, its name, a message). Each is loaded the way a build would."""
    problems: list[tuple[int | None, str, str]] = []
    for index, name in enumerate(extensions):
        try:
            _converter((name,), {name: configs[name]} if name in configs else {})
        except ImportError as exc:
            problems.append((index, name, f"extension '{name}' is not installed or not found ({exc})"))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            if name in configs:
                problems.append((None, name, f"extension '{name}' refuses its options: {exc}"))
            else:
                problems.append((index, name, f"extension '{name}' cannot be loaded: {exc}"))
    return problems


def library_versions(extensions: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """markdown's version and that of each package an extension comes from."""
    from importlib import metadata

    owners = metadata.packages_distributions()
    names = {"markdown"}
    for name in extensions:
        names.update(owners.get(name.split(".")[0].split(":")[0], ()))
    versions = []
    for name in sorted(names):
        try:
            versions.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            versions.append((name, "?"))
    return tuple(versions)


# Blocks whose text must not run into the next block's in the plain text.
_BLOCKS = frozenset(
    {"p", "li", "h3", "h4", "h5", "h6", "div", "blockquote", "pre", "tr", "td", "th", "br", "hr"}
)


class _TextReader(HTMLParser):
    """Cleaned HTML -> its text: each formula as mathtext writes it, footnotes left out."""

    def __init__(self, limit: int | None) -> None:
        super().__init__(convert_charrefs=True)
        self.limit = limit
        self.parts: list[str] = []
        self.skipped = ""  # the tag of the element being left out
        self.depth = 0  # of elements of that tag open inside it, itself included

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth:
            self.depth += tag == self.skipped
            return
        attributes = dict(attrs)
        if tag == "math":
            if self.limit is None or sum(map(len, "".join(self.parts).split())) <= self.limit:
                self.parts.append(tex_to_text(attributes.get("alttext") or ""))
            self.skipped, self.depth = tag, 1
        elif (tag == "sup" and attributes.get("id")) or "footnote" in (attributes.get("class") or ""):
            self.skipped, self.depth = tag, 1
        elif tag in _BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= tag == self.skipped
        elif tag in _BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.parts.append(data)


def html_text(html: str, limit: int | None) -> str:
    """The text of cleaned HTML (formulas past the first ``limit`` non-space characters may be left out)."""
    reader = _TextReader(limit)
    reader.feed(html)
    reader.close()
    return "".join(reader.parts)
