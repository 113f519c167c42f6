"""plan(site) -> every output file, in a stable order; KINDS, how each kind
renders. Adding a page kind: a module in pages/ and a line in SECTIONS."""

from __future__ import annotations

from .outputs import Output
from .pages import (
    PageKind,
    authors,
    cite,
    days,
    digest,
    feed,
    feedlist,
    fixed,
    home,
    paper,
    search,
    sitemaps,
    tags,
    trending,
)
from .routes import Routes
from .site import Site

# The page kinds' modules, in the order their outputs are planned. The
# sitemaps come after all of them: they list the HTML pages planned before.
SECTIONS = (home, paper, cite, tags, days, authors, feed, feedlist, search, trending, digest, fixed)

KINDS: dict[str, PageKind] = {
    name: kind for section in (*SECTIONS, sitemaps) for name, kind in section.KINDS.items()
}


def plan_papers(site: Site) -> list[Output]:
    """The paper pages: what a cold build starts rendering before the rest is planned."""
    return paper.plan(site, Routes(site.config))


def plan(site: Site, papers: list[Output] | None = None) -> list[Output]:
    """Every file the site will have, in a stable order; ``papers`` is
    plan_papers(site), if made already."""
    routes = Routes(site.config)
    out: list[Output] = []
    for section in SECTIONS:
        out += papers if section is paper and papers is not None else section.plan(site, routes)
    out += sitemaps.plan_after(out)
    return out
