"""A listing day as an email: what each paper shows (plain text and absolute
URLs only), the plain-text twin, and the size budget (docs/reading.md)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass

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
    names = [a.name for a in view.authors]
    authors = ", ".join(names[:AUTHORS_SHOWN])
    if len(names) > AUTHORS_SHOWN:
        authors += f" and {len(names) - AUTHORS_SHOWN} more"
    links = tuple((link.label, absolute_url(link.url, routes)) for link in view.links if link.name in _LINKS)
    return DigestItem(
        title=view.title,
        url=view.abs_url,
        authors=authors,
        summary=view.summary,  # plain text, math as Unicode (mathtext.py), cut short
        upvotes=view.upvotes,
        tags=", ".join(view.paper.tags),
        links=tuple((label, url) for label, url in links if url.startswith(("https://", "http://"))),
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
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent) or [indent.rstrip()]


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
