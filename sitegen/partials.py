"""Partial templates that show the same on every page, rendered once a build.

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
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from markupsafe import Markup

if TYPE_CHECKING:
    import jinja2


class Once(NamedTuple):
    html: Markup | None  # the partial as every page shows it; None: rendered with each page
    reads: frozenset[str]  # the globals it reads: a page that sets one of its own renders it itself


def render_once(env: jinja2.Environment, name: str) -> Once:
    """``name`` rendered once for every page, if nothing it shows can differ
    between pages; else ``Once(None, ...)``."""
    import jinja2
    from jinja2 import meta, nodes

    source = env.loader.get_source(env, name)[0] if env.loader is not None else ""
    # find_undeclared_variables leaves out the environment's globals: ask one without any.
    bare = jinja2.Environment()
    bare.globals.clear()
    bare.filters.update(env.filters)
    bare.tests.update(env.tests)
    tree = bare.parse(source, name)
    reads = frozenset(meta.find_undeclared_variables(tree))
    # An include, import or extends would see the page's own variables; a block could be overridden.
    if any(tree.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends, nodes.Block))):
        return Once(None, reads)
    if not reads <= env.globals.keys():
        return Once(None, reads)
    return Once(Markup(env.get_template(name).render()), reads)
