"""site.yaml -> a frozen Config; every problem collected before failing."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .documents import Document, load_document
from .errors import ConfigError, Problem
from .import_settings import ImportSettings, Source, check_import, check_sources
from .limits import DEFAULT_LIMITS, Limits, character_problem, check_limits, show
from .markdown_settings import DEFAULT_MARKDOWN, MarkdownSettings, check_markdown
from .safefiles import UnsafeFile, read_inside, real_roots

CONFIG_NAME = "site.yaml"
FEED_FORMATS = ("atom", "rss", "json")
# An author's feeds when ``author_feeds: true``: those of ``formats`` among these.
# JSON Feed is left out (docs/feeds.md: a third of the files, for what feed readers
# read as well in Atom); ``author_feeds: [atom, rss, json]`` asks for it.
AUTHOR_FEED_FORMATS = ("atom", "rss")
# Each paper's citation files (papers/<id>/cite.bib, cite.ris): ``citation_files:``
# true (these), false (none) or a list of them; docs/content.md, Citations.
CITATION_FILES = ("bibtex", "ris")


@dataclass(frozen=True)
class FeedSettings:
    entries: int = 50
    formats: tuple[str, ...] = FEED_FORMATS
    tag_feeds: bool = True
    # true (AUTHOR_FEED_FORMATS), false, or the formats themselves
    author_feeds: bool | tuple[str, ...] = True

    @property
    def author_formats(self) -> tuple[str, ...]:
        """The formats of each author's feeds, in the order of ``formats``; () for none."""
        if self.author_feeds is False:
            return ()
        wanted = AUTHOR_FEED_FORMATS if self.author_feeds is True else self.author_feeds
        return tuple(kind for kind in self.formats if kind in wanted)


@dataclass(frozen=True)
class ListSettings:
    """``trending:`` and ``digest:``: how many papers such a page shows at most
    (docs/reading.md)."""

    papers: int = 50


@dataclass(frozen=True)
class Config:
    site_dir: Path
    title: str
    base_url: str
    description: str = ""
    language: str = "en"
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    theme: str = "default"
    per_page: int = 25
    related: int = 5  # papers listed as related on each paper page; 0: none (sitegen/related.py)
    author: str | None = None
    # The prefix of every feed id (docs/feeds.md): None keeps the ids every site
    # without one shares, feeds.ID_PREFIX.
    id: str | None = None
    content_dir: Path = Path("content")
    output_dir: Path = Path("output")
    feeds: FeedSettings = field(default_factory=FeedSettings)
    sources: tuple[Source, ...] = ()  # what `sitegen import` runs with no source named
    imports: ImportSettings = field(default_factory=ImportSettings)
    limits: Limits = DEFAULT_LIMITS
    markdown: MarkdownSettings = DEFAULT_MARKDOWN  # the engine and its options (markdown_settings.py)
    search: bool = True  # a Pagefind index in pagefind/ and a /search/ page
    citation_files: tuple[str, ...] = CITATION_FILES  # of each paper, in this order; () for none
    trending: ListSettings = field(default_factory=ListSettings)
    digest: ListSettings = field(default_factory=ListSettings)

    @property
    def base_path(self) -> str:
        """The path part of base_url, always starting and ending with '/'."""
        return urlsplit(self.base_url).path or "/"


def _suggest(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


# Each settings key: (check, default). A check turns a raw value into a typed
# one, or raises ValueError with a message for the user.
def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {show(value)}")
    problem = character_problem(value)  # settings end up in feeds, which lxml writes
    if problem:
        raise ValueError(problem)
    return value


def _non_empty_string(value: Any) -> str:
    value = _string(value)
    if not value.strip():
        raise ValueError("must not be empty")
    return value.strip()


def _optional_string(value: Any) -> str | None:
    return None if value is None else _non_empty_string(value)


def _base_url(value: Any) -> str:
    value = _non_empty_string(value)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"must be an absolute http(s) URL, got {show(value)}")
    if parts.query or parts.fragment:
        raise ValueError("must not have a query or fragment")
    return value if value.endswith("/") else value + "/"


# RFC 4151: tag:<authority>,<date>:<specific>; the authority a domain name or an email address.
_DNS_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
_TAG_URI = re.compile(
    rf"tag:(?P<authority>(?:[A-Za-z0-9._-]+@)?{_DNS_NAME}),"
    r"(?P<date>\d{4}(?:-\d{2}(?:-\d{2})?)?):(?P<specific>[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*)"
)
SITE_ID_HINT = "a tag URI such as 'tag:example.org,2026:' (a domain you own, the year you started)"


