"""Run the importers a command or site.yaml asks for, and hand their papers to ``apply``.

Every source is fetched (or read from a saved answer) before any file is
touched, so an unreachable source or a garbled answer stops the import with
nothing written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from ..config import Config
from ..errors import Problem, UsageError
from ..safefiles import UnsafeFile, read_inside, read_regular, real_roots
from ..wording import counted
from .apply import Outcome
from .base import Imported, SourceError
from .http import Fetcher, Transport


@dataclass(frozen=True)
class Request:
    """One source to run: its name and options (from site.yaml or the command line)."""

    name: str
    options: Mapping[str, Any] = field(default_factory=dict)
    day: date | None = None  # --date: the listing day to give every paper
    file: Path | None = None  # --file: a saved answer to read instead of the network


# Hugging Face adds papers to a day's listing all day long: a run each morning also
# reads yesterday's listing again, so what came after yesterday's run is not missed.
HF_DAYS = 2


def _utc_today() -> date:
    return datetime.now(timezone.utc).date()


def listing_days(day: date | None, days: int) -> list[date]:
    """The listing days to read: the one asked for, else the last ``days`` days (UTC, newest first)."""
    if day is not None:
        return [day]
    today = _utc_today()
    return [today - timedelta(days=back) for back in range(days)]


def requests_from_config(config: Config, day: date | None = None) -> list[Request]:
    return [Request(source.name, dict(source.options), day) for source in config.sources]


def fetch_all(
    config: Config,
    requests: list[Request],
    today: date,
    *,
    transport: Transport | None = None,
    warn: Callable[[str], None] = lambda message: None,
) -> list[tuple[str, list[Imported]]]:
    """Each request's papers, in order. Raises SourceError on the first source that fails."""
    return [(request.name, _run(config, request, today, transport, warn)) for request in requests]


# A saved answer or a .bib file larger than this is not something a source sends.
MAX_FILE = 100_000_000


def _read(config: Config, name: str, path: Path) -> bytes:
    """A file named on the command line (absolute: the user's choice, wherever it is) or in
    site.yaml (relative: inside the site folder only), as a regular file of bounded size."""
    try:
        if path.is_absolute():
            return read_regular(path.resolve(), MAX_FILE)
        return read_inside(config.site_dir / path, real_roots([config.site_dir]), MAX_FILE)
    except UnsafeFile as problem:
        raise SourceError(Problem(f"{name}: {path}: {problem}")) from None


def _run(
    config: Config, request: Request, today: date, transport: Transport | None, warn: Callable[[str], None]
) -> list[Imported]:
    def warn_from(message: str) -> None:
        warn(f"{request.name}: {message}")

    options = request.options
    if request.name == "hf-daily":
        from . import hf_daily

        keyword_tags = int(options.get("keyword_tags", 0))
        if request.file is not None:
            body = _read(config, request.name, request.file)
            return hf_daily.parse_listing(body, request.day, keyword_tags=keyword_tags, warn=warn_from)
        fetcher = Fetcher("hf-daily", transport, notify=warn)
        papers: list[Imported] = []
        for day in listing_days(request.day, int(options.get("days", HF_DAYS))):
            papers += hf_daily.fetch_listing(fetcher, day, keyword_tags=keyword_tags, warn=warn_from)
        return papers
    if request.name == "arxiv":
        from . import arxiv

        day = request.day or today
        mapping = config.imports.category_tags
        unmapped = config.imports.unmapped_categories
        if request.file is not None:
            body = _read(config, request.name, request.file)
            return arxiv.parse_feed(body, day, categories=mapping, unmapped=unmapped, warn=warn_from).papers
        id_list = options.get("id_list")
        return arxiv.fetch(
            arxiv.new_fetcher(transport, notify=warn),
            search_query=options.get("query"),
            id_list=list(id_list) if id_list else None,
            max_results=int(options.get("max", 50)),
            # A list of ids comes back in the order given; a search newest first unless told.
            sort=None if id_list else options.get("sort", "submitted"),
            day=day,
            categories=mapping,
            unmapped=unmapped,
            warn=warn_from,
        )
    if request.name == "bibtex":
        from .bibtex import parse_bibtex

        path = request.file or (Path(options["file"]) if options.get("file") else None)
        if path is None:
            raise UsageError("bibtex: name the .bib file to import")
        text = _read(config, request.name, path).decode("utf-8-sig", errors="replace")
        return parse_bibtex(text, request.day or today, warn=warn_from)
    raise UsageError(f"unknown source {request.name!r}")


def summary(outcome: Outcome, counts: list[tuple[str, int]], dry_run: bool = False) -> str:
    """'imported 42 papers (hf-daily 30, arxiv 12): 12 added, 3 updated, 27 left alone'."""
    total = sum(n for _, n in counts)
    per_source = ", ".join(f"{name} {n}" for name, n in counts)
    left_alone = len(outcome.unchanged) + len(outcome.excluded)
    verb = "would import" if dry_run else "imported"
    line = (
        f"{verb} {counted(total, 'paper')} ({per_source}): {len(outcome.added)} added, "
        f"{len(outcome.updated)} updated, {left_alone} left alone"
    )
    if outcome.excluded:
        line += f" ({len(outcome.excluded)} excluded in site.yaml)"
    if outcome.skipped:
        line += f"; {len(outcome.skipped)} skipped (see the warnings)"
    return line
