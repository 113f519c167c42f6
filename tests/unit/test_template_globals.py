"""url() and static() in templates are C callables (url: the base path joined
to the route; static: a dict of each static file's versioned URL), not the
Renderer's methods: a template gets the text those give, and a static file the
theme chain does not have is a ThemeError naming it, as before."""

from __future__ import annotations

import hashlib

import pytest

from sitegen.config import load_config
from sitegen.errors import ThemeError
from sitegen.loading import load_papers
from sitegen.render import Renderer
from sitegen.site import build_site
from sitegen.theme import read_static, resolve_theme, static_files
from tests.sitekit import paper, write_site


@pytest.fixture(params=["https://example.org/", "https://example.org/sub/path/"])
def renderer(tmp_path, request):
    site = write_site(tmp_path / "s", [paper("p1")], base_url=request.param, theme="compact")
    config = load_config(site)
    return Renderer(build_site(load_papers(config), config), resolve_theme(config))


def test_static_and_url_give_the_renderers_urls(renderer):
    theme = resolve_theme(renderer.config)
    files = static_files(theme)
    assert "compact.css" in files and "style.css" in files  # the chain's files, compact's own first
    routes = renderer.routes
    for name, path in files.items():
        version = hashlib.sha256(read_static(theme, path)).hexdigest()[:10]
        expected = f"{routes.url(routes.static(name))}?v={version}"
        assert renderer.env.from_string("{{ static(name) }}").render(name=name) == expected
    for route in ["", "feeds/", "papers/p1/", "authors/ada/page/2/"]:
        made = renderer.env.from_string("{{ url(route) }}").render(route=route)
        assert made == renderer.url(route) == routes.base_path + route
    assert renderer.url("feeds/").startswith(routes.base_path) and routes.base_path.endswith("/")


def test_a_static_file_not_in_the_theme_is_a_theme_error(renderer):
    with pytest.raises(ThemeError, match="no static file 'missing.css' in the theme chain"):
        renderer.env.from_string("{{ static('missing.css') }}").render()
