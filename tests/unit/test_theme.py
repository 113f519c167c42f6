import re
from datetime import date, datetime
from importlib.metadata import version
from pathlib import Path

import jinja2
import markupsafe
import pytest
from markupsafe import Markup

from sitegen import theme
from sitegen.build import build
from sitegen.config import load_config
from sitegen.errors import ThemeError
from sitegen.theme import make_environment, resolve_theme, static_files
from tests.sitekit import paper, write_site


def test_the_default_chain_is_site_folders_then_builtin_default(tmp_path):
    site = write_site(tmp_path / "s", [paper("a")])
    (site / "templates").mkdir()
    theme = resolve_theme(load_config(site))
    assert theme.names == ("default",)
    assert theme.template_dirs[0] == site / "templates"
    assert theme.template_dirs[-1].parts[-3:] == ("themes", "default", "templates")


def test_a_site_template_overrides_one_builtin_template(tmp_path):
    site = write_site(tmp_path / "s", [paper("a", title="Overridden card")])
    (site / "templates").mkdir()
    (site / "templates/_card.html").write_text('<article class="mine">{{ paper.title }}</article>\n')
    build(site)
    home = (site / "output/index.html").read_text()
    assert '<article class="mine">Overridden card</article>' in home
    assert 'class="site-header"' in home, "base.html still comes from the default theme"


def test_a_site_theme_extends_a_parent_and_adds_static_files(tmp_path):
    site = write_site(tmp_path / "s", [paper("a")], theme="lab")
    parent = site / "themes/base-lab"
    (parent / "templates").mkdir(parents=True)
    (parent / "templates/404.html").write_text("parent 404 {{ site.title }}\n")
    lab = site / "themes/lab"
    (lab / "static").mkdir(parents=True)
    (lab / "static/lab.css").write_text("body{}")
    (lab / "theme.yaml").write_text("extends: base-lab\n")
    theme = resolve_theme(load_config(site))
    assert theme.names == ("lab", "base-lab", "default")
    assert "lab.css" in static_files(theme) and "style.css" in static_files(theme)
    build(site)
    assert (site / "output/404.html").read_text() == "parent 404 Test Papers\n"
    assert (site / "output/static/lab.css").exists()


def test_an_extends_loop_is_an_error(tmp_path):
    site = write_site(tmp_path / "s", [], theme="a")
    for name, parent in (("a", "b"), ("b", "a")):
        (site / "themes" / name).mkdir(parents=True)
        (site / "themes" / name / "theme.yaml").write_text(f"extends: {parent}\n")
    with pytest.raises(ThemeError, match="loop: a -> b -> a"):
        resolve_theme(load_config(site))


def test_a_missing_theme_is_an_error_naming_the_setting_and_the_builtin_themes(tmp_path):
    site = write_site(tmp_path / "s", [], theme="nope")
    with pytest.raises(ThemeError) as caught:
        resolve_theme(load_config(site))
    problem = caught.value.problems[0]
    assert (problem.path, problem.field) == ("site.yaml", "theme")
    assert (
        problem.message == "no theme named 'nope' in themes/ or built in (built-in themes: compact, default)"
    )


def test_theme_compact_in_site_yaml_selects_the_builtin_compact_theme(tmp_path):
    site = write_site(tmp_path / "s", [paper("a", abstract="An *abstract*.", upvotes=3)], theme="compact")
    theme = resolve_theme(load_config(site))
    assert theme.names == ("compact", "default")
    assert [d.parts[-2] for d in theme.template_dirs] == ["compact", "default"]
    assert {"compact.css", "style.css", "favicon.svg"} <= set(static_files(theme))
    build(site)
    home = (site / "output/index.html").read_text()
    assert '<article class="entry">' in home and '<details class="entry-abstract">' in home
    assert "<p>An <em>abstract</em>.</p>" in home
    assert home.index("/static/style.css") < home.index("/static/compact.css")


def test_builtin_theme_names_are_the_theme_folders_shipped():
    from sitegen.theme import builtin_theme_names, builtin_themes_dir

    assert builtin_theme_names() == ["compact", "default"]
    assert all((builtin_themes_dir() / name / "theme.yaml").is_file() for name in builtin_theme_names())


def test_theme_yaml_unknown_keys_are_errors(tmp_path):
    site = write_site(tmp_path / "s", [], theme="t")
    (site / "themes/t").mkdir(parents=True)
    (site / "themes/t/theme.yaml").write_text("extend: default\n")
    with pytest.raises(ThemeError, match="extend"):
        resolve_theme(load_config(site))


def test_builtin_themes_ship_with_the_package():
    from sitegen.theme import builtin_themes_dir

    assert (builtin_themes_dir() / "default/templates/base.html").is_file()
    assert isinstance(builtin_themes_dir(), Path)


