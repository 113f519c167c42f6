"""feedxml._date makes a moment's bytes once for each moment and offset: the
same bytes as formatting it afresh, for any moments in any order, however
they compare (an aware datetime equals another zone's at the same instant,
and its own zone's other side of a fold)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen import feedxml


def _fresh(moment: datetime, rss: bool) -> bytes:
    return (feedxml.rfc2822(moment) if rss else moment.isoformat()).encode("ascii")


_ZONES = st.one_of(
    st.none(),
    st.sampled_from([timezone.utc, ZoneInfo("UTC"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")]),
    st.builds(timezone, st.timedeltas(timedelta(hours=-23, minutes=-59), timedelta(hours=23, minutes=59))),
)
_MOMENTS = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=_ZONES, allow_imaginary=True
)


@st.composite
def _with_twins(draw) -> list[datetime]:
    """Moments, and for some of them the same instant in another zone or fold."""
    out = []
    for moment in draw(st.lists(_MOMENTS, max_size=12)):
        out.append(moment)
        if moment.tzinfo is not None and draw(st.booleans()):
            zone = draw(_ZONES.filter(lambda z: z is not None))
            try:
                out.append(moment.astimezone(zone))
            except (OverflowError, ValueError):
                pass
        out.append(moment.replace(fold=1 - moment.fold))
    return draw(st.permutations(out))


@settings(max_examples=500, deadline=None)
@given(_with_twins(), st.integers(1, 5))
def test_a_date_is_the_one_formatted_afresh_for_any_moments_in_any_order(moments, kept):
    feedxml._date_bytes.cache_clear()
    for n, moment in enumerate(moments * 2):
        if n % kept == 0:  # cleared often too
            feedxml._date_bytes.cache_clear()
        for rss in (False, True):
            assert feedxml._date(moment, rss) == _fresh(moment, rss), (moment, rss)


def test_equal_moments_written_otherwise_keep_their_own_bytes():
    utc = datetime(2025, 3, 14, tzinfo=timezone.utc)
    paris = utc.astimezone(ZoneInfo("Europe/Paris"))
    new_york = ZoneInfo("America/New_York")
    first = datetime(2025, 11, 2, 1, 30, tzinfo=new_york)  # 01:30 twice: EDT, then EST
    second = first.replace(fold=1)
    assert utc == paris and first == second  # equal, written differently
    feedxml._date_bytes.cache_clear()
    for moment in (utc, paris, first, second):
        for rss in (False, True):
            assert feedxml._date(moment, rss) == _fresh(moment, rss)
    assert feedxml._date(paris, False) == b"2025-03-14T01:00:00+01:00"
    assert feedxml._date(second, True) == b"Sun, 02 Nov 2025 01:30:00 -0500"
    assert feedxml._date(first, True) == b"Sun, 02 Nov 2025 01:30:00 -0400"
