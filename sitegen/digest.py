"""A listing day as an email: what each paper shows (plain text and absolute
URLs only), the plain-text twin, and the size budget (docs/reading.md)."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import attrgetter

from .routes import Routes
from .views import PaperView, absolute_url

# Gmail clips a message past 102 KB and hides the rest behind a link; an
# HTML digest stays under this many bytes, with fewer papers if it must.
BUDGET = 100_000
# Days in digest/atom.xml, newest first: an RSS-to-email service reads it
# daily, and each entry holds a whole day's list.
FEED_DAYS = 10
WIDTH = 72  # columns of the plain-text digest
AUTHORS_SHOWN = 10  # then "and N more": a paper may have 1,000 authors
_LINKS = ("arxiv", "pdf", "code")  # the links an email shows besides the paper's page
_NAME = attrgetter("name")


@dataclass(frozen=True, slots=True)
class DigestItem:
    """One paper as a digest shows it: plain text and absolute URLs."""

    title: str
    url: str
    authors: str
    summary: str
    upvotes: int | None
    tags: str
    links: tuple[tuple[str, str], ...]  # (label, absolute URL)


def digest_item(view: PaperView, routes: Routes) -> DigestItem:
    return DigestItem(*digest_fields(view, routes))


def digest_fields(view: PaperView, routes: Routes) -> tuple:
    """A ``DigestItem``'s fields, in its order: what a feed record keeps of the
    paper (marshalled, with no frozen dataclass made of them first)."""
    named = view.authors
    authors = ", ".join(map(_NAME, named[:AUTHORS_SHOWN]))
    if len(named) > AUTHORS_SHOWN:
        authors += f" and {len(named) - AUTHORS_SHOWN} more"
    links = []
    for name, label, url in view.links:
        if name in _LINKS:
            url = absolute_url(url, routes)
            if url.startswith(("https://", "http://")):
                links.append((label, url))
    return (
        view.title,
        view.abs_url,
        authors,
        view.summary,  # plain text, math as Unicode (mathtext.py), cut short
        view.paper.upvotes,
        ", ".join(view.paper.tags),
        tuple(links),
    )


def fitting(render: Callable[[int], bytes], count: int, budget: int = BUDGET) -> tuple[int, bytes]:
    """The most papers (up to ``count``) whose digest ``render(n)`` stays within
    ``budget`` bytes, and that digest. A digest of no papers always fits."""
    page = render(count)
    if len(page) <= budget or count == 0:
        return count, page
    low, high, best = 0, count - 1, render(0)  # best: the digest of ``low`` papers
    while low < high:
        middle = (low + high + 1) // 2
        candidate = render(middle)
        if len(candidate) <= budget:
            low, best = middle, candidate
        else:
            high = middle - 1
    return low, best


def _wrapped(text: str, indent: str = "") -> list[str]:
    return wrap(text, indent) or [indent.rstrip()]


# textwrap's whitespace: each of these is a space once it has cut a text into chunks.
_AS_SPACE = str.maketrans(dict.fromkeys("\n\x0b\x0c\r", " "))
_RUN = re.compile(r" +|[^ ]+")
_WORD_PARTS = textwrap.TextWrapper.wordsep_re  # where textwrap may break a word (at hyphens)
# Whitespace that textwrap keeps in a word but drops as a chunk of its own (str.strip() takes it).
_OTHER_SPACE = re.compile(r"[^\S\t\n\x0b\x0c\r ]")


def _lines_of_words(text: str, indent: str, width: int) -> list[str] | None:
    """What ``wrap`` gives for a text of words between single spaces (no space
    first or last, no other whitespace): each line the most words that fit, cut
    at the last space. None if a word is longer than a line, or if the word
    that did not fit has a hyphen: textwrap might put part of it on the line
    (every place it breaks a word is at a hyphen)."""
    lines, start, end_of_text = [], 0, len(text)
    hyphens = "-" in text
    while start < end_of_text:
        end = start + width
        if end >= end_of_text:
            lines.append(indent + text[start:])
            break
        cut = end if text[end] == " " else text.rfind(" ", start, end)
        if cut <= start:
            return None
        if hyphens and cut < end:
            after = text.find(" ", end)
            if "-" in text[cut + 1 : after if after != -1 else end_of_text]:
                return None
        lines.append(indent + text[start:cut])
        start = cut + 1
    return lines


def _chunks(text: str) -> list[str]:
    """textwrap's chunks of ``text`` (no tab in it, its line breaks made spaces): runs of spaces, and runs of
    the rest, each cut where textwrap may break it. Its pattern for that tries
    hyphens at each character (~80% of the plain-text digest's time): it runs
    here only on a run with a hyphen, and its looks behind and ahead reach no
    further than the run's own characters and a space or the text's end either way."""
    chunks: list[str] = []
    for run in _RUN.findall(text):
        if "-" in run:
            chunks += [part for part in _WORD_PARTS.split(run) if part]
        else:
            chunks.append(run)
    return chunks


def wrap(text: str, indent: str) -> list[str]:
    """``textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent)``,
    ~4x faster for a text with no tab and no word longer than a line: the lines
    are filled from ``_chunks`` as textwrap's ``_wrap_chunks`` fills them; any
    other text goes to textwrap. tests/unit/test_digest_wrap.py checks the two agree."""
    width = WIDTH - len(indent)
    if "\t" not in text and width > 0:
        # str.translate looks each character up: most texts have no line break to change.
        breaks = "\n" in text or "\r" in text or "\x0b" in text or "\x0c" in text
        words = text.translate(_AS_SPACE) if breaks else text
        odd = "  " in words or words[:1] == " " or words[-1:] == " "
        if not (odd or _OTHER_SPACE.search(words)):
            lines = _lines_of_words(words, indent, width)
            if lines is not None:
                return lines
    chunks = _chunks(text.translate(_AS_SPACE)) if "\t" not in text and width > 0 else None
    if chunks is None or any(len(chunk) > width for chunk in chunks):
        return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent)
    chunks.reverse()
    lines: list[str] = []
    while chunks:
        if lines and chunks[-1].strip() == "":  # no line but the first starts with a space
            del chunks[-1]
        line, used = [], 0
        while chunks and used + len(chunks[-1]) <= width:
            used += len(chunks[-1])
            line.append(chunks.pop())
        if line and line[-1].strip() == "":  # nor ends with one
            del line[-1]
        if line:
            lines.append(indent + "".join(line))
    return lines


def render_text(
    heading: str, intro: str, page_url: str, items: Sequence[DigestItem], more: int, footer: str
) -> bytes:
    """The plain-text digest: wrapped at WIDTH columns, except URLs, which are
    never broken (a mail client links them only whole)."""
    lines = [*_wrapped(heading), *_wrapped(intro), page_url, ""]
    for number, item in enumerate(items, 1):
        mark = f"{number}. "
        indent = " " * len(mark)
        title = _wrapped(item.title, indent)
        lines.append(mark + title[0][len(indent) :])
        lines += title[1:]
        if item.authors:
            lines += _wrapped(item.authors, indent)
        lines.append(indent + item.url)
        if item.summary:
            lines += _wrapped(item.summary, indent)
        details = [f"{item.upvotes} upvotes" if item.upvotes is not None else "", item.tags]
        if any(details):
            lines += _wrapped(" | ".join(d for d in details if d), indent)
        lines.append("")
    if more:
        lines += [*_wrapped(f"... and {more} more on the site:"), page_url, ""]
    lines += _wrapped(footer)
    return ("\n".join(lines) + "\n").encode("utf-8")
