"""The date filters templates use, against the strftime forms they replace."""

from datetime import date, datetime, timedelta, timezone

import pytest

from sitegen.datefilters import DATE_FILTERS

DAYS = [date(1999, 1, 4), date(2025, 3, 9), date(2025, 12, 31), date(2028, 2, 29)]
MOMENTS = [datetime(2025, 3, 9, 23, 30, tzinfo=timezone(timedelta(hours=-5))), datetime(2026, 11, 1, 0, 5)]


@pytest.mark.parametrize("moment", DAYS + MOMENTS)
def test_citation_date_is_the_highwire_slash_form(moment):
    assert DATE_FILTERS["citation_date"](moment) == moment.strftime("%Y/%m/%d")


def test_long_dates_spell_the_month_and_weekday_without_padding():
    day = date(2025, 3, 9)
    assert DATE_FILTERS["long_date"](day) == "March 9, 2025"
    assert DATE_FILTERS["full_date"](day) == "Sunday, March 9, 2025"
    assert DATE_FILTERS["weekday_date"](day) == "Sunday, March 9"


def test_a_moment_is_worded_by_its_own_date_whatever_came_before():
    """Two zones' moments at the same instant are equal (and hash alike), but
    their dates differ: each filter words each by its own, in either order
    (a cache keyed by the moment gave the second the first one's date)."""
    evening = datetime(2025, 3, 14, 23, 0, tzinfo=timezone(timedelta(hours=-5)))
    morning = datetime(2025, 3, 15, 4, 0, tzinfo=timezone.utc)
    assert evening == morning
    forms = {"long_date": "%B %-d, %Y", "full_date": "%A, %B %-d, %Y", "weekday_date": "%A, %B %-d"}
    for name, form in forms.items():
        for first, second in [(evening, morning), (morning, evening)]:
            DATE_FILTERS[name](first)
            assert DATE_FILTERS[name](second) == second.strftime(form), (name, second)
