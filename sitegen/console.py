"""What the commands print on stderr: problems, warnings, and their colour.

Colour is used in one place only: the ``error:``/``warning:`` labels and the
``path:line:`` of each problem line, and only when stderr is a terminal.
NO_COLOR (any non-empty value, https://no-color.org) turns it off, FORCE_COLOR
turns it on where stderr is not a terminal (CI logs; 0 or false do not); NO_COLOR wins. TERM=dumb
is a terminal that shows no colour.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from .errors import Problem
from .wording import counted

_RESET = "\033[0m"
_BOLD = "\033[1m"
_RED = "\033[1;31m"
_YELLOW = "\033[1;33m"

# Warnings of one kind shown one by one up to this many; -v shows them all.
SHOWN_WARNINGS = 5


def colour_wanted(stream: TextIO, environ: dict[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR", "") not in ("", "0", "false"):
        return True
    try:
        terminal = stream.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False
    return terminal and env.get("TERM") != "dumb"


def shown_path(problem: Problem, site_dir: Path) -> Problem:
    """Content paths relative to where the user stands, so editors can jump to them."""
    path = problem.path
    if path is None or Path(path).is_absolute() or str(path).startswith("-"):
        return problem
    full = site_dir / path
    try:
        shown = Path(os.path.relpath(full))
    except ValueError:  # another drive on Windows
        shown = full
    return Problem(problem.message, shown.as_posix(), problem.line, problem.field)


class Console:
    """Writes problem and warning lines to ``stream`` (stderr), coloured when wanted."""

    def __init__(self, site_dir: Path, stream: TextIO | None = None, colour: bool | None = None) -> None:
        self.site_dir = site_dir
        self.stream = stream or sys.stderr
        self.colour = colour_wanted(self.stream) if colour is None else colour

    def _paint(self, style: str, text: str) -> str:
        return f"{style}{text}{_RESET}" if self.colour and text else text

    def problem_line(self, problem: Problem) -> str:
        problem = shown_path(problem, self.site_dir)
        text = str(problem)
        if problem.path is None or not self.colour:
            return text
        where = str(problem.path) + (f":{problem.line}" if problem.line is not None else "")
        return self._paint(_BOLD, where + ":") + text[len(where) + 1 :]

    def say(self, text: str) -> None:
        print(text, file=self.stream)

    def problems(self, problems: Sequence[Problem], summary: str) -> None:
        for problem in problems:
            self.say(self.problem_line(problem))
        self.say(f"{self._paint(_RED, 'error:')} {summary}")

    def warnings(self, warnings: Sequence[Problem], verbose: bool = False) -> None:
        """One line each; of the papers without abstract, the first few unless ``verbose``."""
        label = self._paint(_YELLOW, "warning:")
        abstracts = [w for w in warnings if w.field == "abstract"]
        others = [w for w in warnings if w.field != "abstract"]
        shown = abstracts if verbose else abstracts[:SHOWN_WARNINGS]
        for warning in others + shown:
            self.say(f"{label} {self.problem_line(warning)}")
        if len(shown) < len(abstracts):
            rest = counted(len(abstracts) - len(shown), "more paper")
            self.say(f"{label} {rest} without an abstract (-v lists every one)")


def add_manners(command: argparse.ArgumentParser, top: bool = False) -> None:
    """-q/--quiet and -v/--verbose. Given on a command (``sitegen build -q``) or before it
    (``sitegen -q build``): only the top parser has defaults, so a command's parser does
    not reset what the top one read."""
    default = False if top else argparse.SUPPRESS
    loudness = command.add_mutually_exclusive_group()
    loudness.add_argument(
        "-q", "--quiet", action="store_true", default=default, help="print nothing but problems"
    )
    loudness.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=default,
        help="print more (build, check: every warning and how long each stage took)",
    )