class _Html:
    def __html__(self):
        return "<b>safe</b>"


class _Text:
    def __str__(self):
        return "a < b"


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        "<script>&'\"",
        "",
        Markup("<em>kept</em>"),
        42,
        -7,
        True,
        None,
        1.5,
        date(2025, 3, 14),
        datetime(2025, 3, 14, 9, 30),
        _Html(),
        _Text(),
        Markup("x") + "<y>",
    ],
)
def test_templates_escape_exactly_as_markupsafe_does(tmp_path, value):
    """Templates use a faster escape than markupsafe's; it must give the same text
    (ASCII here: typographic marks are the one difference, tested below)."""
    env = make_environment(resolve_theme(load_config(write_site(tmp_path / "s", [paper("a")]))), {}, {})
    rendered = env.from_string("[{{ value }}]").render(value=value)
    assert rendered == f"[{markupsafe.escape(value)}]"
    escape = env.from_string("").root_render_func.__globals__["escape"]
    assert escape is not markupsafe.escape, "the output escape is in use"
    assert escape(value) == markupsafe.escape(value)


def test_jinja_templates_call_the_escape_sitegen_gives_them(tmp_path):
    """theme.py swaps the ``escape`` that each compiled template calls for every
    {{ ... }} (a name in the module Jinja generates: private, so pyproject.toml
    holds jinja2 to the minor version tested). A release that calls anything
    else fails here, with the reason, rather than as pages with other bytes."""
    env = make_environment(resolve_theme(load_config(write_site(tmp_path / "s", [paper("a")]))), {}, {})
    code = env.compile("{{ v }}", raw=True)
    shape = re.search(r"^from jinja2\.runtime import .*\bescape\b", code, re.M) and "yield escape(" in code
    assert shape, (
        f"jinja2 {version('jinja2')} no longer outputs {{{{ ... }}}} through the `escape` of the template's "
        "module: theme.make_environment's output escape would not be used. Read the new generated code "
        "(env.compile(source, raw=True)), adapt theme.py, then widen the jinja2 bound in pyproject.toml."
    )
    assert env.from_string("{{ v }}").render(v="\u201cq\u201d") == "&ldquo;q&rdquo;"


def test_markupsafes_c_escape_is_its_public_escape_without_the_markup():
    """theme._c_escape is markupsafe's private ``_escape_inner`` (3.0): what its
    public ``escape`` calls, for the same text. Any other markupsafe version
    pyproject.toml allows must have none (2.1: the public escape is the C one)."""
    inner = theme._c_escape()
    if version("markupsafe").startswith("2.1."):
        assert inner is None
        return
    assert inner is not None, (
        f"markupsafe {version('markupsafe')} has no _escape_inner: every page now escapes through "
        "markupsafe.escape (same bytes, slower); find its C escape or drop the fast path in theme.py, "
        "then widen the markupsafe bound in pyproject.toml"
    )
    for text in ["plain", "<script>&'\"", "", "caf\u00e9 \u201cq\u201d \U0001f600", "a" * 1000 + "&"]:
        assert type(inner(text)) is str
        assert inner(text) == str(markupsafe.escape(text)), text


def test_without_markupsafes_c_escape_pages_are_the_same(tmp_path, monkeypatch):
    """The public path theme.py takes when markupsafe has no ``_escape_inner``."""
    values = [
        "plain",
        "<script>&'\"",
        Markup("<i>kept</i>"),
        42,
        None,
        date(2025, 3, 14),
        "\u201cq\u201d \u2014 caf\u00e9",
    ]
    env = make_environment(resolve_theme(load_config(write_site(tmp_path / "s", [paper("a")]))), {}, {})
    fast = [env.from_string("[{{ v }}]").render(v=v) for v in values]
    monkeypatch.setattr(theme, "_c_escape", lambda: None)
    env = make_environment(resolve_theme(load_config(write_site(tmp_path / "t", [paper("a")]))), {}, {})
    assert [env.from_string("[{{ v }}]").render(v=v) for v in values] == fast


def test_output_writes_typographic_marks_as_references_and_keeps_letters(tmp_path):
    """A page is ASCII, and cheap to encode, unless its content is not: marks
    sitegen itself adds (the "…" ending a summary) must not make it otherwise."""
    env = make_environment(resolve_theme(load_config(write_site(tmp_path / "s", [paper("a")]))), {}, {})
    template = env.from_string("[{{ text }}|{{ html }}]")
    rendered = template.render(text="“Ω” — <café> 東京…", html=Markup("<i>kept “as is”</i>"))
    assert rendered == "[&ldquo;Ω&rdquo; &mdash; &lt;café&gt; 東京&hellip;|<i>kept “as is”</i>]"
    summary = "An abstract cut short at two hundred characters…"
    assert template.render(text=summary, html="").isascii()


