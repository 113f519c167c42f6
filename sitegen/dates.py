"""Dates as content writes them -> aware datetimes, in the site's time zone when none is given."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any

from .limits import show_value

_DATE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?\s*([Zz]|[+-]\d{2}:?\d{2})?)?"
)


def to_datetime(raw: Any, tz: tzinfo) -> datetime | str:
    """An aware datetime, or a message. Date-only and naive values mean the site's timezone."""
    if isinstance(raw, datetime):
        return raw if raw.tzinfo is not None else raw.replace(tzinfo=tz)
    if isinstance(raw, date):
        return datetime(raw.year, raw.month, raw.day, tzinfo=tz)
    if not isinstance(raw, str):
        return f"expected a date such as 2025-03-14 or 2025-03-14T09:30:00Z, got {show_value(raw)}"
    text = raw.strip()
    match = _DATE.fullmatch(text)
    if not match:
        return f"expected a date such as 2025-03-14 or 2025-03-14T09:30:00Z, got {show_value(raw)}"
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        zone = _offset(offset) if offset else tz
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0").ljust(6, "0")),
            tzinfo=zone,
        )
    except ValueError as exc:
        return f"impossible date '{text}' ({exc})"


def _offset(text: str) -> timezone:
    if text in ("Z", "z"):
        return timezone.utc
    digits = text[1:].replace(":", "")
    delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    if delta >= timedelta(hours=24) or int(digits[2:]) >= 60:
        raise ValueError("time zone offset out of range")
    return timezone(-delta if text[0] == "-" else delta)


# A date as written (a YAML date, or text) and a zone -> its moment, and a moment and a zone
# -> its day: a day's papers share them (the load's SharedValues makes them one anyway).
# Emptied past KEPT entries, and by forget() when the load ends.
_MOMENTS: dict[tuple[Any, tzinfo], datetime] = {}
_DAYS: dict[tuple[datetime, int, tzinfo], date] = {}
KEPT = 4096


def kept_moment(raw: Any, tz: tzinfo) -> datetime | str:
    """to_datetime(raw, tz), kept for a date or a text (~7k instructions a paper less)."""
    kept = type(raw) is date or type(raw) is str
    if kept:
        moment = _MOMENTS.get((raw, tz))
        if moment is not None:
            return moment
    moment = to_datetime(raw, tz)
    if kept and not isinstance(moment, str):
        if len(_MOMENTS) >= KEPT:
            _MOMENTS.clear()
        _MOMENTS[raw, tz] = moment
    return moment


def day_of(moment: datetime, tz: tzinfo) -> date:
    """``moment.astimezone(tz).date()``, kept: equal moments of one fold are one instant
    (of one zone, two moments of a fold compare equal: 01:30 before and after the clocks go back)."""
    key = (moment, moment.fold, tz)
    day = _DAYS.get(key)
    if day is None:
        if len(_DAYS) >= KEPT:
            _DAYS.clear()
        day = _DAYS[key] = moment.astimezone(tz).date()
    return day


def forget() -> None:
    """Empty the tables kept across entries: the load is over (loading.load_papers)."""
    _MOMENTS.clear()
    _DAYS.clear()
