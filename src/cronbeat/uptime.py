"""Uptime per day from a heartbeat's flips: pure, so that the dashboard's 90-day bar is tested
with exact instants (and days that are 23 or 25 hours long)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from cronbeat.enums import Status

# Late is still inside its grace: not yet a failure. Pending and paused are not watched.
_WATCHED_UP = frozenset({Status.UP, Status.LATE, Status.RUNNING})


@dataclass(frozen=True)
class Day:
    day: date
    watched: float  # seconds the heartbeat was monitored that day
    down: float  # of which, seconds it was down

    @property
    def ratio(self) -> float | None:
        """The share of watched time up, or None if it was not watched at all."""
        return None if self.watched == 0 else 1 - self.down / self.watched


def daily(
    status_before: Status | None, flips: Sequence[tuple[datetime, Status]],
    end: datetime, days: int, timezone: str,
) -> list[Day]:
    """The last `days` local days up to `end` (today included, up to `end`), oldest first.
    `status_before` is the status at the first day's midnight; `flips` are (instant, new
    status) in time order, each at or after that midnight."""
    zone = ZoneInfo(timezone)
    last = end.astimezone(zone).date()
    first = last - timedelta(days=days - 1)
    edges = [_midnight(first + timedelta(days=n), zone) for n in range(days)] + [end]
    changes = [(at, status) for at, status in flips if at < end]
    result: list[Day] = []
    current, index = status_before, 0
    for day_start, day_end, day in zip(edges[:-1], edges[1:], _dates(first, days), strict=True):
        watched = down = 0.0
        cursor = day_start
        while index < len(changes) and changes[index][0] < day_end:
            at, status = changes[index]
            watched, down = _add(watched, down, current, max(at, day_start) - cursor)
            cursor, current = max(at, day_start), status
            index += 1
        watched, down = _add(watched, down, current, day_end - cursor)
        result.append(Day(day, watched, down))
    return result


def _add(watched: float, down: float, status: Status | None,
         span: timedelta) -> tuple[float, float]:
    seconds = max(span.total_seconds(), 0.0)
    if status is Status.DOWN:
        return watched + seconds, down + seconds
    if status in _WATCHED_UP:
        return watched + seconds, down
    return watched, down


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(ZoneInfo("UTC"))


def _dates(first: date, days: int) -> list[date]:
    return [first + timedelta(days=n) for n in range(days)]
