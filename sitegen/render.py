"""plan(site) -> [Output]; Renderer turns one Output into bytes.

An Output names a file inside output/ and how to make it (a kind and a key),
so the full list is known before anything renders, two outputs can never
claim the same file, and the work can later be split across processes.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from . import __version__
from .cardstore import CardStore
from .errors import OutputError, Problem, ThemeError
from .feeds import FeedEntry, FeedInfo, render_atom, render_json_feed, render_rss
from .model import Paper
from .routes import Routes, output_file
from .site import Group, Site, page_count
from .sitemap import SITEMAP_LIMIT, render_sitemap, render_sitemap_index, sitemap_dates, sitemap_entries
from .theme import Theme, make_environment, read_static, static_files, theme_digest
from .views import Named, NameLinks, PaperView, Prose, json_ld, make_view, render_prose
from .wording import counted

_FEED_TYPES = {"atom": "application/atom+xml", "rss": "application/rss+xml", "json": "application/feed+json"}
_FEED_TITLES = {"atom": "Atom", "rss": "RSS", "json": "JSON Feed"}


@dataclass(frozen=True, slots=True)  # one per file: 150k of them at 100k papers
class Output:
    path: str  # POSIX path inside output/
    kind: str
    key: tuple = ()


@dataclass(frozen=True, slots=True)
class FeedLink:
    title: str
    label: str  # the format's name: "Atom", "RSS", "JSON Feed"
    type: str
    url: str


# Template values are objects, not dicts: Jinja tries attribute access first, and
# a dict's failed getattr raises an exception for every {{ group.day }}, which
# cost a tag page more than its cards.
@dataclass(frozen=True, slots=True)
class DayGroup:
    day: date | None
    url: str | None
    cards: list[Markup]


@dataclass(frozen=True, slots=True)
class DayLink:
    day: date
    url: str
    count: int


@dataclass(frozen=True, slots=True)
class Month:
    label: str
    days: list[DayLink]


@dataclass(frozen=True, slots=True)
class PageLink:
    """One entry of a pager's run of page numbers."""

    number: int | None  # None: a gap ("…") standing for the pages left out
    url: str | None
    far: bool = False  # two away from the current page: themes may hide it on small screens


@dataclass(frozen=True)
class Pager:
    number: int
    total: int
    previous_url: str | None
    next_url: str | None
    pages: tuple[PageLink, ...]  # the first, the last, two either side of this one, and gaps


# Page numbers shown either side of the current one.
PAGER_WINDOW = 2


def plan_papers(site: Site) -> list[Output]:
    """The paper pages: what a cold build starts rendering before the rest is planned."""
    routes = Routes(site.config)
    return [Output(output_file(routes.paper(p.id)), "paper", (p.id,)) for p in site.papers]


def plan(site: Site, papers: list[Output] | None = None) -> list[Output]:
    """Every file the site will have, in a stable order; ``papers`` is
    plan_papers(site), if made already."""
    config, routes = site.config, Routes(site.config)
    per_page = config.per_page
    out: list[Output] = []
    for n in range(1, page_count(len(site.papers), per_page) + 1):
        out.append(Output(output_file(routes.home(n)), "home", (n,)))
    out += plan_papers(site) if papers is None else papers
    out.append(Output(output_file(routes.tags()), "tags"))
    for i, tag in enumerate(site.tags):
        for n in range(1, page_count(len(tag.papers), per_page) + 1):
            out.append(Output(output_file(routes.tag(tag.slug, n)), "tag", (i, n)))
        if config.feeds.tag_feeds:
            for kind in config.feeds.formats:
                out.append(Output(routes.tag_feed(tag.slug, kind), "feed", (kind, i)))
    out.append(Output(output_file(routes.days()), "days"))
    out += [Output(output_file(routes.day(d.day)), "day", (i,)) for i, d in enumerate(site.days)]
    out.append(Output(output_file(routes.authors()), "authors"))
    out += [Output(output_file(routes.author(a.slug)), "author", (i,)) for i, a in enumerate(site.authors)]
    out += [Output(routes.feed(kind), "feed", (kind, None)) for kind in config.feeds.formats]
    out += [Output("404.html", "404"), Output("robots.txt", "robots")]
    html_pages = sum(1 for o in out if o.path.endswith(".html") and o.kind != "404")
    sitemaps = page_count(html_pages, SITEMAP_LIMIT)
    if sitemaps == 1:
        out.append(Output("sitemap.xml", "sitemap", (0,)))
    else:
        out.append(Output("sitemap.xml", "sitemap_index", (sitemaps,)))
        out += [Output(f"sitemap-{i + 1}.xml", "sitemap", (i + 1,)) for i in range(sitemaps)]
    return out


