"""Date wording for templates, as Jinja filters.

Cached because every list page repeats the same few days, and strftime is
slow next to a dict lookup. A moment (a datetime) is worded by its own date:
it equals another zone's moment at the same instant, whose date may be
another, so it is never a cache key itself."""

from __future__ import annotations

import functools
from datetime import date, datetime


def _day(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def long_date(day: date) -> str:
    return _long_date(_day(day))


def _full_date(day: date) -> str:
    return _full_date_of(_day(day))


def _weekday_date(day: date) -> str:
    return _weekday_date_of(_day(day))


@functools.lru_cache(maxsize=4096)
def _long_date(day: date) -> str:
    return f"{day.strftime('%B')} {day.day}, {day.year}"


@functools.lru_cache(maxsize=4096)
def _full_date_of(day: date) -> str:
    return f"{day.strftime('%A')}, {_long_date(day)}"


@functools.lru_cache(maxsize=4096)
def _weekday_date_of(day: date) -> str:
    return f"{day.strftime('%A, %B')} {day.day}"


def _citation_date(moment: date) -> str:
    # strftime costs ~4 µs a call (twice on every paper page); %Y is not padded either.
    return f"{moment.year}/{moment.month:02d}/{moment.day:02d}"


DATE_FILTERS = {
    "long_date": long_date,  # March 14, 2025
    "full_date": _full_date,  # Friday, March 14, 2025
    "weekday_date": _weekday_date,  # Friday, March 14
    "citation_date": _citation_date,  # 2025/03/14 (Highwire)
}
