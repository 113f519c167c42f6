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


# Kinds whose key starts with a paper id, rendered with that paper's page in a
# parallel build's first phase, from the copies of the papers it renders from
# (parallel.py): none of them is left for the processes of the last phase,
# which would otherwise each read, and so copy, the memory of every paper.
WITH_PAPER = frozenset({"paper", "cite"})


def plan_papers(site: Site) -> list[Output]:
    """The paper pages and each paper's cite files (WITH_PAPER): what a cold
    build starts rendering before the rest is planned."""
    routes = Routes(site.config)
    return [*paper.plan(site, routes), *cite.plan_files(site, routes)]


def plan(site: Site, papers: list[Output] | None = None) -> list[Output]:
    """Every file the site will have, in a stable order; ``papers`` is
    plan_papers(site), if made already."""
    routes = Routes(site.config)
    out: list[Output] = []
    for section in SECTIONS:
        if papers is None or section not in (paper, cite):
            out += section.plan(site, routes)
        elif section is paper:
            out += papers  # the paper pages, then the cite files: the order of the two sections
        else:
            out += cite.plan_shared(site, routes)
    out += sitemaps.plan_after(out)
    return out
