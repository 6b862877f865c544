"""How the dashboard writes times and durations: pure functions, tested with tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

_REASONS = {"missed": "missed a ping", "timed_out": "ran too long",
            "too_short": "finished too soon", "too_early": "started too early"}
_UNITS = (("d", 86400), ("h", 3600), ("min", 60), ("s", 1))


def duration(seconds: float | None) -> str:
    """`2 h 5 min`, `45 s`, `0.3 s`: the two largest units, for run times and periods."""
    if seconds is None:
        return ""
    if seconds < 10 and seconds != int(seconds):
        return f"{seconds:.1f} s"
    rest = round(seconds)
    parts: list[str] = []
    for name, size in _UNITS:
        if rest >= size or (name == "s" and not parts):
            parts.append(f"{rest // size} {name}")
            rest %= size
        if len(parts) == 2:
            break
    return " ".join(parts)


def ago(at: datetime | None, now: datetime) -> str:
    """`3 min ago`, `in 5 min`, `just now`, or `never`."""
    if at is None:
        return "never"
    delta = (now - at).total_seconds()
    if abs(delta) < 5:
        return "just now"
    text = duration(abs(delta) if abs(delta) < 60 else abs(delta) // 60 * 60)
    return f"{text} ago" if delta > 0 else f"in {text}"


def local(at: datetime | None, timezone: str, *, seconds: bool = False) -> str:
    """An instant in the reader's time zone: `2026-03-02 14:00 EET`."""
    if at is None:
        return ""
    shown = at.astimezone(ZoneInfo(timezone))
    return shown.strftime("%Y-%m-%d %H:%M" + (":%S" if seconds else "") + " %Z")


def iso(at: datetime | None) -> str:
    return "" if at is None else at.isoformat()


def reason(why: str, exit_code: int | None) -> str:
    """Why an incident opened, in words: `missed a ping`, `failed (exit code 3)`, `ran too long`,
    `finished too soon`, `started too early`."""
    if why in _REASONS:
        return _REASONS[why]
    return "failed" + ("" if exit_code is None else f" (exit code {exit_code})")


def clock_time(at: datetime | None, timezone: str) -> str:
    """The wall-clock time of an instant in a zone, for a calendar cell: `09:00`."""
    return "" if at is None else at.astimezone(ZoneInfo(timezone)).strftime("%H:%M")


def shift_length(seconds: int) -> str:
    """A rotation's shift in the largest whole unit: `1 week`, `3 days`, `12 hours`."""
    for name, size in (("week", 7 * 86400), ("day", 86400), ("hour", 3600)):
        if seconds % size == 0:
            count = seconds // size
            return f"{count} {name}" + ("" if count == 1 else "s")
    return duration(seconds)


EN_DASH = "\u2013"
_DAY_NAMES = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays",
              "Sundays")
_DAY_SETS = {frozenset(range(7)): "Every day", frozenset(range(5)): "Weekdays",
             frozenset((5, 6)): "Weekends"}


def window_when(
    days: Sequence[int], start_time: str | None, end_time: str | None, timezone: str,
    starts_at: datetime | None, ends_at: datetime | None, reader_timezone: str,
) -> str:
    """A maintenance window's times in words: `Sundays 02:00-04:00 Europe/Riga` (with an en
    dash), `Weekdays 23:00-01:00 (next day) UTC`, or a one-off's instants in the reader's zone."""
    if starts_at is not None and ends_at is not None:
        return (f"From {local(starts_at, reader_timezone)} "
                f"to {local(ends_at, reader_timezone)}")
    chosen = sorted(set(days))
    named = _DAY_SETS.get(frozenset(chosen))
    if named is None:
        names = [_DAY_NAMES[day] for day in chosen if 0 <= day <= 6]
        named = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    overnight = " (next day)" if (end_time or "") <= (start_time or "") else ""
    return f"{named} {start_time}{EN_DASH}{end_time}{overnight} {timezone}"
