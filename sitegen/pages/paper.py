"""A paper's own page: abstract, links, BibTeX, its same-day neighbours, related papers."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, NamedTuple

from markupsafe import Markup

from ..outputs import Output
from ..routes import Routes, output_file
from ..site import Site
from ..views import has_words, json_ld
from . import PageKind, paper_digest

if TYPE_CHECKING:
    from ..render import Renderer


class RelatedLink(NamedTuple):
    url: str
    title_html: Markup


def plan(site: Site, routes: Routes) -> list[Output]:
    """Also what a cold build starts rendering before the rest is planned."""
    return [Output(output_file(routes.paper(p.id)), "paper", (p.id,)) for p in site.papers]


# A RelatedLink from a (url, title_html) pair in one C call, not the named tuple's Python __new__.
_related_link = functools.partial(tuple.__new__, RelatedLink)


def _header(renderer: Renderer) -> Markup:
    """What base.html's partial('_header.html', ...) gives every paper page: its route
    'papers/<slug>/' is of section 'papers', and not one the header links to (current none).
    partial() keeps that text too, but a call to it with values costs a page ~7.8k
    instructions (its key made of the values and their types) against ~0.2k here."""
    header = renderer.memo.get(_HEADER)
    if header is None:
        partial = renderer.env.globals["partial"]
        header = renderer.memo[_HEADER] = partial("_header.html", section="papers", current=None)
    return header


_HEADER = "paper.header"


def render(renderer: Renderer, paper_id: str) -> bytes:
    view = renderer.view(paper_id)
    files = renderer.config.citation_files  # the cite files there are to link (None: not made)
    near = renderer.site.neighbours[paper_id]
    routes = renderer.routes
    base, title_html = routes.base_path, renderer.title_html  # renderer.url(route) is base + route
    route = routes.paper(paper_id)
    return renderer.page(
        "paper.html",
        route,
        paper=view,
        title=view.title,
        description=view.summary,
        previous=renderer.view(near.previous.id) if near.previous else None,
        next=renderer.view(near.next.id) if near.next else None,
        json_ld=json_ld(view, renderer.config.title),
        # What the header's data-pagefind-ignore asks: a word in the abstract or note.
        prose_has_words=has_words(f"{view.abstract_html} {view.note_html}"),
        related=[
            _related_link((base + routes.paper(other), title_html(other)))
            for other in renderer.related.get(paper_id, ())
        ],
        citation_key=renderer.site.citation_keys[paper_id],
        header=_header(renderer),
        bibtex_url=base + routes.citation_in(route, "bibtex") if "bibtex" in files else None,
        ris_url=base + routes.citation_in(route, "ris") if "ris" in files else None,
    )


def shows(renderer: Renderer, paper_id: str) -> Any:
    near = renderer.site.neighbours[paper_id]
    # A related paper shows its id (the link) and title: a retitled one re-renders this page.
    related = [(other, renderer.paper(other).title) for other in renderer.related.get(paper_id, ())]
    return (
        paper_digest(renderer.paper(paper_id)),
        [paper_digest(p) for p in (near.previous, near.next) if p],
        related,
        # The citation key too: it changes when another paper comes to share this one's.
        renderer.site.citation_keys[paper_id],
    )


KINDS = {"paper": PageKind(render, shows)}
