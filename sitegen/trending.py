"""Which papers are trending: upvotes weighed by age, in a window of days.

The clock is never read. The reference day is the newest listing day in the
content, so the same content always ranks the same way (docs/reading.md).

A paper's score is ``upvotes * 0.5 ** (age / half_life)``, its age being the
days between its listing day and the reference day: an upvote loses half its
weight every ``half_life`` days. Exponential decay, unlike HN's gravity
``votes / (age + 2) ** 1.8``, never changes the order of two papers as days
pass (both are scaled by the same factor): a paper moves only by entering or
leaving a window, which is what a reader of a weekly list expects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from .model import Paper


@dataclass(frozen=True, slots=True)
class Window:
    name: str  # the route's last part ("" for the default window) and the tab's key
    label: str  # the tab's text
    days: int | None  # listing days counted back from the reference day; None: all
    half_life: float | None  # days; None: raw upvotes


# The week opens /trending/. Each window's half-life is its length, so a paper
# listed a full window before the reference day would need twice the upvotes of
# one listed on it (at the week's first day, six days back: 2 ** (6/7), 1.8x).
# All time ranks by upvotes alone: a classic is a classic.
WINDOWS = (
    Window("", "This week", 7, 7.0),
    Window("month", "This month", 30, 30.0),
    Window("all", "All time", None, None),
)


def has_upvotes(papers: Sequence[Paper]) -> bool:
    """Trending exists only when some paper has at least one upvote."""
    return any(p.upvotes for p in papers)


def two_orders(papers: Sequence[Paper]) -> bool:
    """Whether a day's papers get a second order (most upvoted, and as listed):
    some upvotes, and more than one paper to order."""
    return len(papers) > 1 and has_upvotes(papers)


def score(paper: Paper, reference: date, window: Window) -> float:
    upvotes = paper.upvotes or 0
    if window.half_life is None:
        return float(upvotes)
    age = (reference - paper.day).days
    return upvotes * 0.5 ** (age / window.half_life)


def in_window(paper: Paper, reference: date, window: Window) -> bool:
    return window.days is None or 0 <= (reference - paper.day).days < window.days


def rank(papers: Sequence[Paper], reference: date, window: Window) -> list[Paper]:
    """The window's papers with at least one upvote, highest score first; ties:
    more upvotes, then the newer listing day, then site order (``papers``' order)."""
    chosen = [p for p in papers if p.upvotes and in_window(p, reference, window)]
    # sorted() is stable: equal keys keep site order.
    return sorted(chosen, key=lambda p: (-score(p, reference, window), -(p.upvotes or 0), -p.day.toordinal()))
