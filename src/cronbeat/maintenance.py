"""Maintenance windows: when nobody is paged. Pure: windows and an instant in, an answer out.

A recurring window is a time range on the local wall clock of its time zone, on some days of
the week (the day it starts: a range whose end is not after its start ends on the next day,
so "Sun 23:00-01:00" runs into Monday). A one-off window is two instants. Windows are
half-open: a window from 02:00 to 04:00 covers 02:00 and not 04:00.

Around daylight-saving changes, a bound that falls in the hour the clocks skip is moved forward
by the jump (02:30 on a night that jumps from 02:00 to 03:00 is 03:30), and a bound in the
hour that repeats is its first occurrence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_CHAIN = 50  # back-to-back windows followed to find the end of the quiet


@dataclass(frozen=True)
class Recurring:
    days: frozenset[int]  # 0 is Monday, as date.weekday()
    start: time
    end: time
    timezone: str


@dataclass(frozen=True)
class OneOff:
    starts_at: datetime
    ends_at: datetime


Window = Recurring | OneOff


def occurrence_at(window: Window, now: datetime) -> tuple[datetime, datetime] | None:
    """The occurrence of `window` that covers `now` (start, end), or None."""
    if isinstance(window, OneOff):
        return (window.starts_at, window.ends_at) if window.starts_at <= now < window.ends_at \
            else None
    zone = ZoneInfo(window.timezone)
    today = now.astimezone(zone).date()
    for day in (today, today - timedelta(days=1)):  # an occurrence may have begun yesterday
        if day.weekday() not in window.days:
            continue
        start = _instant(day, window.start, zone)
        end_day = day if window.end > window.start else day + timedelta(days=1)
        end = _instant(end_day, window.end, zone)
        if start <= now < end:
            return start, end
    return None


def quiet_until(windows: list[Window], now: datetime) -> datetime | None:
    """When paging may resume: the end of the windows covering `now`, following windows that
    overlap or touch; None when no window covers `now`."""
    until = now
    for _ in range(MAX_CHAIN):
        ends = [found[1] for window in windows if (found := occurrence_at(window, until))]
        if not ends:
            break
        until = max(ends)
    return None if until == now else until


def _instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    # fold=0: the first of a repeated hour; a skipped time keeps the offset from before the
    # jump, which lands it after the jump by the jump's length.
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)
