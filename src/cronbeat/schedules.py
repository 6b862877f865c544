"""When a heartbeat is expected: a fixed period, a cron expression in a time zone, or a
systemd OnCalendar expression in a time zone.

Pure: no I/O, no clock. Cron maths is cronsim's, which fires like the cron daemon around
daylight-saving changes (a job in a skipped hour runs right after the jump, a fixed-time job
in a repeated hour runs once). OnCalendar maths is the `oncalendar` library's, which follows
systemd timers: a time in a skipped hour does not fire; a time in a repeated hour is expected
in its first pass, and after that run the next expected time is the next one after the
repeated hour (a systemd timer may run again in the second pass: that ping is harmless).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError
from oncalendar import OnCalendar as OnCalendarTimes
from oncalendar import OnCalendarError

MIN_PERIOD = 1
MAX_PERIOD = 366 * 24 * 3600
MAX_GRACE = MAX_PERIOD

NICKNAMES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}


_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


class ScheduleError(ValueError):
    """A schedule that cannot be used; `field` names the input to fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Period:
    seconds: int

    def next_due(self, after: datetime) -> datetime:
        return after + timedelta(seconds=self.seconds)


@dataclass(frozen=True)
class Cron:
    expression: str
    timezone: str

    def next_due(self, after: datetime) -> datetime:
        """The first cron time strictly after `after`, in UTC."""
        times = CronSim(_translate(self.expression), after.astimezone(ZoneInfo(self.timezone)))
        # Starting inside the second pass of a repeated hour, cronsim can answer with the first
        # pass's time, which is already past: step on until the answer is really later.
        for _ in range(3):
            due = next(times).astimezone(UTC)
            if due > after:
                return due
        raise ScheduleError("schedule", f"no cron time after {after.isoformat()}")

    def describe(self) -> str:
        # explain() only reads the expression; the start instant does not matter.
        text = CronSim(_translate(self.expression), _EPOCH).explain()
        return f"{text} ({self.timezone})"


@dataclass(frozen=True)
class Calendar:
    """A systemd timer's `OnCalendar=` expression, e.g. `Mon..Fri 02:30` or `*-*-01 04:00`."""

    expression: str
    timezone: str

    def next_due(self, after: datetime) -> datetime:
        """The first calendar time strictly after `after`, in UTC."""
        times = OnCalendarTimes(self.expression, after.astimezone(ZoneInfo(self.timezone)))
        for _ in range(3):  # as for cron: a repeated hour can answer with a past time
            try:
                due = next(times).astimezone(UTC)
            except StopIteration:
                break
            if due > after:
                return due
        raise ScheduleError("oncalendar", f"no calendar time after {after.isoformat()}")

    def describe(self) -> str:
        return f"OnCalendar {self.expression} ({self.timezone})"


Schedule = Period | Cron | Calendar


def upcoming(schedule: Schedule, after: datetime, count: int) -> list[datetime]:
    times: list[datetime] = []
    for _ in range(count):
        after = schedule.next_due(after)
        times.append(after)
    return times


def explain(
    kind: str, expression: str, timezone: str, now: datetime, count: int
) -> tuple[str, list[datetime]]:
    """A schedule in words and its next `count` times in its own zone, as a form previews it
    while it is typed; a period has no calendar to show. `ScheduleError` names the field."""
    if kind == "cron":
        schedule: Cron | Calendar = parse_cron(expression, timezone, now)
    elif kind == "oncalendar":
        schedule = parse_oncalendar(expression, timezone, now)
    else:
        parse_timezone(timezone)
        return "", []
    zone = ZoneInfo(schedule.timezone)
    return schedule.describe(), [t.astimezone(zone) for t in upcoming(schedule, now, count)]


def parse_period(seconds: int) -> Period:
    if seconds < MIN_PERIOD:
        raise ScheduleError("period", f"must be at least {MIN_PERIOD} second")
    if seconds > MAX_PERIOD:
        raise ScheduleError("period", f"must be at most {MAX_PERIOD} seconds (366 days)")
    return Period(seconds)


def parse_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # 'Europe' is a folder: OSError
        raise ScheduleError(
            "timezone", f"unknown time zone {name!r}: use an IANA name such as 'Europe/Riga'"
        ) from None
    return name


def parse_cron(expression: str, timezone: str, now: datetime) -> Cron:
    """Validate a cron expression by asking for its next two times after `now`."""
    zone = parse_timezone(timezone)
    expression = " ".join(expression.split())
    if expression.startswith("@") and expression.lower() not in NICKNAMES:
        names = ", ".join(NICKNAMES)
        raise ScheduleError("schedule", f"unknown nickname {expression!r}: use one of {names}")
    if len(_translate(expression).split()) != 5:
        raise ScheduleError(
            "schedule", f"invalid cron expression {expression!r}: it needs 5 fields "
            "(minute hour day-of-month month day-of-week)"
        )
    try:
        sim = CronSim(_translate(expression), now.astimezone(ZoneInfo(zone)))
        next(sim)
        next(sim)
    except CronSimError as exc:
        raise ScheduleError("schedule", f"invalid cron expression {expression!r}: {exc}") from None
    except StopIteration:
        raise ScheduleError(
            "schedule", f"cron expression {expression!r} never fires (or not within years)"
        ) from None
    return Cron(expression, zone)


def parse_oncalendar(expression: str, timezone: str, now: datetime) -> Calendar:
    """Validate a systemd OnCalendar expression by asking for its next two times after `now`."""
    zone = parse_timezone(timezone)
    expression = " ".join(expression.split())
    if not expression:
        raise ScheduleError("oncalendar", "give an OnCalendar expression, e.g. 'Mon..Fri 02:30'")
    try:
        times = OnCalendarTimes(expression, now.astimezone(ZoneInfo(zone)))
        next(times)
        next(times)
    except OnCalendarError as exc:
        raise ScheduleError("oncalendar",
                            f"invalid OnCalendar expression {expression!r}: {exc}") from None
    except StopIteration:
        raise ScheduleError(
            "oncalendar", f"OnCalendar expression {expression!r} never fires again") from None
    return Calendar(expression, zone)


def parse_duration(field: str, seconds: int, minimum: int) -> timedelta:
    if seconds < minimum:
        raise ScheduleError(field, f"must be at least {minimum} second" + "s" * (minimum != 1))
    if seconds > MAX_GRACE:
        raise ScheduleError(field, f"must be at most {MAX_GRACE} seconds (366 days)")
    return timedelta(seconds=seconds)


def _translate(expression: str) -> str:
    return NICKNAMES.get(expression.lower(), expression)
