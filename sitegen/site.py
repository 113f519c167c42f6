"""build_site(papers, config) -> Site: orderings, tags, days, authors, neighbours.

Pure and single-pass: every grouping is one walk over the sorted papers with
dicts, so the cost stays linear in the number of papers.
"""

from __future__ import annotations

import functools
import hashlib
import unicodedata
from dataclasses import dataclass, replace
from datetime import date

from .citation import assign_keys
from .config import Config
from .model import Paper
from .slugs import Clash, assign_slugs


@dataclass(frozen=True)
class Group:
    """Papers that share a tag or an author, newest first."""

    name: str
    slug: str
    papers: tuple[Paper, ...]
    url: str | None = None  # an author's own page: the newest of their papers that gives one


@dataclass(frozen=True)
class Day:
    day: date
    papers: tuple[Paper, ...]  # the site's order: most upvoted first
    # In listing order: the moment each was listed, then the content's order
    # (the order a curator wrote them in, or a source gave them).
    listed: tuple[Paper, ...] = ()


@dataclass(frozen=True, slots=True)  # one a paper: no __dict__ each
class Neighbours:
    previous: Paper | None
    next: Paper | None


@dataclass(frozen=True)
class Site:
    config: Config
    papers: tuple[Paper, ...]  # newest listing day first, then most upvoted
    days: tuple[Day, ...]  # newest first
    tags: tuple[Group, ...]  # by name
    neighbours: dict[str, Neighbours]  # paper id -> same-day previous/next
    tag_slugs: dict[str, str]  # tag name as written -> slug
    author_slugs: dict[str, str]  # author name as written -> slug
    clashes: tuple[tuple[str, Clash], ...] = ()  # ("tags" or "authors", names kept apart)

    @functools.cached_property
    def slug_digest(self) -> str:
        """What the pages of names kept apart depend on beyond their own
        papers: a later name's page is elsewhere when an earlier one comes.
        Empty without such names (nearly always), so output keys stay as they were."""
        if not self.clashes:
            return ""
        given = [(kind, [(name.casefold(), slug) for name, slug, _ in c.names]) for kind, c in self.clashes]
        return hashlib.blake2b(repr(given).encode(), digest_size=8).hexdigest()

    @functools.cached_property
    def authors(self) -> tuple[Group, ...]:
        """By name. Grouped when first asked for, not by build_site: ~0.5 s at
        100k papers (450k bylines), which a cold build spends while paper pages
        render (they link an author by author_slugs alone)."""
        groups = _group([(a.name, p) for p in self.papers for a in p.authors], self.author_slugs)
        homes: dict[str, str] = {}  # slug -> url, newest paper first
        for author in [a for p in self.papers for a in p.authors if a.url is not None]:
            homes.setdefault(self.author_slugs[author.name], author.url)
        if not homes:
            return groups
        return tuple(replace(g, url=homes.get(g.slug)) if g.slug in homes else g for g in groups)

    @functools.cached_property
    def citation_keys(self) -> dict[str, str]:
        """Paper id -> citation key (citation.py): unique across the site, so
        made from all the papers at once, by build_site."""
        return assign_keys(self.papers)


def page_count(count: int, per_page: int) -> int:
    """Pages needed for ``count`` items; an empty list still has its one page."""
    return max(1, -(-count // per_page))


def _order(papers: list[Paper]) -> list[Paper]:
    # Stable sort: papers equal on every key keep their content order.
    return sorted(
        papers,
        key=lambda p: (-p.day.toordinal(), -(p.upvotes or 0), -p.date.timestamp()),
    )


def _sort_key(name: str) -> str:
    """Alphabetical as a reader expects: "Émile" sorts with "E", not after "Z"."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold() or name


def _group(pairs: list[tuple[str, Paper]], slugs: dict[str, str]) -> tuple[Group, ...]:
    """Group (name, paper) pairs by the slug of name; first spelling seen wins."""
    names: dict[str, str] = {}  # slug -> first spelling
    members: dict[str, list[Paper]] = {}  # slug -> papers
    # spelling -> its slug's papers: one lookup a pair (650k pairs at 100k papers)
    buckets: dict[str, list[Paper]] = {}
    for name, paper in pairs:
        bucket = buckets.get(name)
        if bucket is None:
            slug = slugs[name]
            bucket = members.get(slug)
            if bucket is None:
                bucket = members[slug] = []
                names[slug] = name
            buckets[name] = bucket
        if not bucket or bucket[-1] is not paper:
            bucket.append(paper)
    return tuple(
        Group(names[slug], slug, tuple(members[slug]))
        for slug in sorted(members, key=lambda s: (_sort_key(names[s]), s))
    )


def build_site(papers: list[Paper], config: Config) -> Site:
    ordered = _order(papers)

    by_day: dict[date, list[Paper]] = {}
    for paper in ordered:
        by_day.setdefault(paper.day, []).append(paper)
    as_listed: dict[date, list[Paper]] = {}
    for paper in papers:  # the content's order
        as_listed.setdefault(paper.day, []).append(paper)
    # sorted() is stable: papers listed at one moment keep the content's order
    days = tuple(
        Day(day, tuple(ps), tuple(sorted(as_listed[day], key=lambda p: p.date))) for day, ps in by_day.items()
    )

    neighbours: dict[str, Neighbours] = {}
    for day in days:
        ps = day.papers
        for i, paper in enumerate(ps):
            neighbours[paper.id] = Neighbours(
                ps[i - 1] if i > 0 else None,
                ps[i + 1] if i + 1 < len(ps) else None,
            )

    # In content order, not site order: at 100k papers, walking the papers in
    # the order they were made in memory takes a third less time. The slugs do
    # not depend on the order (see slugs.py).
    tag_slugs = assign_slugs(papers, "tags")
    # Made here, before paper pages render in forked workers, which link each
    # author by this map; the groups themselves wait (Site.authors).
    author_slugs = assign_slugs(papers, "authors")
    site = Site(
        config=config,
        papers=tuple(ordered),
        days=days,
        tags=_group([(tag, p) for p in ordered for tag in p.tags], tag_slugs.of),
        neighbours=neighbours,
        tag_slugs=tag_slugs.of,
        author_slugs=author_slugs.of,
        clashes=tuple(("tags", c) for c in tag_slugs.clashes)
        + tuple(("authors", c) for c in author_slugs.clashes),
    )
    # Every paper page and cite file shows its key: made here, once, before any
    # render worker forks, not in each process (~0.6 s of CPU each at 100k
    # papers, and a dict of every key in each, from every paper's title,
    # authors and dates read, so their memory pages copied, in each fork).
    site.citation_keys  # noqa: B018
    return site
