"""Partial templates rendered once for every page that shows them the same.

``base.html`` includes ``_stylesheets.html`` in every page's <head>. An
include costs a page ~7 µs (the template looked up again, a new context with a
copy of the page's variables, one more generator for each piece), for text
that in the built-in themes is the same on every page: their link tags,
made of ``static()`` alone. So a partial that reads nothing but the build's
globals (``site``, ``url``, ``static``, ``version``, ``trending``, Jinja's
own) and includes, imports or extends nothing is rendered once, and the
default ``base.html`` shows that text (``stylesheets``); a theme's own
partial that reads anything of the page (``route``, ``title``, ...) gets
``stylesheets`` none, and ``base.html`` includes it as before. Either way a
page holds the same bytes (tests/unit/test_partials.py).

``list.html`` opens each run of cards of one day with ``_group_head.html``
(its section, the day's heading): ~1M runs at 100k papers, nearly every card
on an author page a day of its own. That partial is given the run's ``day``
and ``day_url``; one that reads nothing else but the globals is rendered once
a day (``PerValue``), and the default ``list.html`` shows that text
(``group.head``); else ``group.head`` is none and it is included in each
run as before (tests/unit/test_group_heads.py).

``base.html`` writes the site's header (its title link, the navigation, the
search form) through ``partial("_header.html", section=..., current=...)``:
``partial(name, **values)`` renders the template ``name`` with the build's
globals and ``values`` alone, nothing of the page, so its text is a function
of the values, and is kept for each distinct set of them (``Partials``): the
header is the same on every page of a section (~12 µs a page, ~47k pages at
30k papers). The page itself says, in its template, what the partial depends
on (tests/unit/test_partial_calls.py). The site's feeds are a global too
(``site_feeds``): ``base.html`` writes their links in <head> and in the footer
through ``partial()`` with no values (``_feed_links.html``, ``_subscribe.html``:
one text each for the build, ~6k instructions a call against ~30k for three
feeds written on each page), then the page's own (``own_feeds``: an author's or
a tag's) inline (tests/unit/test_feed_partials.py).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from markupsafe import Markup

if TYPE_CHECKING:
    import jinja2


class Once(NamedTuple):
    html: Markup | None  # the partial as every page shows it; None: rendered with each page
    reads: frozenset[str]  # the globals it reads: a page that sets one of its own renders it itself


def _reads(env: jinja2.Environment, name: str) -> tuple[frozenset[str], bool]:
    """The names the partial ``name`` reads from its context, and whether it
    stands alone: includes, imports and extends nothing and has no block (an
    include, import or extends would see the page's own variables; a block
    could be overridden)."""
    import jinja2
    from jinja2 import meta, nodes

    source = env.loader.get_source(env, name)[0] if env.loader is not None else ""
    # find_undeclared_variables leaves out the environment's globals: ask one without any.
    bare = jinja2.Environment()
    bare.globals.clear()
    bare.filters.update(env.filters)
    bare.tests.update(env.tests)
    tree = bare.parse(source, name)
    alone = not any(
        tree.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends, nodes.Block))
    )
    return frozenset(meta.find_undeclared_variables(tree)), alone


def render_once(env: jinja2.Environment, name: str) -> Once:
    """``name`` rendered once for every page, if nothing it shows can differ
    between pages; else ``Once(None, ...)``."""
    reads, alone = _reads(env, name)
    if not alone or not reads <= env.globals.keys():
        return Once(None, reads)
    return Once(Markup(env.get_template(name).render()), reads)


class PerValue:
    """The partial ``name``, given only the values ``names``, rendered once for
    each distinct set of them, if it reads nothing else but the globals
    (``usable``); each text is kept for the build."""

    def __init__(self, env: jinja2.Environment, name: str, names: frozenset[str]) -> None:
        reads, alone = _reads(env, name)
        self.reads = reads  # a page that sets one of these itself renders the partial itself
        self.usable = alone and reads <= env.globals.keys() | names
        self._template = env.get_template(name) if self.usable else None
        self._made: dict[tuple[Any, ...], Markup] = {}

    def html(self, **values: Any) -> Markup | None:
        """The partial given ``values`` (each of an exact type: a str and a
        Markup, or 1 and True, are equal but not shown alike), or None if it
        is rendered with each page."""
        if self._template is None:
            return None
        key = tuple((name, type(value), value) for name, value in values.items())
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = Markup(self._template.render(values))
        return made


# Values kept apart by == and their exact type show alike: not a float (0.0 and
# -0.0), a datetime (one moment in two zones) or a container (a str and a
# Markup inside it are equal).
_KEPT_TYPES = frozenset({str, Markup, int, bool, type(None), date})


class Partials:
    """``partial(name, **values)``, a global of the build's templates: the
    template ``name`` rendered with the globals and ``values`` only, as Markup.
    Its text depends on nothing else (globals are fixed for the build), so it
    is rendered once for each distinct ``values`` of kept types, and for every
    call when one is of another type. ``env`` is set once the environment that
    holds this global is made."""

    def __init__(self) -> None:
        self.env: jinja2.Environment | None = None
        self._made: dict[tuple[Any, ...], Markup] = {}

    def html(self, name: str, /, **values: Any) -> Markup:
        if not values:  # keyed by the name alone: base.html's site feeds, twice a page
            made = self._made.get(name)
            if made is None:
                made = self._made[name] = self._render(name, values)
            return made
        types = tuple(map(type, values.values()))
        if not _KEPT_TYPES.issuperset(types):
            return self._render(name, values)
        key = (name, types, *values.items())
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = self._render(name, values)
        return made

    def _render(self, name: str, values: dict[str, Any]) -> Markup:
        assert self.env is not None, "partial() is called by the templates of its environment"
        return Markup(self.env.get_template(name).render(values))