def plan_static(theme: Theme) -> list[tuple[str, Path]]:
    return [(f"static/{name}", source) for name, source in static_files(theme).items()]


def check_unique(outputs: Sequence[Output], static: Sequence[tuple[str, Path]]) -> None:
    """Two things claiming one file is a bug or a content clash: fail loudly."""
    claims = [(o.path, o) for o in outputs] + [(path, None) for path, _ in static]
    seen: dict[str, int] = {}  # folded path -> its latest claim
    problems = []
    for index, (path, _) in enumerate(claims):
        folded = path.casefold()  # case-insensitive hosts and file systems
        before = seen.get(folded)
        if before is not None:
            first, then = _claimant(claims[before][1]), _claimant(claims[index][1])
            problems.append(Problem(f"two outputs claim the same file: {first} and {then}", path))
        seen[folded] = index
    if problems:
        raise OutputError(problems)


def _claimant(output: Output | None) -> str:
    # Described only for a clash: formatting 150k keys up front cost ~0.1 s at 100k papers.
    return "static" if output is None else f"{output.kind} {output.key}"


def paper_digest(paper: Paper) -> str:
    """The loader's digest, or one made from the whole entry when built by hand."""
    return paper.digest or hashlib.blake2b(repr(paper).encode(), digest_size=12).hexdigest()


def _digests(papers: Sequence[Paper]) -> list[str]:
    return [paper_digest(p) for p in papers]


def _pages_digest(pages: Sequence[tuple[str, datetime]]) -> str:
    """Of a sitemap's (route, last modified) pages. Hashed a page at a time, not
    as one repr(): that held the GIL ~0.4 s for 150k pages, and the pool's
    threads in this process could not hand a waiting worker its next task."""
    h = hashlib.blake2b(digest_size=16)
    for route, modified in pages:
        h.update(f"{route}\n{modified.isoformat()}\n".encode())
    return h.hexdigest()