def site_id(value: Any) -> str:
    """``id`` in site.yaml: a tag URI (RFC 4151) or an http(s) URL of the owner's; the
    prefix of every feed id, so it is given a separator at its end: feed ids are
    this followed by e.g. 'paper/2403.09629'."""
    value = _non_empty_string(value)
    if value.lower().startswith("tag:"):
        match = _TAG_URI.fullmatch(value)
        if not match:
            raise ValueError(f"not a valid tag URI: {show(value)}; expected {SITE_ID_HINT}")
        year, month, day = ([int(x) for x in match["date"].split("-")] + [1, 1])[:3]
        try:
            date(year, month, day)
        except ValueError:
            raise ValueError(f"impossible date {match['date']!r} in the tag URI {show(value)}") from None
        specific = match["specific"]
    else:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
            raise ValueError(f"expected {SITE_ID_HINT}, or an http(s) URL you own; got {show(value)}")
        if parts.query or parts.fragment:
            raise ValueError("an http(s) id must not have a query or fragment")
        specific = parts.path
    return value if not specific or specific.endswith(("/", ":")) else value + "/"


def _timezone(value: Any) -> ZoneInfo:
    name = _non_empty_string(value)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # 'Europe' names a folder: IsADirectoryError
        raise ValueError(f"unknown time zone {name!r} (use an IANA name such as 'Europe/Paris')") from None


def _positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"expected a whole number of at least 1, got {show(value)}")
    return value


def _related_count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 50:
        raise ValueError(f"expected a whole number from 0 (none) to 50, got {show(value)}")
    return value


def _relative_dir(value: Any) -> Path:
    path = Path(_non_empty_string(value))
    if path.is_absolute() or ".." in path.parts:
        raise ValueError(f"must be a folder inside the site folder, got {show(value)}")
    return path


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {show(value)}")
    return value


def _citation_files(value: Any) -> tuple[str, ...]:
    if isinstance(value, bool):
        return CITATION_FILES if value else ()
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        unknown = [v for v in value if v not in CITATION_FILES]
        if not unknown:
            return tuple(kind for kind in CITATION_FILES if kind in value)
    choices = ", ".join(CITATION_FILES)
    raise ValueError(f"expected true, false or a list of {choices}; got {show(value)}")


def _feed_formats(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"expected a list of formats, got {show(value)}")
    unknown = [v for v in value if v not in FEED_FORMATS]
    if unknown:
        raise ValueError(f"unknown feed format {show(unknown[0])}; choose from {', '.join(FEED_FORMATS)}")
    return tuple(dict.fromkeys(value))


def _author_feeds(value: Any) -> bool | tuple[str, ...]:
    if isinstance(value, bool):
        return value
    if isinstance(value, list):
        return _feed_formats(value)
    raise ValueError(f"expected true, false or a list of formats, got {show(value)}")


_SETTINGS: dict[str, Callable[[Any], Any]] = {
    "title": _non_empty_string,
    "base_url": _base_url,
    "description": _string,
    "language": _non_empty_string,
    "timezone": _timezone,
    "theme": _non_empty_string,
    "per_page": _positive_int,
    "related": _related_count,
    "author": _optional_string,
    "id": site_id,
    "content_dir": _relative_dir,
    "output_dir": _relative_dir,
    "search": _boolean,
    "citation_files": _citation_files,
}
_FEED_SETTINGS: dict[str, Callable[[Any], Any]] = {
    "entries": _positive_int,
    "formats": _feed_formats,
    "tag_feeds": _boolean,
    "author_feeds": _author_feeds,
}
_LIST_SETTINGS: dict[str, Callable[[Any], Any]] = {"papers": _positive_int}
_REQUIRED = ("title", "base_url")


