"""Warnings: what builds fine but is likely a mistake, and what `--strict` refuses.

- a site without ``id`` in site.yaml (its feeds share ids with every such site);
- a paper without an abstract;
- tags that differ only in case ('LLM' and 'llm' share one page, under the
  first spelling seen).

Each is a Problem, so the CLI prints it like an error (``path: field: message``)
and ``--strict`` can raise it as one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .config import CONFIG_NAME, Config
from .errors import ContentError, Problem
from .model import Paper

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
    spellings: dict[str, list[str]] = {}
    for name in tag_spellings:
        spellings.setdefault(name.casefold(), []).append(name)
    for names in spellings.values():
        if len(names) > 1:
            shown = " and ".join(f"'{name}'" for name in sorted(names))
            message = f"tags {shown} differ only in case: they share one page; write them one way"
            found.append(Problem(message))
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
            self.warnings += paper_warnings(papers, list(site.tag_slugs))
        if self.strict and self.warnings:
            raise ContentError(self.warnings)
