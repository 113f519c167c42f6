"""partials.py: _stylesheets.html rendered once for every page when it reads
nothing of the page, else included in each page; the pages are the bytes of a
base.html that includes it in every page (the reference)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.build import build
from sitegen.config import load_config
from sitegen.loading import load_papers
from sitegen.render import Renderer
from sitegen.site import build_site
from sitegen.theme import builtin_themes_dir, resolve_theme
from tests.sitekit import paper, tree, write_site

_REFERENCE_BASE = (
    (builtin_themes_dir() / "default" / "templates" / "base.html")
    .read_text(encoding="utf-8")
    .replace(
        '{% if stylesheets is none %}{% include "_stylesheets.html" %}{% else %}{{ stylesheets }}{% endif %}',
        '{% include "_stylesheets.html" %}',
    )
)

_SHEETS = {
    "the theme's own": None,
    "globals only": "<link href=\"{{ static('style.css') }}\">{{ site.title }}{{ trending }}\n",
    "the page's route": '<link rel="stylesheet" href="{{ url(route) }}x.css">\n',
    "the page's title": "{% if title == site.title %}<meta name=home>{% endif %}\n",
    "a loop of its own": "{% for n in range(2) %}<!-- {{ n }} -->{% endfor %}{% set x = 1 %}{{ x }}\n",
    "an include": '{% include "_extra.html" %}\n',
}


def _site(root: Path, theme: str, sheets: str | None, reference: bool) -> Path:
    papers = [paper(f"p{i}", f"2025-03-1{i % 3}", tags=["llm"], authors=["Ada"]) for i in range(5)]
    site = write_site(root, papers, theme=theme, per_page=2)
    templates = site / "templates"
    templates.mkdir()
    (templates / "_extra.html").write_text("<meta name=route content='{{ route }}'>\n", encoding="utf-8")
    if sheets is not None:
        (templates / "_stylesheets.html").write_text(sheets, encoding="utf-8")
    if reference:
        (templates / "base.html").write_text(_REFERENCE_BASE, encoding="utf-8")
    return site


@pytest.mark.parametrize("theme", ["default", "compact"])
@pytest.mark.parametrize("sheets", list(_SHEETS))
def test_pages_are_those_of_a_base_that_includes_the_stylesheets_in_each(tmp_path, theme, sheets):
    text = _SHEETS[sheets]
    build(_site(tmp_path / "ref", theme, text, True), tmp_path / "ref-out", workers=1)
    build(_site(tmp_path / "fast", theme, text, False), tmp_path / "fast-out", workers=1)
    made, reference = tree(tmp_path / "fast-out"), tree(tmp_path / "ref-out")
    assert made == reference
    if sheets in ("the page's route", "an include"):  # each page shows its own
        assert reference["tags/index.html"].count(b"tags/") > reference["index.html"].count(b"tags/")


def test_a_partial_of_globals_is_rendered_once_and_one_reading_the_page_is_not(tmp_path):

    def once(sheets):
        config = load_config(_site(tmp_path / str(len(list(tmp_path.iterdir()))), "compact", sheets, False))
        renderer = Renderer(build_site(load_papers(config), config), resolve_theme(config))
        return renderer._stylesheets

    assert once(None).html is not None and "compact.css" in once(None).html
    assert once(_SHEETS["globals only"]).html is not None
    for name in ("the page's route", "the page's title", "an include"):
        assert once(_SHEETS[name]).html is None, name


def test_a_page_that_sets_a_global_of_its_own_renders_the_partial_itself(tmp_path):

    config = load_config(_site(tmp_path / "s", "default", "<!-- {{ version }} -->\n", False))
    renderer = Renderer(build_site(load_papers(config), config), resolve_theme(config))
    assert renderer._stylesheets.html is not None
    page = renderer.page("404.html", "404.html", title="Page not found", version="the page's own")
    assert b"<!-- the page&#39;s own -->" in page
