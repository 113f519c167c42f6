"""``markdown:`` in site.yaml: checked like every setting, and the Python-Markdown engine."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sitegen.config import load_config
from sitegen.errors import ConfigError
from sitegen.markdown_settings import DEFAULT_MARKDOWN, MarkdownSettings
from sitegen.markup import plain_text, render_markdown, render_title, render_with_summary

MINIMAL = "title: Papers\nbase_url: https://example.org/\n"
PYTHON_MARKDOWN = "markdown:\n  engine: python-markdown\n"


def _config(tmp_path: Path, text: str):
    (tmp_path / "site.yaml").write_text(MINIMAL + text, encoding="utf-8")
    return load_config(tmp_path)


def _problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        _config(tmp_path, text)
    return [str(p) for p in caught.value.problems]


def _python_markdown(*extensions: str, **configs: dict) -> MarkdownSettings:
    import json

    return MarkdownSettings(
        engine="python-markdown",
        autolink=False,
        footnotes=False,
        tables=False,
        smart_punctuation=False,
        extensions=extensions,
        extension_configs=json.dumps(configs, sort_keys=True),
    )


# --- checking site.yaml ---------------------------------------------------------------


def test_defaults_and_switches(tmp_path: Path) -> None:
    assert _config(tmp_path, "").markdown == DEFAULT_MARKDOWN
    settings = _config(tmp_path, "markdown:\n  autolink: false\n  smart_punctuation: true\n").markdown
    assert (settings.autolink, settings.footnotes, settings.tables, settings.smart_punctuation) == (
        False, True, True, True,
    )  # fmt: skip


def test_every_problem_is_located_with_a_suggestion(tmp_path: Path) -> None:
    text = "markdown:\n  engnie: python-markdown\n  footnotes: yes please\n  tables: 1\n  extensions: [x]\n"
    assert _problems(tmp_path, text) == [
        "site.yaml:4: markdown.engnie: unknown setting (did you mean 'engine'?)",
        "site.yaml:5: markdown.footnotes: expected true or false, got 'yes please'",
        "site.yaml:6: markdown.tables: expected true or false, got 1",
        "site.yaml:7: markdown.extensions: needs engine: python-markdown",
    ]


def test_an_unknown_engine_is_named(tmp_path: Path) -> None:
    assert _problems(tmp_path, "markdown:\n  engine: python_markdown\n") == [
        "site.yaml:4: markdown.engine: unknown engine 'python_markdown' (did you mean 'python-markdown'?)"
    ]
    assert _problems(tmp_path, "markdown: fast\n") == [
        "site.yaml:3: markdown: expected a mapping of Markdown settings, got 'fast'"
    ]


def test_an_uninstalled_extension_is_an_error_on_its_line(tmp_path: Path) -> None:
    text = PYTHON_MARKDOWN + "  extensions:\n    - footnotes\n    - pymdownx.no_such_thing\n"
    [problem] = _problems(tmp_path, text)
    assert problem.startswith(
        "site.yaml:7: markdown.extensions[1]: extension 'pymdownx.no_such_thing' is not installed"
    )


def test_bad_extension_options_are_errors_on_their_line(tmp_path: Path) -> None:
    text = (
        PYTHON_MARKDOWN
        + "  extensions: [pymdownx.tilde]\n"
        + "  extension_configs:\n    pymdownx.tilde: {no_such_option: 1}\n    smarty: {}\n"
    )
    problems = _problems(tmp_path, text)
    assert problems == [
        "site.yaml:7: markdown.extension_configs.pymdownx.tilde: extension 'pymdownx.tilde' refuses "
        "its options: 'no_such_option'",
        "site.yaml:8: markdown.extension_configs.smarty: configures an extension not in extensions",
    ]


def test_the_switches_belong_to_the_default_engine(tmp_path: Path) -> None:
    assert _problems(tmp_path, PYTHON_MARKDOWN + "  footnotes: true\n") == [
        "site.yaml:5: markdown.footnotes: is for engine pulldown-cmark; with python-markdown, "
        "list the extension 'footnotes' instead"
    ]


def test_python_markdown_settings_name_the_library_versions(tmp_path: Path) -> None:
    from importlib import metadata

    settings = _config(tmp_path, PYTHON_MARKDOWN + "  extensions: [footnotes, pymdownx.tilde]\n").markdown
    assert settings.extensions == ("footnotes", "pymdownx.tilde")
    versions = dict(settings.versions)
    assert versions["markdown"] == metadata.version("markdown")
    assert versions["pymdown-extensions"] == metadata.version("pymdown-extensions")


# --- the Python-Markdown engine --------------------------------------------------------


def test_python_markdown_runs_its_extensions() -> None:
    html = render_markdown("~~gone~~ and H~2~O", _python_markdown("pymdownx.tilde"))
    assert html == "<p><del>gone</del> and H<sub>2</sub>O</p>"


def test_python_markdown_shares_math_and_sanitising() -> None:
    settings = _python_markdown("footnotes")
    text = (
        "# Head\n\nWe bound $p(x_t \\mid x_{<t})$; costs $5 and $10; `$x$` is code[^1].\n\n"
        "$$\\sum_i x_i$$\n\n![a plot](https://example.org/p.png) <script>alert(1)</script> "
        "[bad](javascript:alert(1)) <img src=x onerror=alert(1)> <think>\n\n[^1]: A note."
    )
    html, summary = render_with_summary(text, 300, settings)
    default = render_markdown("We bound $p(x_t \\mid x_{<t})$.")
    assert re.search(r"<math .*?</math>", default).group(0) in html  # the same MathML
    assert "costs $5 and $10" in html and "<code>$x$</code>" in html
    assert '<div class="math" tabindex="0"><math ' in html
    assert "<h3>Head</h3>" in html  # headings two levels down, as with the default engine
    assert '<a href="https://example.org/p.png" rel="nofollow noopener">a plot</a>' in html
    assert "<script" not in html and "javascript" not in html and "<img" not in html and "onerror" not in html
    assert "think" not in html  # a tag off the allowlist is dropped (the default engine shows it as text)
    ids = re.findall(r' id="([^"]+)"', html)
    assert ids and all(i.startswith("n") and "-fn" in i for i in ids)  # footnote ids scoped to the document
    assert summary == "Head We bound p(xₜ | x_(<t)); costs $5 and $10; $x$ is code. ∑ᵢ xᵢ a plot bad"
    assert plain_text(text, 300, settings) == summary


def test_titles_keep_the_inline_renderer_with_python_markdown() -> None:
    assert render_title("*Fast* $x^2$ 'models'", _python_markdown())[1] == "Fast x² 'models'"
    assert render_title("*Fast* 'models'", _python_markdown("smarty"))[1] == "Fast ‘models’"


def test_the_readme_shows_the_default_markdown_settings(tmp_path: Path) -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    example = re.search(r"### site.yaml\n\n```yaml\n(.*?)```", readme, re.S).group(1)
    (tmp_path / "site.yaml").write_text(example, encoding="utf-8")
    assert "markdown:" in example and load_config(tmp_path).markdown == DEFAULT_MARKDOWN
