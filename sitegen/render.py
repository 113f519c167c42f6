"""Renderer turns one Output into bytes, through its page kind (siteplan.KINDS),
and gives the page kinds what they share: paper views and cards made once,
templates, the common page context, pagers and runs of cards by day."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import marshal
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from itertools import repeat
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from . import __version__
from .cardstore import CardStore
from .datefilters import DATE_FILTERS
from .errors import Problem, ThemeError
from .markup import render_title
from .model import Paper
from .outputs import Output
from .pageparts import PAGER_WINDOW, DayGroup, FeedLink, PageLink, Pager, feed_link
from .partials import Once, Partials, PerValue, render_once
from .related import related_papers
from .routes import Routes
from .setaside import SetAside
from .site import Site, page_count
from .siteplan import KINDS
from .theme import Theme, make_environment, static_files, static_version, theme_digest
from .trending import has_upvotes
from .views import NameLinks, PaperView, Prose, make_view, render_prose


def key_bytes(value: Any) -> bytes:
    """``value`` (what an output shows) as bytes that differ whenever its repr
    does: marshal's, ~3x faster than repr at what keys hold (strings, numbers,
    None, tuples and lists of them), else the repr's. Marshal's version 2 writes
    no references and no interning: equal values give the same bytes whichever
    objects hold them, in any process. It takes only values of the exact
    built-in types and gives each back with its type, so two values with the
    same bytes are equal and of the same types; a date, a Markup or any other
    type goes to repr."""
    try:
        return b"m" + marshal.dumps(value, 2)
    except ValueError:
        return b"r" + repr(value).encode()


class _StaticURLs(dict):
    """Static file name -> its URL with its version (``static()`` in templates)."""

    def __missing__(self, name: str) -> str:
        raise ThemeError(Problem(f"no static file '{name}' in the theme chain", "static"))


class Renderer:
    """Renders Outputs of one site; views and cards are made once and reused."""

    def __init__(
        self,
        site: Site,
        theme: Theme,
        digest: str | None = None,
        related: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.site = site
        # The build has usually hashed the theme already (for its fingerprint).
        self.theme_digest = digest or theme_digest(theme, site.config)
        self.config = site.config
        self.routes = Routes(site.config)
        # static(name) in templates: each file's URL with its version made once, looked up by a C call.
        self._static_urls = _StaticURLs(
            (name, f"{self.routes.url(self.routes.static(name))}?v={static_version(theme, path)}")
            for name, path in static_files(theme).items()
        )
        self._papers = {p.id: p for p in site.papers}
        # Paper id -> the ids its page lists as related; worked out here, before
        # any worker forks, unless the build brings them from its cache.
        self.related = related if related is not None else related_papers(site.papers, site.config.related)
        self._titles: dict[str, Markup] = {}
        self._views: dict[str, PaperView] = {}
        # Abstracts' whole plain text, made with the views of papers whose cite.ris
        # is rendered in the same batch, and taken by it (``abstract_text``).
        self._abstract_texts: dict[str, str] = {}
        self._names = NameLinks(site, self.routes)
        self._days: dict[date, tuple[str, Markup | None]] = {}  # a day's URL and group head (groups_by_day)
        # UTF-8, not str: a card holding one character beyond Latin-1 (a name,
        # a formula) is stored by Python at two bytes a character (~200 MB at
        # 100k papers).
        self._cards = CardStore()
        self._templates: dict[str, jinja2.Template] = {}
        # What every page's header shows of the content: in every key.
        self._chrome = (has_upvotes(site.papers),)
        self._partials = Partials()  # partial(): each partial's text kept for each distinct set of values
        self.env = make_environment(
            theme,
            globals={
                "site": self.config,
                # C callables (Context.call calls them directly): Renderer.url's text, and static URLs'.
                "url": functools.partial(operator.add, self.routes.base_path),
                "static": self._static_urls.__getitem__,
                "version": __version__,
                "trending": self._chrome[0],
                "partial": self._partials.html,
                # The site's feeds, the same on every page: base.html writes their links once (partial()).
                "site_feeds": self.site_feed_links,
            },
            filters=DATE_FILTERS,
        )
        self._partials.env = self.env
        self._render = {name: kind.render for name, kind in KINDS.items()}
        self._shows = {name: kind.shows for name, kind in KINDS.items()}
        self._cite_paper_key = ("", "")  # the last paper whose cite files were keyed, and its key (_cite_key)
        # What a page kind works out once per build and reuses (the sitemap's pages).
        self.memo: dict[str, Any] = {}
        # Where the papers' abstracts, links and sources are while a parallel build renders (setaside.py).
        self.set_aside: SetAside | None = None
        # Where papers.bib's entries are kept between builds (bibstore.py); None: not kept (a check).
        self.bib_store: Path | None = None

    def key(self, output: Output) -> str:
        """A digest of everything ``output``'s bytes depend on.

        Equal keys mean equal bytes, so a rebuild can skip rendering the
        output altogether. Keys err towards changing too often, never too
        rarely: any template or setting change changes every key.
        """
        if output.kind == "cite":
            return self._cite_key(*output.key)
        return self.own_key(output.kind, output.key)

    def own_key(self, kind: str, key: tuple) -> str:
        """The key of the output of ``kind`` and ``key``, made of what it shows."""
        parts = self._shows[kind](self, *key)
        # slug_digest: where names kept apart are (a link on any page may name one).
        inputs = (self.theme_digest + self.site.slug_digest, self._chrome, kind, key, parts)
        return hashlib.blake2b(key_bytes(inputs), digest_size=16).hexdigest()

    def _cite_key(self, paper_id: str, file: str) -> str:
        """A paper's cite files show the same (pages/cite.py's ``shows``: its
        digest and citation key, whichever the file), so one key is made a
        paper, with the paper id alone, and each file's key is it and the
        file's name. A paper's files are keyed one after another (plan order,
        and a cold build's runs): the last paper's key is all that is kept."""
        paper, key = self._cite_paper_key
        if paper != paper_id:
            key = self.own_key("cite", (paper_id, ""))
            self._cite_paper_key = (paper_id, key)
        return f"{key}.{file}"

    def render(self, output: Output) -> bytes:
        try:
            return self._render[output.kind](self, *output.key)
        except jinja2.TemplateError as exc:
            name = getattr(exc, "filename", None) or getattr(exc, "name", None) or "template"
            raise ThemeError(Problem(f"template error: {exc}", name, getattr(exc, "lineno", None))) from None

    # --- what page kinds share ---
    def url(self, route: str) -> str:
        return self.routes.url(route)

    def paper(self, paper_id: str) -> Paper:
        return self._papers[paper_id]

    def whole(self, paper_id: str) -> Paper:
        """The paper with its abstract, links and source, which a parallel
        build sets aside while it renders (setaside.py): for what shows them."""
        paper = self._papers[paper_id]
        return paper if self.set_aside is None else self.set_aside.whole(paper)

    def view(self, paper_id: str) -> PaperView:
        view = self._views.get(paper_id)
        if view is None:
            view = self._views[paper_id] = make_view(
                self.whole(paper_id), self.site, self.routes, None, self._names
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
        ris: set[str] = set()  # papers whose cite.ris is among the outputs: its text with the view
        neighbours = self.site.neighbours
        for output in outputs:
            if output.kind == "cite":
                wanted[output.key[0]] = None
                if output.key[1] == "ris":
                    ris.add(output.key[0])
            elif output.kind == "paper":
                near = neighbours[output.key[0]]
                wanted[output.key[0]] = None
                if near.previous:
                    wanted[near.previous.id] = None
                if near.next:
                    wanted[near.next.id] = None
        wanted.update(dict.fromkeys(paper_ids))
        missing = [self.whole(paper_id) for paper_id in wanted if paper_id not in self._views]
        prose = [render_prose(paper, self.config.markdown, paper.id in ris) for paper in missing]
        for paper, text in zip(missing, prose, strict=True):
            self._views[paper.id] = make_view(paper, self.site, self.routes, text, self._names)
            if text.abstract_text is not None:
                self._abstract_texts[paper.id] = text.abstract_text

    def abstract_text(self, paper_id: str) -> str | None:
        """The whole plain text of a paper's abstract if ``prepare_views`` made it
        (once: it is for the paper's cite.ris), else None."""
        return self._abstract_texts.pop(paper_id, None)

    def title_html(self, paper_id: str) -> Markup:
        """A paper's title as HTML, without making its whole view (a related
        paper is seldom one this process renders)."""
        view = self._views.get(paper_id)
        if view is not None:
            return view.title_html
        title = self._titles.get(paper_id)
        if title is None:
            title = self._titles[paper_id] = Markup(
                render_title(self._papers[paper_id].title, self.config.markdown)[0]
            )
        return title

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
        for paper_id, prose, _ in fragments:
            if prose is not None:
                self._views[paper_id] = make_view(
                    self._papers[paper_id], self.site, self.routes, prose, self._names
                )
        self._cards.put_all(
            (paper_id, card) for paper_id, _, card in fragments if paper_id not in self._cards
        )

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
            self._abstract_texts.pop(paper_id, None)

    def keep_cards_in(self, file: Any) -> None:
        """Keep the cards made or taken from now on in ``file``, a
        buildfile.RecordFile (CardStore.keep_in)."""
        self._cards.keep_in(file)

    def card(self, paper_id: str) -> Markup:
        card = self._cards.text(paper_id)
        if card is None:
            card = self._render_card(paper_id)
            self._cards.put(paper_id, card.encode())
        # What Markup(card) makes of a str (one with no __html__), without its
        # constructor's Python code: ~0.3 µs a card less, ~1M cards at 100k papers.
        return str.__new__(Markup, card)

    def cards(self, paper_ids: Sequence[str]) -> list[Markup]:
        """``card`` of each: those in the build's file read together (CardStore.texts)."""
        texts = self._cards.texts(paper_ids)
        if None in texts:  # a card not made yet: each as ``card`` gives it
            return [self.card(paper_id) for paper_id in paper_ids]
        return list(map(str.__new__, repeat(Markup), texts))  # type: ignore[call-overload]  # as ``card`` does

    def _render_card(self, paper_id: str) -> str:
        return self._template("_card.html").render(paper=self.view(paper_id))

    def _template(self, name: str) -> jinja2.Template:
        template = self._templates.get(name)
        if template is None:
            template = self._templates[name] = self.env.get_template(name)
        return template

    @functools.cached_property
    def site_feed_links(self) -> list[FeedLink]:
        return [
            feed_link(self.config.title, kind, self.routes.absolute(self.routes.feed(kind)))
            for kind in self.config.feeds.formats
        ]

    @functools.cached_property
    def _stylesheets(self) -> Once:
        return render_once(self.env, "_stylesheets.html")

    @functools.cached_property
    def _group_heads(self) -> tuple[PerValue, frozenset[str]]:
        """_group_head.html made once a day, and the globals it reads."""
        heads = PerValue(self.env, "_group_head.html", frozenset(("day", "day_url")))
        return heads, heads.reads & self.env.globals.keys()

    def day_group(self, day: date | None, url: str | None, cards: list[Markup]) -> DayGroup:
        """A run of cards of ``day`` (its page's URL ``url``), with its head."""
        return DayGroup(day, url, cards, self._group_heads[0].html(day=day, day_url=url))

    def page(self, template: str, route: str, **context: Any) -> bytes:
        """An HTML page: ``template`` rendered with what every page gets."""
        sheets = self._stylesheets  # the same on every page unless it reads one of the page's own values
        context.setdefault("stylesheets", sheets.html if sheets.reads.isdisjoint(context) else None)
        groups = context.get("groups")
        # A page's own value of a global that the groups' heads read: it renders them itself.
        if groups and not self._group_heads[1].isdisjoint(context):
            context["groups"] = [DayGroup(g.day, g.url, g.cards) for g in groups]
        context.setdefault("feeds", self.site_feed_links)
        context.setdefault("own_feeds", ())  # the page's own feeds, after the site's in ``feeds``
        context.setdefault("description", self.config.description)
        context.setdefault("noindex", False)
        context.setdefault("header", None)  # the site's header, when the page's kind made it (base.html)
        context["canonical"], context["route"] = self.routes.absolute(route), route
        # The dict itself, not keywords: Template.render copies it once either way.
        return self._template(template).render(context).encode("utf-8")

    def groups_by_day(self, papers: Sequence[Paper]) -> list[DayGroup]:
        """Runs of papers of one day, as cards: ~1M cards at 100k papers, most
        in a group of their own on author pages, so each day's URL and head
        (its section and heading, _group_head.html) are made once."""
        groups: list[DayGroup] = []
        days = self._days
        cards: list[Markup] = []
        day = None
        for paper, card in zip(papers, self.cards([paper.id for paper in papers]), strict=True):
            if paper.day != day:
                day = paper.day
                made = days.get(day)
                if made is None:
                    url = self.url(self.routes.day(day))
                    made = days[day] = (url, self._group_heads[0].html(day=day, day_url=url))
                cards = []
                groups.append(DayGroup(day, made[0], cards, made[1]))
            cards.append(card)
        return groups

    def pager(self, number: int, count: int, route_of: Callable[[int], str]) -> Pager:
        total = page_count(count, self.config.per_page)
        if total == 1 and number == 1:  # most author pages: the one link _page_links would make
            return Pager(1, 1, None, None, (PageLink(1, self.url(route_of(1))),))
        return Pager(
            number=number,
            total=total,
            previous_url=self.url(route_of(number - 1)) if number > 1 else None,
            next_url=self.url(route_of(number + 1)) if number < total else None,
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
            links.append(PageLink(n, self.url(route_of(n)), far))
        return links

    def page_of(self, papers: Sequence[Paper], number: int) -> Sequence[Paper]:
        """The papers page ``number`` of a paged list shows."""
        per_page = self.config.per_page
        return papers[(number - 1) * per_page : number * per_page]
