"""sitegen/trending.py's ranking rules as docs/reading.md states them: the tie
order, and exponential decay never swapping two papers as days pass."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sitegen.model import Paper
from sitegen.trending import WINDOWS, Window, rank

REFERENCE = date(2025, 3, 14)


def _paper(paper_id: str, days_back: int, upvotes: int | None) -> Paper:
    day = REFERENCE - timedelta(days=days_back)
    moment = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    return Paper(paper_id, f"Title {paper_id}", moment, day, upvotes=upvotes)


def _ids(papers: list[Paper]) -> list[str]:
    return [p.id for p in papers]


def test_ties_go_to_more_upvotes_then_the_newer_day_then_the_site_order() -> None:
    # A half-life of one day: 2 upvotes a day old score 1.0, exactly as 1 upvote today.
    daily = Window("daily", "Daily", 10, 1.0)
    assert _ids(rank([_paper("one-today", 0, 1), _paper("two-old", 1, 2)], REFERENCE, daily)) == [
        "two-old",
        "one-today",
    ]
    # All time: equal upvotes are equal scores; the newer day first, then the site's order.
    all_time = WINDOWS[2]
    papers = [_paper("old", 5, 3), _paper("b", 0, 3), _paper("a", 0, 3), _paper("unvoted", 0, None)]
    assert _ids(rank(papers, REFERENCE, all_time)) == ["b", "a", "old"]
    assert _ids(rank(list(reversed(papers)), REFERENCE, all_time)) == ["a", "b", "old"]


def test_as_days_pass_two_papers_in_a_window_never_swap() -> None:
    """Both scores are scaled by the same factor: a paper moves only by entering
    or leaving the window (unlike gravity ranking, where old votes lose out)."""
    papers = [
        _paper(f"p{age}-{votes}", age, votes) for age in range(0, 40, 3) for votes in (1, 4, 9, 30, 200)
    ]
    for window in WINDOWS[:2]:
        today = _ids(rank(papers, REFERENCE, window))
        for later in range(1, window.days - 3):
            then = _ids(rank(papers, REFERENCE + timedelta(days=later), window))
            both = set(today) & set(then)
            assert len(both) > 1
            assert [i for i in today if i in both] == [i for i in then if i in both], (window.name, later)


def test_the_week_and_the_month_count_their_last_days_and_not_one_more() -> None:
    """'listed in the 7 (30) days to the reference day': the reference day and the six (29) before."""
    papers = [_paper(f"back{age}", age, 1) for age in (0, 6, 7, 29, 30)]
    assert _ids(rank(papers, REFERENCE, WINDOWS[0])) == ["back0", "back6"]
    assert _ids(rank(papers, REFERENCE, WINDOWS[1])) == ["back0", "back6", "back7", "back29"]
