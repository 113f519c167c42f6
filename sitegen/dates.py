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
