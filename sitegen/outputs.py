"""An Output names one file inside output/ and how to make it (a page kind and
its key), so the full list is known before anything renders, two outputs can
never claim the same file, and the work can be split across processes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import OutputError, Problem
from .theme import Theme, static_files


@dataclass(frozen=True, slots=True)  # one per file: 150k of them at 100k papers
class Output:
    path: str  # POSIX path inside output/
    kind: str  # a page kind's name (sitegen/siteplan.py)
    key: tuple = ()  # which one of that kind: the arguments its render takes


def plan_static(theme: Theme) -> list[tuple[str, Path]]:
    """The theme's static files: (path inside output/, source), copied as they are."""
    return [(f"static/{name}", source) for name, source in static_files(theme).items()]


def check_unique(outputs: Sequence[Output], static: Sequence[tuple[str, Path]]) -> None:
    """Two things claiming one file is a bug or a content clash: fail loudly."""
    claims = [(o.path, o) for o in outputs] + [(path, None) for path, _ in static]
    seen: dict[str, int] = {}  # folded path -> its latest claim
    problems = []
    for index, (path, _) in enumerate(claims):
        folded = path.casefold()  # case-insensitive hosts and file systems
        before = seen.get(folded)
        if before is not None:
            first, then = _claimant(claims[before][1]), _claimant(claims[index][1])
            problems.append(Problem(f"two outputs claim the same file: {first} and {then}", path))
        seen[folded] = index
    if problems:
        raise OutputError(problems)


def _claimant(output: Output | None) -> str:
    # Described only for a clash: formatting 150k keys up front cost ~0.1 s at 100k papers.
    return "static" if output is None else f"{output.kind} {output.key}"