def test_output_gathered_into_a_value_is_escaped_once_and_stays_safe(tmp_path):
    """The output escape gives plain text pieces; where Jinja gathers output into a
    value (set blocks, macros, call blocks, filter blocks) that value must still be
    Markup: not escaped a second time when output, and safe when joined to text."""
    env = make_environment(resolve_theme(load_config(write_site(tmp_path / "s", [paper("a")]))), {}, {})
    source = (
        "{% set block %}<b>{{ v }}</b>{% endset %}{{ block }}|{{ block ~ v }}|"
        "{% macro m(x) %}<i>{{ x }}</i>{% endmacro %}{{ m(v) }}|{{ m(v) ~ v }}|"
        "{% macro wrap() %}<u>{{ caller() }}</u>{% endmacro %}{% call wrap() %}{{ v }}{% endcall %}|"
        "{% filter upper %}<s>{{ v }}</s>{% endfilter %}"
    )
    assert env.from_string(source).render(v="<&>") == (
        "<b>&lt;&amp;&gt;</b>|<b>&lt;&amp;&gt;</b>&lt;&amp;&gt;|"
        "<i>&lt;&amp;&gt;</i>|<i>&lt;&amp;&gt;</i>&lt;&amp;&gt;|"
        "<u>&lt;&amp;&gt;</u>|"
        "<S>&LT;&AMP;&GT;</S>"
    )


def test_undefined_values_still_fail_loudly_with_the_output_escape(tmp_path):
    env = make_environment(resolve_theme(load_config(write_site(tmp_path / "s", [paper("a")]))), {}, {})
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ missing }}").render()


def test_names_resolve_as_jinja_resolves_them(tmp_path):
    """A child template's own top-level {% set %} before the page's values, in its blocks and
    its parent's; a page value otherwise; an included template sees them; none is undefined."""
    templates = {
        "base.html": "{% block b %}{% endblock %}|{{ x }}|{{ y }}|{% include 'inc.html' %}",
        "child.html": '{% extends "base.html" %}{% set x = "own" %}'
        "{% block b %}{{ x }}/{{ y }}{% endblock %}",
        "inc.html": "{{ x }}{{ y }}{% if z is defined %}{{ z }}{% endif %}",
    }
    site = write_site(tmp_path / "s", [paper("a")])
    (site / "templates").mkdir(exist_ok=True)
    for name, text in templates.items():
        (site / "templates" / name).write_text(text, encoding="utf-8")
    env = make_environment(resolve_theme(load_config(site)), {"y": "global"}, {})
    jinjas = jinja2.Environment(
        loader=jinja2.DictLoader(templates), autoescape=True, undefined=jinja2.StrictUndefined
    )
    jinjas.globals["y"] = "global"
    for values in ({"x": "given", "y": "page"}, {"x": "given"}, {}):
        expected = jinjas.get_template("child.html").render(values)
        assert env.get_template("child.html").render(values) == expected
    assert expected == "own/global|own|global|ownglobal"
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{% block b %}{{ nothing }}{% endblock %}").render()


def test_template_helpers_are_called_with_and_without_the_context(tmp_path):
    """Plain helpers take a shortcut past Jinja's Context.call; pass_context ones must not."""

    @jinja2.pass_context
    def page_name(context):
        return context["name"]

    globals = {"shout": lambda text, end="!": text.upper() + end, "page_name": page_name}
    env = make_environment(resolve_theme(load_config(write_site(tmp_path / "s", [paper("a")]))), globals, {})
    source = (
        "{% for x in xs %}{{ shout(x, end='?') }}{% endfor %}"
        "{% block b %}{{ shout(page_name()) }}{% endblock %}{{ name.split('o', 1)|join('+') }}"
    )
    assert env.from_string(source).render(xs=["a", "b"], name="home") == "A?B?HOME!h+me"


def test_static_hidden_files_are_skipped_and_hidden_folders_copied(tmp_path):
    site = write_site(tmp_path / "s", [paper("a")])
    (site / "static/.well-known").mkdir(parents=True)
    (site / "static/.well-known/security.txt").write_text("Contact: x")
    (site / "static/.DS_Store").write_text("junk")
    found = static_files(resolve_theme(load_config(site)))
    assert ".well-known/security.txt" in found
    assert ".DS_Store" not in found


def test_a_template_that_is_a_fifo_is_a_theme_error_not_a_hang(tmp_path):
    import os

    site = write_site(tmp_path / "s", [paper("a")])
    (site / "templates").mkdir()
    os.mkfifo(site / "templates/_card.html")
    config = load_config(site)
    theme = resolve_theme(config)
    env = make_environment(theme, {}, {})
    with pytest.raises(ThemeError, match=r"^templates/_card.html: is a named pipe, not a regular file$"):
        env.get_template("_card.html")
