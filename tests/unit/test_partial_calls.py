"""partial(name, **values): a partial rendered with the build's globals and the
values alone, kept for each distinct set of values of kept types. The default
base.html writes the site's header through it (_header.html, given the page's
section and, when the header links to it, its route); every page is the bytes
the header written inline, as before, gave."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from sitegen.build import build
from sitegen.config import load_config
from sitegen.loading import load_papers
from sitegen.render import Renderer
from sitegen.site import build_site
from sitegen.theme import builtin_themes_dir, resolve_theme
from tests.sitekit import paper, stable, tree, write_site

_TEMPLATES = builtin_themes_dir() / "default" / "templates"
_BASE = (_TEMPLATES / "base.html").read_text(encoding="utf-8")
_HEADER = (_TEMPLATES / "_header.html").read_text(encoding="utf-8")
_CALL = _BASE[_BASE.index("{# The header: _header.html") : _BASE.index('<main id="main"')]
# base.html as it was before the partial: the header inline, reading the page's route.
_INLINE_HEADER = (
    _HEADER[_HEADER.index("<header") :]
    .replace("      <ul>\n", "      <ul>\n        {% set section = route.split('/')[0] %}\n")
    .replace("{% if current == target %}", "{% if route == target %}")
    .replace("current != 'search/'", "route != 'search/'")
)
_INLINE_BASE = _BASE.replace(_CALL, _INLINE_HEADER)
assert "current ==" not in _INLINE_HEADER and "current !=" not in _INLINE_HEADER and _INLINE_BASE != _BASE


def _site(root, theme, base=None, **settings):
    days = ["2025-03-10", "2025-03-11", "2025-03-11", "2025-03-12", "2025-03-13", "2025-03-14"]
    papers = [
        paper(f"p{i}", day, tags=["llm", "rl"][: 1 + i % 2], authors=["Ada", "Bo"][: 1 + i % 2], upvotes=i)
        for i, day in enumerate(days)
    ]
    site = write_site(root, papers, theme=theme, per_page=2, **settings)
    if base is not None:
        (site / "templates").mkdir()
        (site / "templates" / "base.html").write_text(base, encoding="utf-8")
    return site


@pytest.mark.parametrize("theme", ["default", "compact"])
@pytest.mark.parametrize("search", [False, True])
def test_every_page_is_the_one_with_the_header_written_inline(tmp_path, theme, search):
    build(_site(tmp_path / "old", theme, _INLINE_BASE, search=search), tmp_path / "old-out", workers=1)
    build(_site(tmp_path / "new", theme, None, search=search), tmp_path / "new-out", workers=1)
    made, before = stable(tree(tmp_path / "new-out")), stable(tree(tmp_path / "old-out"))
    assert made == before
    # Each kind of page marks its own place in the header.
    current = b'aria-current="page">'
    assert current + b"Latest" in made["index.html"] and b'class="active">Latest' in made["page/2/index.html"]
    for route, label in [("days/", b"Archive"), ("tags/", b"Tags"), ("authors/", b"Authors")]:
        assert current + label in made[route + "index.html"]
    assert current + b"Trending" in made["trending/index.html"]
    assert b'class="active">Tags' in made["tags/llm/index.html"]
    assert b'class="active">Authors' in made["authors/ada/index.html"]
    assert b'class="active">Archive' in made["days/2025-03-11/index.html"]
    assert current not in made["papers/p1/index.html"] and b"active" not in made["papers/p1/index.html"]
    if search:
        assert b'role="search"' in made["index.html"] and b'role="search"' not in made["search/index.html"]


def _renderer(root, theme="default", partial=None):
    site = _site(root, theme)
    if partial is not None:
        (site / "templates").mkdir()
        (site / "templates" / "_p.html").write_text(partial, encoding="utf-8")
    config = load_config(site)
    return Renderer(build_site(load_papers(config), config), resolve_theme(config))


def test_a_partial_is_rendered_once_for_each_section_and_current(tmp_path):
    renderer = _renderer(tmp_path / "s")
    pages = [("paper", ("p1",)), ("paper", ("p2",)), ("home", (1,)), ("home", (2,)), ("author", (0, 1))]
    for kind, key in pages:
        renderer.render(next(o for o in _plan(renderer) if o.kind == kind and o.key == key))
    made = renderer._partials._made
    # Two paper pages share one header text; the home page, its page 2 and an author page have their own.
    texts = sorted((k[2][1], k[3][1]) for k in made if k[0] == "_header.html")
    assert texts == [("", ""), ("authors", None), ("page", None), ("papers", None)]
    # The site's feeds, in <head> and in the footer: one text each, whatever the page (no values).
    assert sorted(k for k in made if k[0] != "_header.html") == ["_feed_links.html", "_subscribe.html"]


def _plan(renderer):
    from sitegen import siteplan

    return siteplan.plan(renderer.site)


_VALUES = st.one_of(
    st.sampled_from(["", "<i>", "a&b", 0, 1, True, False, None, date(2025, 3, 14), 0.0, -0.0]),
    st.sampled_from(["<i>", "a&b", ""]).map(Markup),
    st.text(max_size=5),
    st.lists(st.sampled_from(["x", Markup("<b>"), 1]), max_size=2),
    st.tuples(st.sampled_from(["<i>", Markup("<i>")])),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_VALUES, _VALUES), min_size=1, max_size=12))
def test_a_partial_is_what_rendering_it_with_its_values_gives(tmp_path_factory, calls):
    renderer = _renderer(tmp_path_factory.mktemp("s"), partial="[{{ a }}|{{ b }}|{{ site.title }}]")
    template = renderer.env.get_template("_p.html")
    for a, b in calls:
        assert renderer._partials.html("_p.html", a=a, b=b) == template.render(a=a, b=b)


def test_a_partial_sees_nothing_of_the_page(tmp_path):
    renderer = _renderer(tmp_path / "s", partial="{{ route }}")
    import jinja2

    with pytest.raises(jinja2.UndefinedError):
        renderer.env.from_string("{{ partial('_p.html') }}").render(route="papers/x/")


def test_equal_values_written_differently_get_their_own_text(tmp_path):
    # One moment in two zones, 1 and True, a str and the same text marked safe: each pair
    # is equal (and hashes alike), and each is written differently.
    renderer = _renderer(tmp_path / "s", partial="[{{ a }}]")
    moment = datetime(2025, 3, 14, 12, tzinfo=timezone.utc)
    pairs = [(moment, moment.astimezone(timezone(timedelta(hours=1)))), (1, True), ("<i>", Markup("<i>"))]
    template = renderer.env.get_template("_p.html")
    for first, second in pairs:
        assert first == second
        for value in (first, second):
            assert renderer._partials.html("_p.html", a=value) == template.render(a=value)
