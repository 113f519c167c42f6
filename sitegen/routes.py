"""Ids and slugs -> output paths and URLs. The only place URLs are made.

The slugs of tag and author names are made in slugs.py.

A *route* is a site-relative path such as ``papers/2403.09629/`` (pretty URLs:
a folder holding index.html) or ``atom.xml``. ``url()`` prefixes the path
part of base_url, so a site deployed under a sub-path links correctly;
``absolute()`` gives the full URL for feeds, sitemaps and canonical links.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # config checks ids with this module, so no import at run time
    from .config import Config

# What an id may be: a slug id (a letter or digit, then letters, digits, ".", "_"
# and "-") or an old-style arXiv id such as hep-th/9901001 or math.GT/0309136v2;
# neither with ".." nor a "." last (is_valid_id).
_VALID_ID = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9._-]*+(?<!\.)"  # a slug id, not ending in "."
    r"|[a-z-]+(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?"  # an old-style arXiv id
)
_valid = _VALID_ID.fullmatch
_MAX_ID = 200  # characters


def is_valid_id(paper_id: str) -> bool:
    """Whether ``paper_id`` can name a paper's folder inside papers/ (paper_slug's rule)."""
    try:
        paper_slug(paper_id)
    except ValueError:
        return False
    return True


def paper_slug(paper_id: str) -> str:
    """The folder name of a paper: its id, with the old arXiv '/' made safe.
    ValueError for an id that is not valid: none makes a route.

    Each route of a paper asks (~1.5M routes at 100k papers), so the common id
    is settled first by a few C calls: ASCII letters and digits with one "."
    between two of them (2403.09629v2: no "/", "..", "." first or last) is a
    slug id, its own folder name; any other id goes through the pattern.
    tests/unit/test_routes.py checks the rule against the one it replaces."""
    head, _, tail = paper_id.partition(".")
    if head.isalnum() and tail.isalnum() and paper_id.isascii() and len(paper_id) <= _MAX_ID:
        return paper_id
    if len(paper_id) > _MAX_ID or ".." in paper_id or _valid(paper_id) is None:
        raise ValueError(f"unsafe paper id {paper_id!r}")
    return paper_id.replace("/", "-")


def id_key(paper_id: str) -> str:
    """What two ids must not share: the same page, ignoring letter case."""
    return paper_slug(paper_id).casefold()


def checked_id_key(paper_id: str) -> str:
    """id_key of an id is_valid_id has passed (the load's, each once, not twice)."""
    return paper_id.replace("/", "-").casefold()


def output_file(route: str) -> str:
    """Where a route's bytes live inside output/ (a POSIX path): folders get index.html.

    String work, not pathlib: this runs for every page of a 100k-paper site."""
    path = route + "index.html" if route == "" or route.endswith("/") else route
    if path.startswith("/") or ".." in path.split("/"):
        raise ValueError(f"route escapes the output folder: {route!r}")
    return path


def _paged(route: str, page: int) -> str:
    return route if page <= 1 else f"{route}page/{page}/"


class Routes:
    """Route and URL makers for one site configuration."""

    def __init__(self, config: Config) -> None:
        self.base_url = config.base_url
        self.base_path = config.base_path

    # --- routes (site-relative paths) ---
    def home(self, page: int = 1) -> str:
        return _paged("", page)

    def paper(self, paper_id: str) -> str:
        return f"papers/{paper_slug(paper_id)}/"

    def paper_citation(self, paper_id: str, kind: str) -> str:
        """The paper's citation file: 'papers/<slug>/cite.bib' or '.../cite.ris'."""
        return self.citation_in(self.paper(paper_id), kind)

    @staticmethod
    def citation_in(paper_route: str, kind: str) -> str:
        """The citation file of ``kind`` in the folder of a paper's route (``paper()``'s)."""
        return paper_route + _CITATION_FILES[kind]

    def bibliography(self) -> str:
        """Every paper's BibTeX entry, in one file."""
        return "papers.bib"

    def tags(self) -> str:
        return "tags/"

    def tag(self, tag_slug: str, page: int = 1) -> str:
        return _paged(f"tags/{tag_slug}/", page)

    def tag_feed(self, tag_slug: str, kind: str) -> str:
        return f"tags/{tag_slug}/{_FEED_FILES[kind]}"

    def days(self) -> str:
        return "days/"

    def day(self, day: date, order: str = "") -> str:
        """A listing day's page; ``order`` "listed" its papers in listing order."""
        return f"days/{day.isoformat()}/{order + '/' if order else ''}"

    def trending(self, window: str = "") -> str:
        return f"trending/{window + '/' if window else ''}"

    def digest(self, day: date) -> str:
        return f"digest/{day.isoformat()}/"

    def digest_text(self, day: date) -> str:
        return f"digest/{day.isoformat()}.txt"

    def digest_feed(self) -> str:
        return "digest/atom.xml"

    def author(self, author_slug: str, page: int = 1) -> str:
        return _paged(f"authors/{author_slug}/", page)

    def author_feed(self, author_slug: str, kind: str) -> str:
        return f"authors/{author_slug}/{_FEED_FILES[kind]}"

    def authors(self) -> str:
        return "authors/"

    def feed(self, kind: str) -> str:
        return _FEED_FILES[kind]

    def feeds(self) -> str:
        """The page that lists every feed."""
        return "feeds/"

    def opml(self) -> str:
        return "feeds.opml"

    def static(self, name: str) -> str:
        return f"static/{name}"

    def search(self) -> str:
        return "search/"

    # --- URLs ---
    def url(self, route: str) -> str:
        """Root-relative URL, e.g. '/sub/path/papers/x/'."""
        return self.base_path + route

    def absolute(self, route: str) -> str:
        return self.base_url + route


_CITATION_FILES = {"bibtex": "cite.bib", "ris": "cite.ris"}  # the file in a paper's folder, per format
_FEED_FILES = {"atom": "atom.xml", "rss": "rss.xml", "json": "feed.json"}
