"""Paper -> PaperView: everything a template or feed shows about one paper.

Built once per paper and shared by its page, its cards on every list and
its feed entries, because Markdown and math rendering are the costly part.
"""

from __future__ import annotations

import functools
import operator
import re
from dataclasses import dataclass
from datetime import date, datetime
from json.encoder import encode_basestring_ascii as _json_string  # C; as json.dumps()
from typing import NamedTuple

from markupsafe import Markup, escape

from .citation import Citation, bibtex, make_citation
from .markdown_settings import DEFAULT_MARKDOWN, MarkdownSettings
from .markup import plain_text, render_markdown, render_title, render_with_summary, render_with_text
from .model import Author, Paper
from .routes import Routes
from .site import Site
from .urls import encode_url

_NEW_ARXIV = re.compile(r"\d{4}\.\d{4,5}(v\d+)?")
_OLD_ARXIV = re.compile(r"[a-z-]+(\.[A-Z]{2})?/\d{7}(v\d+)?")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/([^?#]+?)(?:\.pdf)?/?(?:[?#].*)?$")
_WORD = re.compile(r"\w")
# What Markup.striptags cuts away or keeps, up to the first word character, "&" or
# unclosed tag or comment: text without either, whole comments, whole tags (see has_words).
_NO_WORD_YET = re.compile(r"(?:[^<&\w]+|<!--.*?-->|<(?!!--)[^>]*>)*", re.S)
_WORD_OR_AMP = re.compile(r"[\w&]")
_LINK_LABELS = {
    "arxiv": "arXiv",
    "pdf": "PDF",
    "code": "Code",
    "project": "Project page",
    "doi": "DOI",
    "video": "Video",
    "slides": "Slides",
    "blog": "Blog post",
    "openreview": "OpenReview",
}
DESCRIPTION_LIMIT = 200
_NO_HTML = Markup("")  # most papers have no note: one empty Markup for them all (~0.8 µs each)
# Markup of a str, made as Markup(text) makes it (str.__new__), without its Python __new__.
_markup = functools.partial(str.__new__, Markup)
_WEB = ("https://", "http://")


# Link, PaperView and Prose are named tuples, not frozen dataclasses: as
# immutable, read by templates the same way (an attribute each), and made in a
# C call where a frozen dataclass sets each field through object.__setattr__:
# ~1 µs a Link, ~5 µs a PaperView (20 fields) less, for every paper of a build.
# Here made by _link, _view and _prose from a tuple of their fields, in that C
# call, without the Python __new__ namedtuple writes in front of it.
class Link(NamedTuple):
    name: str
    label: str
    url: str


_link = functools.partial(tuple.__new__, Link)


@dataclass(frozen=True)
class Named:
    """A name with the URL of its page (a tag, an author)."""

    name: str
    url: str
    detail: str | None = None
    home: Link | None = None  # an author's own page (their ``url``), beside the name

    @functools.cached_property
    def pagefind_filter(self) -> Markup:
        """The name as a ``data-pagefind-filter`` value shows it:
        ``name|forceescape|forceescape|forceescape`` (Pagefind decodes it twice
        and shows it as HTML), made once a tag (NameLinks keeps each tag's
        Named), not three filter calls on every paper page (~7 µs a page)."""
        return escape(str(escape(str(escape(self.name)))))


class PaperView(NamedTuple):
    paper: Paper
    id: str
    title: str
    title_html: Markup
    url: str
    abs_url: str
    authors: tuple[Named, ...]
    tags: tuple[Named, ...]
    links: tuple[Link, ...]
    day_url: str
    abstract_html: Markup
    note_html: Markup
    summary: str
    arxiv_id: str | None
    pdf_url: str | None
    thumbnail: str | None  # as pages link it: site-rooted for a path of the site
    thumbnail_abs_url: str | None  # absolute, for og:image, twitter:image, JSON-LD and feeds
    bibtex: str
    citation: Citation  # what ``bibtex`` says, for the paper's cite files (pages/cite.py)
    # The paper's, as fields: a property is a Python call each time a template reads it.
    day: date
    upvotes: int | None


_view = functools.partial(tuple.__new__, PaperView)


def arxiv_id_of(paper: Paper) -> str | None:
    if _NEW_ARXIV.fullmatch(paper.id) or _OLD_ARXIV.fullmatch(paper.id):
        return paper.id
    url = paper.link("arxiv")
    match = _ARXIV_URL.search(url) if url else None
    if match and (_NEW_ARXIV.fullmatch(match.group(1)) or _OLD_ARXIV.fullmatch(match.group(1))):
        return match.group(1)  # shown in BibTeX and meta tags, and made into links: an id, nothing else
    return None


def absolute_url(url: str, routes: Routes) -> str:
    """Feeds and meta tags need absolute URLs; ``url`` is already site-rooted."""
    if url.startswith("/") and not url.startswith("//"):
        return routes.absolute(url.removeprefix(routes.base_path))
    return url


def _absolute_image(url: str, routes: Routes) -> str:
    """``url`` as ``site_url`` made it, absolute: a scheme-relative one
    (``//cdn.example.org/x.png``) takes base_url's scheme."""
    if url.startswith("//"):
        return routes.base_url.split(":", 1)[0] + ":" + url
    return absolute_url(url, routes)


def _is_relative(url: str) -> bool:
    # Any letter case: the loader accepts "HTTPS://" and "MAILTO:" as well.
    return _SCHEME.match(url) is None and not url.startswith("//")


def site_url(url: str, routes: Routes) -> str:
    """A content URL as pages and feeds show it: a relative link means a file of
    this site and gets the base path; then percent-encoded (see urls.py)."""
    return encode_url(routes.url(url.lstrip("/")) if _is_relative(url) else url)


def author_home(url: str, routes: Routes) -> Link:
    """An author's ``url`` (checked by the loader like every link) as a link
    beside their name: 'email' for a mailto URL, else 'homepage'."""
    label = "email" if url.lower().startswith("mailto:") else "homepage"
    return Link(label, label, site_url(url, routes))


def _doi_url(doi: str) -> str:
    # In a DOI, "#" and "?" are part of the name, not a fragment or a query.
    return "https://doi.org/" + encode_url(doi).replace("#", "%23").replace("?", "%3F")


def _links(paper: Paper, arxiv_id: str | None, routes: Routes) -> tuple[tuple[Link, ...], str | None]:
    """The paper's links as pages show them, and the URL of the first "pdf" of them."""
    links = []
    pdf = None
    arxiv = (f"https://arxiv.org/abs/{arxiv_id}", f"https://arxiv.org/pdf/{arxiv_id}") if arxiv_id else ()
    # An arXiv paper's own arXiv links, of an ASCII id, are all URL characters: encode_url keeps them.
    kept = arxiv if arxiv_id and arxiv_id.isascii() else ()
    for name, url in paper.links:
        if url.startswith(_WEB):  # nearly every link: site_url's answer, without its checks
            if url not in kept:
                url = encode_url(url)
        elif name == "doi" and _is_relative(url):
            url = _doi_url(url)
        else:
            url = site_url(url, routes)
        links.append(_link((name, _LINK_LABELS.get(name) or name.replace("_", " ").capitalize(), url)))
        if name == "pdf" and pdf is None:
            pdf = url
    if arxiv:
        given = {link.name for link in links}
        if "arxiv" not in given:
            links.insert(0, Link("arxiv", "arXiv", arxiv[0]))
        if "pdf" not in given:
            links.insert(1, Link("pdf", "PDF", arxiv[1]))
            pdf = arxiv[1]
    return tuple(links), pdf


class Prose(NamedTuple):
    """The costly, Markdown-derived parts of a view: plain strings, cheap to send
    between processes."""

    title_html: str
    abstract_html: str
    note_html: str
    summary: str
    title: str  # plain text: for <title>, meta tags, feeds, JSON-LD and BibTeX
    # The abstract's whole plain text (markup.plain_text), when asked: cite.ris shows it.
    abstract_text: str | None = None


_prose = functools.partial(tuple.__new__, Prose)


def render_prose(paper: Paper, markdown: MarkdownSettings = DEFAULT_MARKDOWN, whole: bool = False) -> Prose:
    """``markdown``: the site's Markdown settings (config.markdown); ``whole``:
    with the abstract's whole plain text, from the same parse."""
    abstract, abstract_text = paper.abstract or "", None
    if whole:
        abstract_html, summary, abstract_text = render_with_text(abstract, DESCRIPTION_LIMIT, markdown)
    else:
        abstract_html, summary = render_with_summary(abstract, DESCRIPTION_LIMIT, markdown)
    note_html = render_markdown(paper.note, markdown) if paper.note else ""
    if not summary:  # no abstract: describe the paper by its note, or its title
        summary = plain_text(paper.note or paper.title, DESCRIPTION_LIMIT, markdown)
    title_html, title = paper_titles(paper, markdown)
    return _prose((title_html, abstract_html, note_html, summary, title, abstract_text))


def paper_titles(paper: Paper, markdown: MarkdownSettings = DEFAULT_MARKDOWN) -> tuple[str, str]:
    """A paper's title as HTML and as plain text (what <title>, meta tags, feeds
    and citations show; the title as written if its Markdown leaves no text)."""
    title_html, title = render_title(paper.title, markdown)
    return title_html, title or paper.title


class NameLinks:
    """The Named link of each author and tag, made once and shared by every
    view that shows it: a name recurs on many papers (at 100k papers, 450k
    bylines name 33k authors), and making a Named and its URL costs ~1 µs."""

    def __init__(self, site: Site, routes: Routes) -> None:
        self._site = site
        self._routes = routes
        self._authors: dict[tuple[str, str | None, str | None], Named] = {}
        self._tags: dict[str, Named] = {}
        self._days: dict[date, str] = {}  # a listing day's page URL (date.isoformat: ~0.5 µs)

    def author(self, author: Author) -> Named:
        key = (author.name, author.affiliation, author.url)
        named = self._authors.get(key)
        if named is None:
            # The slug of the author's page, as site.py gave it to every spelling.
            route = self._routes.author(self._site.author_slugs[author.name])
            home = author_home(author.url, self._routes) if author.url else None
            named = Named(author.name, self._routes.url(route), author.affiliation, home)
            self._authors[key] = named
        return named

    def tag(self, tag: str) -> Named:
        named = self._tags.get(tag)
        if named is None:
            named = self._tags[tag] = Named(
                tag, self._routes.url(self._routes.tag(self._site.tag_slugs[tag]))
            )
        return named

    def day_url(self, day: date) -> str:
        url = self._days.get(day)
        if url is None:
            url = self._days[day] = self._routes.url(self._routes.day(day))
        return url


def make_view(
    paper: Paper, site: Site, routes: Routes, prose: Prose | None = None, names: NameLinks | None = None
) -> PaperView:
    """``names``: links made for earlier views, to reuse (a renderer keeps one)."""
    prose = prose or render_prose(paper, site.config.markdown)
    names = names or NameLinks(site, routes)
    paper_id = paper.id
    route = routes.paper(paper_id)
    arxiv_id = arxiv_id_of(paper)
    links, pdf = _links(paper, arxiv_id, routes)
    if pdf and pdf[0] == "/":  # else absolute_url gives it as it is
        pdf = absolute_url(pdf, routes)
    abs_url = routes.absolute(route)
    thumbnail = site_url(paper.thumbnail, routes) if paper.thumbnail else None
    citation = make_citation(paper, site.citation_keys[paper_id], prose.title, arxiv_id, abs_url)
    return _view((  # PaperView's fields, in their order
        paper, paper_id, prose.title, _markup(prose.title_html), routes.url(route), abs_url,
        tuple(map(names.author, paper.authors)), tuple(map(names.tag, paper.tags)), links,
        names.day_url(paper.day),
        _markup(prose.abstract_html) if prose.abstract_html else _NO_HTML,
        _markup(prose.note_html) if prose.note_html else _NO_HTML,
        prose.summary, arxiv_id, pdf or None, thumbnail,
        _absolute_image(thumbnail, routes) if thumbnail else None,  # thumbnail_abs_url
        bibtex(citation), citation, paper.day, paper.upvotes,
    ))  # fmt: skip


_PEOPLE = '},{"@type":"Person","name":'
_name_of = operator.attrgetter("name")


# The ISO text of the days JSON-LD has shown (date.isoformat ~0.5 µs, twice a page), let go past 1,024.
_iso_days: dict[date, str] = {}


def _iso_day(moment: datetime) -> str:
    day = moment.date()
    text = _iso_days.get(day)
    if text is None:
        if len(_iso_days) >= 1024:
            _iso_days.clear()
        text = _iso_days[day] = day.isoformat()
    return text


def json_ld(view: PaperView, site_title: str) -> Markup:
    """schema.org ScholarlyArticle, safe to place inside a <script> element.

    Written directly, not with json.dumps of a dict: the fields are fixed,
    and every string goes through the C string encoder that json.dumps
    itself uses. The dict and the encoder json.dumps makes for each call
    cost ~15 µs of every paper page. ASCII, with \\u escapes, as json.dumps
    writes by default: a summary's "…" would otherwise make the whole page
    a str that is slow to encode (see charrefs).
    tests/unit/test_views.py checks the text against json.dumps."""
    paper = view.paper
    name = _json_string(view.title)
    out = [
        '{"@context":"https://schema.org","@type":"ScholarlyArticle","headline":',
        name if len(view.title) <= 110 else _json_string(view.title[:110]),
        ',"name":',
        name,
        ',"url":',
        _json_string(view.abs_url),
        ',"datePublished":"',
        _iso_day(paper.published or paper.date),  # digits and dashes: nothing to escape
        '","dateModified":"',
        _iso_day(paper.modified),
        '","description":',
        _json_string(view.summary),
        ',"isPartOf":{"@type":"WebSite","name":',
        _json_string(site_title),
        "}",
    ]
    if paper.authors:  # the names' JSON strings by map, in C: no generator
        names = _PEOPLE.join(map(_json_string, map(_name_of, paper.authors)))
        out += (',"author":[{"@type":"Person","name":', names, "}]")
    if paper.tags:
        out += (',"keywords":', _json_string(", ".join(paper.tags)))
    if view.arxiv_id:
        out += (',"identifier":', _json_string(f"arXiv:{view.arxiv_id}"))
    if view.thumbnail_abs_url:
        out += (',"image":', _json_string(view.thumbnail_abs_url))
    if view.pdf_url:
        out += (
            ',"encoding":{"@type":"MediaObject","contentUrl":',
            _json_string(view.pdf_url),
            ',"encodingFormat":"application/pdf"}',
        )
    out.append("}")
    # "</script>" or "<!--" inside a title must not end or alter the element.
    # Each looked for first: "in" finds a character by memchr, where replace counts them one by one.
    text = "".join(out)
    if "<" in text:
        text = text.replace("<", "\\u003c")
    if ">" in text:
        text = text.replace(">", "\\u003e")
    if "&" in text:
        text = text.replace("&", "\\u0026")
    return _markup(text)


def has_words(html: str) -> bool:
    """Whether ``Markup(html).striptags()`` holds a word: what the paper page's
    ``|striptags|wordcount`` asked of the abstract and note, ~50 µs a page (each
    tag of a formula's MathML a piece, all unescaped, every word counted).

    Here what striptags cuts away (whole tags and comments) and keeps (the text
    between them) is passed over, in one pattern, up to the first word character,
    "&" or tag or comment left open: a word character with no "&" before it is in
    the stripped text (a character reference starts at "&"); after a tag or
    comment left open, the rest is text, as striptags keeps it. An "&" first,
    and the whole text goes through striptags itself.
    tests/unit/test_views.py checks the two agree."""
    at = _NO_WORD_YET.match(html).end()
    if at == len(html):
        return False
    if html[at] == "<":  # a tag or comment left open: the rest is text
        found = _WORD_OR_AMP.search(html, at)
        if found is None:
            return False
        at = found.start()
    if html[at] == "&":
        return _WORD.search(Markup(html).striptags()) is not None
    return True