def _check_mapping(
    doc: Document,
    mapping: dict,
    checks: dict[str, Callable[[Any], Any]],
    prefix: str,
    at: tuple,
    problems: list[Problem],
    nested: dict[str, Any],
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, raw in mapping.items():
        name = f"{prefix}{key}"
        line = doc.line_at(at + (key,))
        if key in nested:
            values[key] = raw
            continue
        if key not in checks:
            hint = _suggest(str(key), list(checks) + list(nested))
            problems.append(Problem(f"unknown setting{hint}", doc.path, line, name))
            continue
        try:
            values[key] = checks[key](raw)
        except ValueError as exc:
            problems.append(Problem(str(exc), doc.path, line, name))
    return values


def _failed(problems: list[Problem], site_dir: Path, values: dict[str, Any]) -> ConfigError:
    """The error for a site.yaml with ``problems``, with the settings its content
    can still be checked against: ``values`` (the right ones), defaults for the rest."""
    error = ConfigError(problems)
    values = {key: value for key, value in values.items() if key in _FALLBACK_KEYS}
    values.setdefault("title", "site.yaml")
    values.setdefault("base_url", "https://example.org/")
    error.fallback = Config(site_dir=site_dir, **values)
    return error


# The settings content is checked against: what a date means, and what is refused.
_FALLBACK_KEYS = ("title", "base_url", "timezone", "content_dir", "limits")


def load_config(site_dir: Path, base_url_override: str | None = None) -> Config:
    """Read ``site_dir/site.yaml``; raise ConfigError listing every problem."""
    path = site_dir / CONFIG_NAME
    shown = Path(CONFIG_NAME)
    if not os.path.lexists(path):
        message = f"no {CONFIG_NAME} in {site_dir} (is this a site folder? try --site DIR)"
        raise ConfigError(Problem(message, shown))
    try:  # the limits are not known yet: the default one for file size
        raw = read_inside(path, real_roots([site_dir]), DEFAULT_LIMITS.file_size)
    except UnsafeFile as exc:
        raise ConfigError(Problem(str(exc), shown)) from None
    doc = load_document(path, shown, raw)
    if doc.problems:
        raise _failed(doc.problems, site_dir, {})
    data = doc.data if doc.data is not None else {}
    if not isinstance(data, dict):
        raise _failed([Problem("expected a mapping of settings", shown, 1)], site_dir, {})

    problems: list[Problem] = []
    nested = {
        "feeds": None,
        "sources": None,
        "import": None,
        "limits": None,
        "markdown": None,
        "trending": None,
        "digest": None,
    }
    values = _check_mapping(doc, data, _SETTINGS, "", (), problems, nested)
    if base_url_override is not None:
        try:
            values["base_url"] = _base_url(base_url_override)
        except ValueError as exc:
            problems.append(Problem(str(exc), "--base-url"))
    for key in _REQUIRED:
        if key not in values and not any(p.field == key for p in problems):
            problems.append(Problem("required setting is missing", shown, 1, key))

    feeds = FeedSettings()
    raw_feeds = values.pop("feeds", None)
    if raw_feeds is not None:
        if not isinstance(raw_feeds, dict):
            problems.append(Problem("expected a mapping", shown, doc.line_at(("feeds",)), "feeds"))
        else:
            checked = _check_mapping(doc, raw_feeds, _FEED_SETTINGS, "feeds.", ("feeds",), problems, {})
            feeds = FeedSettings(**checked)
    lists = {}
    for name in ("trending", "digest"):
        raw_list = values.pop(name, None)
        if raw_list is None:
            continue
        if not isinstance(raw_list, dict):
            problems.append(Problem("expected a mapping", shown, doc.line_at((name,)), name))
            continue
        lists[name] = ListSettings(
            **_check_mapping(doc, raw_list, _LIST_SETTINGS, f"{name}.", (name,), problems, {})
        )

    def report(at: tuple, name: str, message: str) -> None:
        problems.append(Problem(message, shown, doc.line_at(at), name))

    sources = check_sources(values.pop("sources"), report) if values.get("sources") is not None else ()
    raw_import = values.pop("import", None)
    imports = check_import(raw_import, report) if raw_import is not None else ImportSettings()
    values.pop("sources", None)
    raw_limits = values.pop("limits", None)
    limits = check_limits(raw_limits, report) if raw_limits is not None else DEFAULT_LIMITS
    raw_markdown = values.pop("markdown", None)
    markdown = check_markdown(raw_markdown, report) if raw_markdown is not None else DEFAULT_MARKDOWN
    if problems:
        values = {k: v for k, v in values.items() if not any(p.field == k for p in problems)}
        if not any(p.field and p.field.startswith("limits") for p in problems):
            values["limits"] = limits
        raise _failed(problems, site_dir, values)
    return Config(
        site_dir=site_dir,
        feeds=feeds,
        sources=sources,
        imports=imports,
        limits=limits,
        markdown=markdown,
        **lists,
        **values,
    )
