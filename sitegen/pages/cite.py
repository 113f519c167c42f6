"""Citation files: each paper's cite.bib and cite.ris (those ``citation_files`` in
site.yaml asks for), and papers.bib with every paper's BibTeX entry, always
(sitegen/citation.py makes the text)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from ..citation import Citation, bibtex, make_citation, ris
from ..feedrecords import RECORDS, Records
from ..markup import plain_text
from ..model import Paper
from ..outputs import Output
from ..routes import Routes
from ..site import Site
from ..views import arxiv_id_of, paper_titles
from . import PageKind, paper_digest

if TYPE_CHECKING:
    from ..render import Renderer


def plan(site: Site, routes: Routes) -> list[Output]:
    return [*plan_files(site, routes), *plan_shared(site, routes)]


def plan_files(site: Site, routes: Routes) -> list[Output]:
    """Each paper's own cite files: rendered with its page (siteplan.WITH_PAPER)."""
    kinds = site.config.citation_files
    return [Output(routes.paper_citation(p.id, f), "cite", (p.id, f)) for p in site.papers for f in kinds]


def plan_shared(site: Site, routes: Routes) -> list[Output]:
    return [Output(routes.bibliography(), "bibliography")]


def _citation(renderer: Renderer, paper: Paper) -> Citation:
    """As the paper page's BibTeX block has it (views.make_view): the same
    plain-text title (views.paper_titles), key and URL."""
    title = paper_titles(paper, renderer.config.markdown)[1]
    page_url = renderer.routes.absolute(renderer.routes.paper(paper.id))
    return make_citation(paper, renderer.site.citation_keys[paper.id], title, arxiv_id_of(paper), page_url)


def render(renderer: Renderer, paper_id: str, kind: str) -> bytes:
    # Rendered with the paper's page (siteplan.WITH_PAPER), whose view holds the
    # citation and its BibTeX entry already: made once, not once a file.
    view = renderer.view(paper_id)
    if kind == "bibtex":
        return (view.bibtex + "\n").encode("utf-8")
    abstract = renderer.abstract_text(paper_id)  # made with the view (Renderer.prepare_views)
    if abstract is None:
        paper = view.paper
        abstract = plain_text(paper.abstract, None, renderer.config.markdown) if paper.abstract else ""
    return ris(view.citation, abstract).encode("utf-8")


def shows(renderer: Renderer, paper_id: str, kind: str) -> Any:
    # The key too: it changes when another paper comes to share this one's.
    return paper_digest(renderer.paper(paper_id)), renderer.site.citation_keys[paper_id]


def _by_key(renderer: Renderer) -> list[Paper]:
    keys = renderer.site.citation_keys
    return sorted(renderer.site.papers, key=lambda p: keys[p.id])


def render_bibliography(renderer: Renderer) -> bytes:
    # A parallel build's entries made with the paper pages (feedrecords.BIBTEX), the rest here.
    records: Records | None = renderer.memo.get(RECORDS)
    made = records.bibtex() if records is not None else {}
    entries = [  # whole: a parallel build sets the papers' links aside (setaside.py)
        made.get(paper.id) or bibtex(_citation(renderer, renderer.whole(paper.id)))
        for paper in _by_key(renderer)
    ]
    return "".join(entry + "\n\n" for entry in entries).encode("utf-8")


def bibliography_shows(renderer: Renderer) -> Any:
    """A digest of every (key, paper digest), hashed a paper at a time (see sitemaps.shows)."""
    keys, h = renderer.site.citation_keys, hashlib.blake2b(digest_size=16)
    for paper in _by_key(renderer):
        h.update(f"{keys[paper.id]}\n{paper_digest(paper)}\n".encode())
    return h.hexdigest()


KINDS = {"cite": PageKind(render, shows), "bibliography": PageKind(render_bibliography, bibliography_shows)}
