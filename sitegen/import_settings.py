"""The ``sources:`` and ``import:`` settings of site.yaml, checked like the rest of it.

They live in the config (not in the importers) so that `sitegen check` and
`sitegen build` report a mistyped source with its line, long before the
scheduled import runs into it. No network code is imported from here.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .routes import id_key, is_valid_id

UNMAPPED_CHOICES = ("keep", "drop")
ARXIV_SORTS = ("submitted", "updated", "relevance")  # importers/arxiv.py maps them to the API's names


# Options and mappings are kept as tuples of pairs: Config is frozen, hashable
# and crosses process boundaries, which dicts and mapping proxies would not allow.
@dataclass(frozen=True)
class Source:
    """One entry of ``sources:``: which importer, with which options."""

    name: str  # 'hf-daily', 'arxiv', 'bibtex'
    options: tuple[tuple[str, Any], ...] = ()

    def option(self, key: str, default: Any = None) -> Any:
        return dict(self.options).get(key, default)


@dataclass(frozen=True)
class ImportSettings:
    """The ``import:`` mapping: choices shared by every source."""

    categories: tuple[tuple[str, str], ...] = ()  # arXiv category -> tag
    unmapped_categories: str = "keep"
    exclude: frozenset[str] = frozenset()  # ids never imported again, as routes.id_key gives them

    @property
    def category_tags(self) -> Mapping[str, str]:
        return dict(self.categories)


def _string(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected a non-empty string, got {value!r}")
    return value.strip()


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"expected a whole number of at least 1, got {value!r}")
    return value


def _count_or_zero(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"expected a whole number (0 or more), got {value!r}")
    return value


def _id_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not value:
        raise ValueError(f"expected a list of arXiv ids, got {value!r}")
    return tuple(_string(item) for item in value)


def _sort(value: Any) -> str:
    if value not in ARXIV_SORTS:
        raise ValueError(f"expected one of {', '.join(ARXIV_SORTS)}, got {value!r}")
    return value


def _relative_file(value: Any) -> str:
    text = _string(value)
    path = Path(text)
    if path.is_absolute() or ".." in path.parts:
        raise ValueError(f"must be a file inside the site folder, got {value!r}")
    return path.as_posix()


# Each importer's options: key -> check. A check raises ValueError with the message.
SOURCE_OPTIONS: dict[str, dict[str, Callable[[Any], Any]]] = {
    "hf-daily": {"keyword_tags": _count_or_zero, "days": _count},
    "arxiv": {"query": _string, "id_list": _id_list, "max": _count, "sort": _sort},
    "bibtex": {"file": _relative_file},
}
_REQUIRED_ONE_OF = {"arxiv": ("query", "id_list"), "bibtex": ("file",)}


def _suggest(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else f" (choose from {', '.join(known)})"


Report = Callable[[tuple, str, str], None]  # (key path, field name, message)


def check_sources(raw: Any, report: Report) -> tuple[Source, ...]:
    """``sources:`` -> Sources; every problem goes to ``report`` and that entry is left out.

    Each item is a source name (``- hf-daily``) or a one-key mapping of name to
    options (``- arxiv: {query: ..., max: 50}``)."""
    if not isinstance(raw, list):
        report(("sources",), "sources", "expected a list such as [hf-daily, {arxiv: {query: ...}}]")
        return ()
    sources: list[Source] = []
    for index, item in enumerate(raw):
        at, name = ("sources", index), f"sources[{index}]"
        if isinstance(item, str):
            item = {item: None}
        if not isinstance(item, dict) or len(item) != 1:
            report(at, name, "expected a source name, or one name with its options (- arxiv: {query: ...})")
            continue
        ((kind, options),) = item.items()
        if kind not in SOURCE_OPTIONS:
            report(at, name, f"unknown source {kind!r}{_suggest(str(kind), list(SOURCE_OPTIONS))}")
            continue
        checked = _check_options(kind, options if options is not None else {}, at + (kind,), report)
        if checked is not None:
            sources.append(Source(kind, tuple(checked.items())))
    return tuple(sources)


def _check_options(kind: str, options: Any, at: tuple, report: Report) -> dict[str, Any] | None:
    prefix = f"sources[{at[1]}].{kind}"
    if not isinstance(options, dict):
        report(at, prefix, f"expected a mapping of options, got {options!r}")
        return None
    checks = SOURCE_OPTIONS[kind]
    values: dict[str, Any] = {}
    ok = True
    for key, value in options.items():
        if key not in checks:
            report(at + (key,), f"{prefix}.{key}", f"unknown option{_suggest(str(key), list(checks))}")
            ok = False
            continue
        try:
            values[key] = checks[key](value)
        except ValueError as exc:
            report(at + (key,), f"{prefix}.{key}", str(exc))
            ok = False
    needed = _REQUIRED_ONE_OF.get(kind, ())
    if ok and needed and not any(key in values for key in needed):
        report(at, prefix, f"needs {' or '.join(needed)}")
        ok = False
    if kind == "arxiv" and "query" in values and "id_list" in values:
        report(at, prefix, "give query or id_list, not both")
        ok = False
    return values if ok else None


_IMPORT_KEYS = ("categories", "unmapped_categories", "exclude")


def check_import(raw: Any, report: Report) -> ImportSettings:
    """``import:`` -> ImportSettings; problems go to ``report``, defaults stand in."""
    if not isinstance(raw, dict):
        report(("import",), "import", "expected a mapping (categories, unmapped_categories, exclude)")
        return ImportSettings()
    values: dict[str, Any] = {}
    for key, value in raw.items():
        at, name = ("import", key), f"import.{key}"
        if key == "categories":
            if isinstance(value, dict) and all(
                isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in value.items()
            ):
                values[key] = tuple((k.strip(), v.strip()) for k, v in value.items())
            else:
                report(at, name, "expected a mapping of arXiv category to tag: {cs.LG: machine learning}")
        elif key == "unmapped_categories":
            if value in UNMAPPED_CHOICES:
                values[key] = value
            else:
                report(at, name, f"expected one of {', '.join(UNMAPPED_CHOICES)}, got {value!r}")
        elif key == "exclude":
            if isinstance(value, list) and all(isinstance(v, str) and is_valid_id(v.strip()) for v in value):
                values[key] = frozenset(id_key(v.strip()) for v in value)
            else:
                report(at, name, 'expected a list of paper ids (quoted: "2403.09629")')
        else:
            report(at, name, f"unknown setting{_suggest(str(key), list(_IMPORT_KEYS))}")
    return ImportSettings(**values)
