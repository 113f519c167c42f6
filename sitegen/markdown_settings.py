"""``markdown:`` in site.yaml: which Markdown engine renders abstracts and notes, and how.

    markdown:
      engine: pulldown-cmark        # the default; or python-markdown
      autolink: true                # pulldown-cmark: bare http(s):// and www. URLs become links
      footnotes: true               # pulldown-cmark: [^1] references and definitions
      tables: true                  # pulldown-cmark: GFM pipe tables
      smart_punctuation: false      # pulldown-cmark: curly quotes, – and —, …
      extensions: [footnotes, pymdownx.tilde]          # python-markdown only
      extension_configs: {pymdownx.tilde: {subscript: false}}

Checked with the rest of site.yaml (no import of the markdown package unless it
is chosen). The frozen settings are part of Config, so of every output's key and
of the build's fingerprint: changing them renders the pages again.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .limits import show

PULLDOWN_CMARK = "pulldown-cmark"
PYTHON_MARKDOWN = "python-markdown"
ENGINES = (PULLDOWN_CMARK, PYTHON_MARKDOWN)
SWITCHES = ("autolink", "footnotes", "tables", "smart_punctuation")
# What a Python-Markdown user lists instead of each switch.
_EXTENSION_FOR = {
    "autolink": "pymdownx.magiclink",
    "footnotes": "footnotes",
    "tables": "tables",
    "smart_punctuation": "smarty",
}
_KEYS = ("engine", *SWITCHES, "extensions", "extension_configs")


@dataclass(frozen=True)
class MarkdownSettings:
    engine: str = PULLDOWN_CMARK
    autolink: bool = True
    footnotes: bool = True
    tables: bool = True
    # Off by default: abstracts come from arXiv and friends with straight quotes and
    # TeX's ``quotes'' (typeset anyway), and prose with a quote or "--" would lose the
    # fast path that skips the parser (docs/content.md has the cost).
    smart_punctuation: bool = False
    extensions: tuple[str, ...] = ()
    # JSON of {extension: {option: value}}, keys sorted: hashable, and the same text
    # for the same settings, so part of the fingerprint as it is.
    extension_configs: str = "{}"
    # The versions of markdown and of the packages the extensions come from:
    # an upgrade may change the HTML, so it must change the fingerprint too.
    versions: tuple[tuple[str, str], ...] = ()

    def configs(self) -> dict[str, dict[str, Any]]:
        return json.loads(self.extension_configs)


DEFAULT_MARKDOWN = MarkdownSettings()


def check_markdown(raw: Any, report: Callable[[tuple, str, str], None]) -> MarkdownSettings:
    """``markdown:`` from site.yaml; ``report(keys, field, message)`` takes each problem."""
    if not isinstance(raw, dict):
        report(("markdown",), "markdown", f"expected a mapping of Markdown settings, got {show(raw)}")
        return DEFAULT_MARKDOWN
    values: dict[str, Any] = {}
    for key, value in raw.items():
        at, name = ("markdown", key), f"markdown.{key}"
        if key not in _KEYS:
            close = difflib.get_close_matches(str(key), _KEYS, n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else f"; choose from {', '.join(_KEYS)}"
            report(at, name, f"unknown setting{hint}")
        elif key == "engine" and value not in ENGINES:
            close = difflib.get_close_matches(str(value), ENGINES, n=1, cutoff=0.5)
            hint = f" (did you mean '{close[0]}'?)" if close else f"; choose from {', '.join(ENGINES)}"
            report(at, name, f"unknown engine {show(value)}{hint}")
        elif key in SWITCHES and not isinstance(value, bool):
            report(at, name, f"expected true or false, got {show(value)}")
        elif key == "extensions" and not (
            isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)
        ):
            report(at, name, f"expected a list of extension names, got {show(value)}")
        elif key == "extension_configs" and not (
            isinstance(value, dict) and all(isinstance(v, dict) for v in value.values())
        ):
            report(at, name, f"expected a mapping of extension name: {{option: value}}, got {show(value)}")
        else:
            values[key] = value
    engine = values.get("engine", PULLDOWN_CMARK)
    if engine == PULLDOWN_CMARK:
        for key in ("extensions", "extension_configs"):
            if key in raw:
                report(("markdown", key), f"markdown.{key}", "needs engine: python-markdown")
        return MarkdownSettings(**{key: values[key] for key in SWITCHES if key in values})
    for key in SWITCHES:
        if key in raw:
            message = f"is for engine {PULLDOWN_CMARK}; with {PYTHON_MARKDOWN}, list the extension"
            report(("markdown", key), f"markdown.{key}", f"{message} '{_EXTENSION_FOR[key]}' instead")
    extensions = tuple(name.strip() for name in values.get("extensions", []))
    configs = values.get("extension_configs", {})
    for name in configs:
        if name not in extensions:
            where = ("markdown", "extension_configs", name)
            report(where, f"markdown.extension_configs.{name}", "configures an extension not in extensions")
    try:
        text = json.dumps(configs, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):  # a YAML date, say: not a value Python-Markdown options take
        message = "holds a value that is not JSON"
        report(("markdown", "extension_configs"), "markdown.extension_configs", message)
        text = "{}"
    # Imported only for sites that choose it: Python-Markdown and its extensions load in ~50 ms.
    from .pymarkdown import library_versions, load_problems

    for index, name, message in load_problems(extensions, json.loads(text)):
        if index is None:
            report(("markdown", "extension_configs", name), f"markdown.extension_configs.{name}", message)
        else:
            report(("markdown", "extensions", index), f"markdown.extensions[{index}]", message)
    return MarkdownSettings(
        engine=engine, extensions=extensions, extension_configs=text, versions=library_versions(extensions)
    )