class Renderer:
    """Renders Outputs of one site; views and cards are made once and reused."""

    def __init__(self, site: Site, theme: Theme, digest: str | None = None) -> None:
        self.site = site
        # The build has usually hashed the theme already (for its fingerprint).
        self.theme_digest = digest or theme_digest(theme, site.config)
        self.config = site.config
        self.routes = Routes(site.config)
        self._static_versions = {
            name: hashlib.sha256(read_static(theme, path)).hexdigest()[:10]
            for name, path in static_files(theme).items()
        }
        self._papers = {p.id: p for p in site.papers}
        self._views: dict[str, PaperView] = {}
        self._names = NameLinks(site, self.routes)
        self._day_urls: dict[date, str] = {}
        # UTF-8, not str: a card holding one character beyond Latin-1 (a name,
        # a formula) is stored by Python at two bytes a character (~200 MB at
        # 100k papers).
        self._cards = CardStore()
        self._templates: dict[str, jinja2.Template] = {}
        self.env = make_environment(
            theme,
            globals={"site": self.config, "url": self._url, "static": self._static, "version": __version__},
            filters=DATE_FILTERS,
        )
        self._kinds: dict[str, Callable[..., bytes]] = {
            "home": self._home,
            "paper": self._paper,
            "tags": self._tags,
            "tag": self._tag,
            "days": self._days,
            "day": self._day,
            "authors": self._authors,
            "author": self._author,
            "feed": self._feed,
            "404": self._not_found,
            "robots": self._robots,
            "sitemap": self._sitemap,
            "sitemap_index": self._sitemap_index,
        }
        self._sitemap_pages: list[tuple[str, datetime]] | None = None

    def key(self, output: Output) -> str:
        """A digest of everything ``output``'s bytes depend on.

        Equal keys mean equal bytes, so a rebuild can skip rendering the
        output altogether. Keys err towards changing too often, never too
        rarely: any template or setting change changes every key.
        """
        parts = self._key_parts(output.kind, output.key)
        text = repr((self.theme_digest, output.kind, output.key, parts))
        return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()

    def _key_parts(self, kind: str, key: tuple) -> Any:
        site = self.site
        if kind == "home":
            return _digests(self._slice(site.papers, key[0])), len(site.papers)
        if kind == "paper":
            near = site.neighbours[key[0]]
            return paper_digest(self._papers[key[0]]), [
                paper_digest(p) for p in (near.previous, near.next) if p
            ]
        if kind == "tag":
            tag = site.tags[key[0]]
            return tag.name, tag.slug, _digests(self._slice(tag.papers, key[1])), len(tag.papers)
        if kind == "day":
            index = key[0]
            around = site.days[max(0, index - 1) : index + 2]
            return [d.day for d in around], _digests(site.days[index].papers)
        if kind == "author":
            author = site.authors[key[0]]
            return author.name, _digests(author.papers)
        if kind == "feed":
            papers = site.papers if key[1] is None else site.tags[key[1]].papers
            name = None if key[1] is None else (site.tags[key[1]].name, site.tags[key[1]].slug)
            return name, _digests(papers[: self.config.feeds.entries])
        if kind == "tags":
            return [(t.name, t.slug, len(t.papers)) for t in site.tags]
        if kind == "days":
            return [(d.day, len(d.papers)) for d in site.days]
        if kind == "authors":
            return [(a.name, a.slug, len(a.papers)) for a in site.authors]
        if kind == "sitemap":
            return _pages_digest(self._sitemap_pages_of(key[0]))
        if kind == "sitemap_index":
            return sitemap_dates(self._pages_for_sitemap(), key[0])
        return None  # 404, robots: settings and templates only

    def render(self, output: Output) -> bytes:
        try:
            return self._kinds[output.kind](*output.key)
        except jinja2.TemplateError as exc:
            name = getattr(exc, "filename", None) or getattr(exc, "name", None) or "template"
            raise ThemeError(Problem(f"template error: {exc}", name, getattr(exc, "lineno", None))) from None

    # --- helpers shared by pages ---
    def _url(self, route: str) -> str:
        return self.routes.url(route)

    def _static(self, name: str) -> str:
        version = self._static_versions.get(name)
        if version is None:
            raise ThemeError(Problem(f"no static file '{name}' in the theme chain", "static"))
        return f"{self.routes.url(self.routes.static(name))}?v={version}"

    def view(self, paper_id: str) -> PaperView:
        view = self._views.get(paper_id)
        if view is None:
            view = self._views[paper_id] = make_view(
                self._papers[paper_id], self.site, self.routes, None, self._names
            )
        return view

    def prepare_views(self, outputs: Iterable[Output], paper_ids: Iterable[str] = ()) -> None:
        """Make ahead the views that ``outputs``' paper pages show (each its
        own and its neighbours') and those of ``paper_ids``: all their
        Markdown first, then all the views.

        One kind of work over many papers in a row, not every kind paper by
        paper, keeps each kind's code in the CPU's caches: with pages too
        rendered in a row, a run of paper pages takes ~25% less CPU."""
        wanted: dict[str, None] = {}
        neighbours = self.site.neighbours
        for output in outputs:
            if output.kind == "paper":
                near = neighbours[output.key[0]]
                wanted[output.key[0]] = None
                if near.previous:
                    wanted[near.previous.id] = None
                if near.next:
                    wanted[near.next.id] = None
        wanted.update(dict.fromkeys(paper_ids))
        missing = [self._papers[paper_id] for paper_id in wanted if paper_id not in self._views]
        prose = [render_prose(paper) for paper in missing]
        for paper, text in zip(missing, prose, strict=True):
            self._views[paper.id] = make_view(paper, self.site, self.routes, text, self._names)

    def feed_paper_ids(self) -> set[str]:
        """Papers that some feed shows: the newest of the site and of each tag."""
        entries = self.config.feeds.entries
        ids = {p.id for p in self.site.papers[:entries]}
        if self.config.feeds.tag_feeds:
            for tag in self.site.tags:
                ids.update(p.id for p in tag.papers[:entries])
        return ids

    def fragments(self, paper_id: str, with_prose: bool) -> tuple[str, Prose | None, bytes]:
        """A paper's card, and if asked its Markdown-derived HTML, as plain values
        to hand to another process (or to ``adopt`` in this one)."""
        prose = None
        if with_prose:
            view = self.view(paper_id)
            prose = Prose(
                str(view.title_html), str(view.abstract_html), str(view.note_html), view.summary, view.title
            )
        card = self._cards.get(paper_id)
        return paper_id, prose, card if card is not None else self._render_card(paper_id).encode()

    def adopt(self, fragments: list[tuple[str, Prose | None, bytes]]) -> None:
        """Take the fragments another process made; only the cheap parts are redone."""
        for paper_id, prose, card in fragments:
            if prose is not None:
                self._views[paper_id] = make_view(
                    self._papers[paper_id], self.site, self.routes, prose, self._names
                )
            if paper_id not in self._cards:
                self._cards.put(paper_id, card)

    @contextlib.contextmanager
    def lend(self, papers: Iterable[Paper]) -> Iterator[None]:
        """Render with these copies of the site's papers (same id, same digest)
        in place of the originals, then put the originals back.

        A forked process reading an object it shares with another writes its
        reference count, and so copies the memory page it sits on: rendering
        from copies read afresh leaves the shared papers shared (~180 MB a
        worker at 100k papers)."""
        originals: dict[str, Paper] = {}
        for paper in papers:
            original = self._papers.get(paper.id)
            if original is not None and original.digest and original.digest == paper.digest:
                originals[paper.id] = original
                self._papers[paper.id] = paper
        try:
            yield
        finally:
            self._papers.update(originals)

    def forget(self, paper_ids: Iterable[str]) -> None:
        """Drop the views of these papers (a share of the papers, rendered)."""
        for paper_id in paper_ids:
            self._views.pop(paper_id, None)

    def card(self, paper_id: str) -> Markup:
        card = self._cards.text(paper_id)
        if card is None:
            card = self._render_card(paper_id)
            self._cards.put(paper_id, card.encode())
        return Markup(card)

    def _render_card(self, paper_id: str) -> str:
        return self._template("_card.html").render(paper=self.view(paper_id))

    def _template(self, name: str) -> jinja2.Template:
        template = self._templates.get(name)
        if template is None:
            template = self._templates[name] = self.env.get_template(name)
        return template

    @functools.cached_property
    def _site_feed_links(self) -> list[FeedLink]:
        return [
            _feed_link(self.config.title, kind, self.routes.absolute(self.routes.feed(kind)))
            for kind in self.config.feeds.formats
        ]

    def _tag_feeds(self, tag: Group) -> list[FeedLink]:
        if not self.config.feeds.tag_feeds:
            return []
        return [
            _feed_link(
                f"{self.config.title}: {tag.name}",
                kind,
                self.routes.absolute(self.routes.tag_feed(tag.slug, kind)),
            )
            for kind in self.config.feeds.formats
        ]

    def _page(self, template: str, route: str, **context: Any) -> bytes:
        context.setdefault("feeds", self._site_feed_links)
        context.setdefault("description", self.config.description)
        context.setdefault("noindex", False)
        html = self._template(template).render(
            canonical=self.routes.absolute(route),
            route=route,
            **context,
        )
        return html.encode("utf-8")

    def _groups_by_day(self, papers: Sequence[Paper]) -> list[DayGroup]:
        """Runs of papers of one day, as cards: ~1M cards at 100k papers, most
        in a group of their own on author pages, so each day's URL is made once."""
        groups: list[DayGroup] = []
        day_urls = self._day_urls
        cards: list[Markup] = []
        day = None
        for paper in papers:
            if paper.day != day:
                day = paper.day
                url = day_urls.get(day)
                if url is None:
                    url = day_urls[day] = self._url(self.routes.day(day))
                cards = []
                groups.append(DayGroup(day, url, cards))
            cards.append(self.card(paper.id))
        return groups

    def _pager(self, number: int, count: int, route_of: Callable[[int], str]) -> Pager:
        total = page_count(count, self.config.per_page)
        return Pager(
            number=number,
            total=total,
            previous_url=self._url(route_of(number - 1)) if number > 1 else None,
            next_url=self._url(route_of(number + 1)) if number < total else None,
            pages=tuple(self._page_links(number, total, route_of)),
        )

    def _page_links(self, number: int, total: int, route_of: Callable[[int], str]) -> list[PageLink]:
        """Only the links a pager shows: a list of every page would make each of a
        long list's N pages O(N), the whole list O(N²)."""
        shown = {1, total, *range(max(1, number - PAGER_WINDOW), min(total, number + PAGER_WINDOW) + 1)}
        links: list[PageLink] = []
        for n in sorted(shown):
            if links and links[-1].number is not None and n - links[-1].number > 1:
                links.append(PageLink(None, None))
            far = abs(n - number) == PAGER_WINDOW and n not in (1, total)
            links.append(PageLink(n, self._url(route_of(n)), far))
        return links

    def _slice(self, papers: Sequence[Paper], number: int) -> Sequence[Paper]:
        per_page = self.config.per_page
        return papers[(number - 1) * per_page : number * per_page]

    # --- pages ---
    def _home(self, number: int) -> bytes:
        papers = self.site.papers
        return self._page(
            "list.html",
            self.routes.home(number),
            kind="home",
            heading=self.config.title,
            title=self.config.title if number == 1 else f"{self.config.title}, page {number}",
            groups=self._groups_by_day(self._slice(papers, number)),
            pager=self._pager(number, len(papers), self.routes.home),
            count=len(papers),
        )

    def _paper(self, paper_id: str) -> bytes:
        view = self.view(paper_id)
        near = self.site.neighbours[paper_id]
        return self._page(
            "paper.html",
            self.routes.paper(paper_id),
            paper=view,
            title=view.title,
            description=view.summary,
            previous=self.view(near.previous.id) if near.previous else None,
            next=self.view(near.next.id) if near.next else None,
            json_ld=json_ld(view, self.config.title),
        )

    def _tags(self) -> bytes:
        tags = [Named(t.name, self._url(self.routes.tag(t.slug)), str(len(t.papers))) for t in self.site.tags]
        return self._page("tags.html", self.routes.tags(), title="Tags", tags=tags)

    def _tag(self, index: int, number: int) -> bytes:
        tag = self.site.tags[index]
        title = f"Papers tagged “{tag.name}”"
        return self._page(
            "list.html",
            self.routes.tag(tag.slug, number),
            kind="tag",
            heading=title,
            title=title if number == 1 else f"{title}, page {number}",
            description=f"{counted(len(tag.papers), 'paper')} tagged “{tag.name}” on {self.config.title}.",
            groups=self._groups_by_day(self._slice(tag.papers, number)),
            pager=self._pager(number, len(tag.papers), lambda n: self.routes.tag(tag.slug, n)),
            count=len(tag.papers),
            feeds=self._site_feed_links + self._tag_feeds(tag),
            tag_feeds=self._tag_feeds(tag),
        )

    def _days(self) -> bytes:
        months: list[Month] = []
        for day in self.site.days:
            label = day.day.strftime("%B %Y")
            if not months or months[-1].label != label:
                months.append(Month(label, []))
            months[-1].days.append(DayLink(day.day, self._url(self.routes.day(day.day)), len(day.papers)))
        return self._page("days.html", self.routes.days(), title="Archive", months=months)

    def _day(self, index: int) -> bytes:
        days = self.site.days
        day = days[index]
        # days run newest first: the previous (older) day comes after this one
        older = days[index + 1] if index + 1 < len(days) else None
        newer = days[index - 1] if index > 0 else None
        title = f"Papers of {_long_date(day.day)}"
        return self._page(
            "list.html",
            self.routes.day(day.day),
            kind="day",
            heading=title,
            title=title,
            description=f"{counted(len(day.papers), 'paper')} listed on {_long_date(day.day)}.",
            groups=[DayGroup(None, None, [self.card(p.id) for p in day.papers])],
            pager=None,
            count=len(day.papers),
            older=Named(_long_date(older.day), self._url(self.routes.day(older.day))) if older else None,
            newer=Named(_long_date(newer.day), self._url(self.routes.day(newer.day))) if newer else None,
        )

    def _authors(self) -> bytes:
        authors = [
            Named(a.name, self._url(self.routes.author(a.slug)), str(len(a.papers)))
            for a in self.site.authors
        ]
        return self._page("authors.html", self.routes.authors(), title="Authors", authors=authors)

    def _author(self, index: int) -> bytes:
        author = self.site.authors[index]
        return self._page(
            "list.html",
            self.routes.author(author.slug),
            kind="author",
            heading=f"Papers by {author.name}",
            title=f"Papers by {author.name}",
            description=f"{counted(len(author.papers), 'paper')} by {author.name} on {self.config.title}.",
            groups=self._groups_by_day(author.papers),
            pager=None,
            count=len(author.papers),
        )

    def _not_found(self) -> bytes:
        return self._page("404.html", "404.html", title="Page not found", noindex=True)

    def _robots(self) -> bytes:
        sitemap = self.routes.absolute("sitemap.xml")
        return f"User-agent: *\nAllow: /\n\nSitemap: {sitemap}\n".encode()

    # --- feeds ---
    def _feed(self, kind: str, tag_index: int | None) -> bytes:
        config = self.config
        if tag_index is None:
            papers, title, page, route = self.site.papers, config.title, "", self.routes.feed(kind)
            feed_key = "feed"
        else:
            tag = self.site.tags[tag_index]
            papers, title = tag.papers, f"{config.title}: {tag.name}"
            page, route, feed_key = (
                self.routes.tag(tag.slug),
                self.routes.tag_feed(tag.slug, kind),
                f"tag/{tag.slug}",
            )
        info = FeedInfo(
            title=title,
            description=config.description or title,
            language=config.language,
            site_url=self.routes.absolute(page),
            feed_url=self.routes.absolute(route),
            author=config.author,
            id_base=feed_key,
            site_id=config.id,
        )
        entries = [self._feed_entry(p) for p in papers[: config.feeds.entries]]
        render = {"atom": render_atom, "rss": render_rss, "json": render_json_feed}[kind]
        return render(info, entries)

    def _feed_entry(self, paper: Paper) -> FeedEntry:
        view = self.view(paper.id)
        content = view.abstract_html
        if view.note_html:
            content = Markup("{}<p><strong>Curator’s note</strong></p>{}").format(content, view.note_html)
        return FeedEntry(
            paper=paper, url=view.abs_url, content_html=str(content), summary=view.summary, title=view.title
        )

    # --- sitemap ---
    def _pages_for_sitemap(self) -> list[tuple[str, datetime]]:
        if self._sitemap_pages is None:
            self._sitemap_pages = list(sitemap_entries(self.site, self.routes))
        return self._sitemap_pages

    def _sitemap_pages_of(self, number: int) -> list[tuple[str, datetime]]:
        """The pages sitemap ``number`` lists (0: the only sitemap, all of them)."""
        pages = self._pages_for_sitemap()
        return pages[(number - 1) * SITEMAP_LIMIT : number * SITEMAP_LIMIT] if number else pages

    def _sitemap(self, number: int) -> bytes:
        return render_sitemap(self._sitemap_pages_of(number), self.routes)

    def _sitemap_index(self, count: int) -> bytes:
        return render_sitemap_index(self._pages_for_sitemap(), count, self.routes)


def _feed_link(title: str, kind: str, url: str) -> FeedLink:
    label = _FEED_TITLES[kind]
    return FeedLink(f"{title} ({label})", label, _FEED_TYPES[kind], url)


# Date wording for templates, as filters: cached because every list page
# repeats the same few days, and strftime is slow next to a dict lookup.
@functools.lru_cache(maxsize=4096)
def _long_date(day: date) -> str:
    return f"{day.strftime('%B')} {day.day}, {day.year}"


@functools.lru_cache(maxsize=4096)
def _full_date(day: date) -> str:
    return f"{day.strftime('%A')}, {_long_date(day)}"


@functools.lru_cache(maxsize=4096)
def _weekday_date(day: date) -> str:
    return f"{day.strftime('%A, %B')} {day.day}"


def _citation_date(moment: date) -> str:
    # strftime costs ~4 µs a call (twice on every paper page); %Y is not padded either.
    return f"{moment.year}/{moment.month:02d}/{moment.day:02d}"


DATE_FILTERS = {
    "long_date": _long_date,  # March 14, 2025
    "full_date": _full_date,  # Friday, March 14, 2025
    "weekday_date": _weekday_date,  # Friday, March 14
    "citation_date": _citation_date,  # 2025/03/14 (Highwire)
}
