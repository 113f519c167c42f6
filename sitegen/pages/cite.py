"""Citation files: each paper's cite.bib and cite.ris (those ``citation_files`` in
site.yaml asks for), and papers.bib with every paper's BibTeX entry, always
(sitegen/citation.py makes the text)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from .. import bibstore
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
    return ris(view.citation, abstract, spaced=True).encode("utf-8")  # markup's plain text is one-spaced


def shows(renderer: Renderer, paper_id: str, kind: str) -> Any:
    # The key too: it changes when another paper comes to share this one's.
    return paper_digest(renderer.paper(paper_id)), renderer.site.citation_keys[paper_id]


def _by_key(renderer: Renderer) -> list[Paper]:
    keys = renderer.site.citation_keys
    return sorted(renderer.site.papers, key=lambda p: keys[p.id])


def render_bibliography(renderer: Renderer) -> bytes:
    """Every paper's BibTeX entry, by key, each followed by a blank line. An
    entry kept from the last build (bibstore.py) is taken as it is where its
    paper and key are the same; the rest are a parallel build's, made with the
    paper pages (feedrecords.BIBTEX), or made here."""
    records: Records | None = renderer.memo.get(RECORDS)
    made = records.bibtex() if records is not None else {}
    keys, store = renderer.site.citation_keys, renderer.bib_store

    def make(paper_id: str) -> str:  # whole: a parallel build sets the papers' links aside (setaside.py)
        return made.get(paper_id) or bibtex(_citation(renderer, renderer.whole(paper_id)))

    kept = bibstore.read(store, renderer.theme_digest) if store is not None else None
    papers = ((p.id, paper_digest(p), keys[p.id]) for p in _by_key(renderer))
    data, rows, fresh = bibstore.assemble(papers, make, kept)
    if store is not None and (fresh or kept is None or kept.ids != rows[0]):
        bibstore.write(store, renderer.theme_digest, rows, data)
    return data


def bibliography_shows(renderer: Renderer) -> Any:
    """A digest of every (key, paper digest), hashed a paper at a time (see sitemaps.shows)."""
    keys, h = renderer.site.citation_keys, hashlib.blake2b(digest_size=16)
    for paper in _by_key(renderer):
        h.update(f"{keys[paper.id]}\n{paper_digest(paper)}\n".encode())
    return h.hexdigest()


KINDS = {"cite": PageKind(render, shows), "bibliography": PageKind(render_bibliography, bibliography_shows)}
