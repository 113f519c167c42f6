"""Whole builds: wherever a page or feed needs plain text (the <title>, meta tags, card
summaries, feeds, JSON-LD, BibTeX), a Markdown title and TeX math are shown as text."""

from __future__ import annotations

import json
import re
from html import unescape

import feedparser

from sitegen.build import build
from sitegen.config import load_config
from sitegen.routes import Routes
from tests.sitekit import paper

TITLE = "*Attention* is all you need for $p(x_t \\mid x_{<t})$"
TITLE_TEXT = "Attention is all you need for p(xₜ | x_(<t))"
ABSTRACT = "We bound $p(x_t \\mid x_{<t})$ by $\\mathcal{O}(n^2)$ and **more**."
SUMMARY = "We bound p(xₜ | x_(<t)) by 𝒪(n²) and more."


def _meta(html: str, attribute: str, name: str) -> str:
    match = re.search(rf'<meta {attribute}="{name}" content="([^"]*)"', html)
    assert match, name
    return unescape(match.group(1))


def test_markdown_titles_and_math_are_text_wherever_text_is_needed(site_factory):
    site = site_factory([paper("2403.09629", title=TITLE, abstract=ABSTRACT, authors=["Ann Lee"])])
    build(site)
    out = site / "output"
    page = (out / "papers/2403.09629/index.html").read_text(encoding="utf-8")

    title = unescape(re.search(r"<title>(.*?)</title>", page).group(1))
    assert title == f"{TITLE_TEXT} · Test Papers"
    assert _meta(page, "property", "og:title") == TITLE_TEXT
    assert _meta(page, "name", "twitter:title") == TITLE_TEXT
    assert _meta(page, "name", "citation_title") == TITLE_TEXT
    assert _meta(page, "name", "description") == SUMMARY
    # The heading still shows the Markdown: emphasis and MathML.
    h1 = '<h1 id="paper-title" data-pagefind-meta="title">'
    assert h1 + "<em>Attention</em> is all you need for <math " in page

    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert ld["name"] == TITLE_TEXT and ld["description"] == SUMMARY
    bibtex = unescape(re.search(r"(@misc\{.*?\n\})", page, re.S).group(1))
    assert "title = {{Attention is all you need for p(xₜ | x\\_(<t))}}" in bibtex

    home = (out / "index.html").read_text(encoding="utf-8")
    card_summary = unescape(re.search(r'<p class="summary">(.*?)</p>', home, re.S).group(1))
    assert card_summary == SUMMARY

    for name in (Routes(load_config(site)).feed(kind) for kind in ("atom", "rss")):
        entry = feedparser.parse((out / name).read_bytes()).entries[0]
        assert entry.title == TITLE_TEXT
    item = json.loads((out / Routes(load_config(site)).feed("json")).read_text(encoding="utf-8"))["items"][0]
    assert item["title"] == TITLE_TEXT and item["summary"] == SUMMARY
    # Nowhere plain text is made does the TeX source or a Markdown mark show.
    for text in (title, card_summary, item["title"], item["summary"], ld["name"]):
        assert "$" not in text and "*" not in text and "\\" not in text
