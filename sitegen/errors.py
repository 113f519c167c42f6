"""One error hierarchy: every problem a user can cause knows where it happened.

The CLI prints each error as ``path:line: field: message`` and maps the class
to an exit status, so no traceback ever reaches a user for bad input.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One located problem in the user's input."""

    message: str
    path: Path | str | None = None
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.path is not None:
            where = str(self.path)
            if self.line is not None:
                where += f":{self.line}"
            parts.append(where)
        if self.field:
            parts.append(self.field)
        parts.append(self.message)
        return ": ".join(parts)

    def sort_key(self) -> tuple:
        return (str(self.path or ""), self.line or 0, self.field or "", self.message)


class SitegenError(Exception):
    """Base class; ``exit_code`` is what the CLI returns for it."""

    exit_code = 1

    def __init__(self, problems: Problem | Iterable[Problem] | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = sorted(problems, key=Problem.sort_key)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self):  # survive the trip back from a worker process intact
        return (type(self), (self.problems,))


class ConfigError(SitegenError):
    """site.yaml is missing, malformed or holds bad values.

    ``fallback`` is the settings the content can still be checked against: those
    of site.yaml that are right, the defaults for the rest (a Config; None when
    there is no site.yaml at all, or it is not a file sitegen may read)."""

    fallback: object | None = None


class ContentError(SitegenError):
    """One or more content files are malformed or invalid."""


class ThemeError(SitegenError):
    """A theme is missing, loops in its ``extends`` chain, or a template fails."""


class OutputError(SitegenError):
    """The output folder is unsafe to write to, or writing failed."""


class UsageError(SitegenError):
    """The command line itself is wrong."""

    exit_code = 2
