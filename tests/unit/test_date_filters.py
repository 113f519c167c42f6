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
