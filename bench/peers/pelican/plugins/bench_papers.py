"""The bench's Pelican plugin: Jinja filters for the pages sitegen makes that Pelican's
templates can make too (citation data, trending). Pelican writes no per-article file but
the article page, so there is no cite.bib or cite.ris here (bench/README.md)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from pelican import signals


def citekey(article) -> str:
    last = re.sub(r"[^a-z0-9]", "", article.authors[0].name.split()[-1].lower())
    word = re.sub(r"[^a-z0-9]", "", article.title.split()[0].lower())
    return f"{last}{article.date.year}{word}"


def bibtex(article) -> str:
    authors = " and ".join(a.name for a in article.authors)
    return (
        f"@misc{{{citekey(article)},\n  title = {{{{{article.title}}}}},\n  author = {{{authors}}},\n"
        f"  year = {{{article.date.year}}},\n  eprint = {{{article.slug}}},\n  archivePrefix = {{arXiv}},\n"
        f"  url = {{https://arxiv.org/abs/{article.slug}}}\n}}"
    )


def json_ld(article, siteurl: str, sitename: str) -> str:
    url = f"{siteurl}/{article.url}"
    data = {
        "@context": "https://schema.org",
        "@type": "ScholarlyArticle",
        "headline": article.title,
        "name": article.title,
        "url": url,
        "datePublished": article.date.date().isoformat(),
        "isPartOf": {"@type": "WebSite", "name": sitename},
        "author": [{"@type": "Person", "name": a.name} for a in article.authors],
        "keywords": ", ".join(t.name for t in getattr(article, "tags", [])),
        "identifier": f"arXiv:{article.slug}",
    }
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


def trending(articles, days: int | None, limit: int = 50) -> list:
    """sitegen/trending.py's ranking: upvotes * 0.5 ** (age / days) within the last `days`
    listing days' span, newest listing day as the reference; all time: upvotes alone."""
    if not articles:
        return []
    reference = max(a.date for a in articles)
    scored = []
    for a in articles:
        upvotes = int(getattr(a, "upvotes", 0) or 0)
        age = (reference - a.date) / timedelta(days=1)
        if upvotes and (days is None or age < days):
            scored.append((upvotes if days is None else upvotes * 0.5 ** (age / days), upvotes, a))
    scored.sort(key=lambda s: (-s[0], -s[1]))
    return [a for _, _, a in scored[:limit]]


def add_filters(generator) -> None:
    generator.env.filters.update(citekey=citekey, bibtex=bibtex, json_ld=json_ld, trending=trending)


def register() -> None:
    signals.generator_init.connect(add_filters)
