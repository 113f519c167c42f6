"""Warnings: what builds fine but is likely a mistake, and what `--strict` refuses.

- a site without ``id`` in site.yaml (its feeds share ids with every such site);
- a paper without an abstract;
- tags, or authors, that differ only in case ('LLM' and 'llm' share one
  page, under the first spelling seen);
- different names that would share a slug ('C++' and 'C#'): slugs.py keeps
  them apart, and the warning names where each is first listed.

Each is a Problem, so the CLI prints it like an error (``path: field: message``)
and ``--strict`` can raise it as one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .config import CONFIG_NAME, Config
from .documents import Document, load_document
from .errors import ContentError, Problem
from .model import Paper
from .site import Site

NO_SITE_ID = (
    "no site id: the feeds use the ids every site without one shares; add one such as "
    "'id: tag:{host},{year}:' to site.yaml before subscribers come (see docs/feeds.md)"
)


def site_warnings(config: Config, year: int) -> list[Problem]:
    """What site.yaml lacks; ``year`` is the one a suggested id would name."""
    if config.id is not None:
        return []
    from urllib.parse import urlsplit

    host = urlsplit(config.base_url).hostname or "example.org"
    return [Problem(NO_SITE_ID.format(host=host, year=year), Path(CONFIG_NAME), None, "id")]


def paper_warnings(papers: Sequence[Paper], tag_spellings: Sequence[str]) -> list[Problem]:
    """Papers without an abstract, one each; tag spellings that differ only in case."""
    found = [
        Problem(f"paper '{paper.id}' has no abstract", paper.source, None, "abstract")
        for paper in papers
        if not paper.abstract or paper.abstract.isspace()  # strip() would copy each abstract
    ]
    return found + _case_variants("tags", tag_spellings)


def name_warnings(site: Site) -> list[Problem]:
    """Authors that differ only in case; names kept apart because they share a slug,
    one warning per later name, at the first name's line, naming the later's."""
    found = _case_variants("authors", site.author_slugs)
    lines = _Lines(site.config)
    for kind, clash in site.clashes:
        first, slug, paper = clash.names[0]
        for later, later_slug, later_paper in clash.names[1:]:
            where = later_paper.source
            line = lines.of(later_paper, kind, later)
            message = (
                f"'{first}' and '{later}' ({where}{f':{line}' if line else ''}) share the slug '{slug}': "
                f"kept apart, '{later}' (listed later) is at {kind}/{later_slug}/; "
                f"if they are one {kind[:-1]}, write them alike"
            )
            found.append(Problem(message, paper.source, lines.of(paper, kind, first), kind))
    return found


def _case_variants(kind: str, spellings: Iterable[str]) -> list[Problem]:
    by_name: dict[str, list[str]] = {}
    for name in spellings:
        by_name.setdefault(name.casefold(), []).append(name)
    found = []
    for names in by_name.values():
        if len(names) > 1:
            shown = " and ".join(f"'{name}'" for name in sorted(names))
            found.append(
                Problem(f"{kind} {shown} differ only in case: they share one page; write them one way")
            )
    return found


class Vetter:
    """build()'s ``vet``: collects the warnings; with --strict, raises them as errors."""

    def __init__(self, strict: bool) -> None:
        self.strict = strict
        self.warnings: list[Problem] = []

    def __call__(self, config: Config, papers: Any, site: Any) -> None:
        self.warnings = site_warnings(config, datetime.now(timezone.utc).year)
        if papers is None and self.strict:  # an unchanged site is not loaded; --strict must look
            from .loading import load_papers
            from .site import build_site

            papers = load_papers(config)
            site = build_site(papers, config)
        if papers is not None:
            self.warnings += paper_warnings(papers, list(site.tag_slugs)) + name_warnings(site)
        if self.strict and self.warnings:
            raise ContentError(self.warnings)


class _Lines:
    """The line where a paper gives a name. Papers do not keep lines (memory at
    100k papers): the file is read again, on this rare path only."""

    def __init__(self, config: Config) -> None:
        self._config = config
        self._documents: dict[Path, Document] = {}

    def of(self, paper: Paper, kind: str, spelling: str) -> int | None:
        if paper.source is None:
            return None
        document = self._documents.get(paper.source)
        if document is None:
            path = self._config.site_dir / paper.source
            document = load_document(path, paper.source, limits=self._config.limits)
            self._documents[paper.source] = document
        data = document.data
        if isinstance(data, list):
            index = next(
                (i for i, e in enumerate(data) if isinstance(e, dict) and e.get("id") == paper.id), None
            )
            if index is None:
                return None
            data, at = data[index], (index,)
        else:
            at = ()
        names = data.get(kind) if isinstance(data, dict) else None
        if not isinstance(names, list):
            return document.line_at(at)
        given = [n.get("name") if isinstance(n, dict) else n for n in names]
        return document.line_at(at + (kind, given.index(spelling) if spelling in given else 0))
