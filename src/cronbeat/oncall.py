"""Who is on call at an instant: a schedule's rotation of members, plus overrides.

Pure: no I/O, no clock. Shifts follow the local wall clock like PagerDuty and Opsgenie do:
boundary n is `combine(start, handoff) + n * shift` as naive local time, placed in the zone.
A boundary in a spring-forward gap happens right after the jump (as cron does, see
schedules.py); one in a repeated hour happens at its first occurrence.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronbeat.schedules import ScheduleError

MIN_SHIFT = timedelta(hours=1)
MAX_SHIFT = timedelta(days=366)
# handoffs() stops after this many candidate instants, so that pathological input (thousands
# of duplicated members, say) cannot keep a caller busy; real schedules need a few per change.
MAX_STEPS = 5000

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class Rotation:
    member_ids: tuple[int, ...]  # in order; shift n is member_ids[n % len]; empty: nobody
    shift: timedelta  # wall-clock length, 1 hour to 366 days
    handoff: time  # naive local time of the first hand-off
    timezone: str  # IANA name
    start: date  # local date of the first hand-off; nobody is on call before it


@dataclass(frozen=True)
class Override:
    """`user_id` is on call in [starts_at, ends_at) (aware); later in a list wins on overlap."""

    user_id: int
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Handoff:
    at: datetime  # aware UTC
    user_id: int | None  # on call from `at`; None: nobody


def validate_rotation(rotation: Rotation) -> None:
    _zone(rotation)


def wall_to_utc(wall: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant of a naive local wall time: first occurrence, or right after a gap."""
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == wall:
        return first
    return _end_of_gap(wall, zone)


def shift_starts(rotation: Rotation, after: datetime, count: int) -> list[datetime]:
    """The next `count` rotation hand-offs strictly after `after`, in UTC."""
    zone = _zone(rotation)
    starts: list[datetime] = []
    at: datetime | None = _aware(after)
    while at is not None and len(starts) < count:
        at = _next_boundary(rotation, zone, at)
        if at is not None:
            starts.append(at)
    return starts


def on_call_at(rotation: Rotation, overrides: Sequence[Override], at: datetime) -> int | None:
    return _on_call(rotation, _zone(rotation), overrides, _aware(at))


def handoffs(
    rotation: Rotation, overrides: Sequence[Override], after: datetime, count: int
) -> list[Handoff]:
    """The next `count` changes of person after `after` (bounded by MAX_STEPS candidates)."""
    zone = _zone(rotation)
    edges = sorted({edge.astimezone(UTC) for o in overrides for edge in (o.starts_at, o.ends_at)})
    person = _on_call(rotation, zone, overrides, _aware(after))
    at: datetime | None = after
    changes: list[Handoff] = []
    for _ in range(MAX_STEPS):
        if at is None or len(changes) >= count:
            break
        at = _next_candidate(rotation, zone, overrides, edges, at)
        if at is not None and (now := _on_call(rotation, zone, overrides, at)) != person:
            changes.append(Handoff(at, now))
            person = now
    return changes


def _next_candidate(
    rotation: Rotation,
    zone: ZoneInfo,
    overrides: Sequence[Override],
    edges: list[datetime],
    after: datetime,
) -> datetime | None:
    """The next instant after `after` at which the person on call might change."""
    i = bisect_right(edges, after)
    edge = edges[i] if i < len(edges) else None
    # Between two override edges the set of active overrides is fixed: if it is not empty,
    # rotation boundaries there change nothing, and skipping them keeps long overrides cheap.
    if _override_for(overrides, after) is not None:
        return edge
    boundary = _next_boundary(rotation, zone, after)
    # With one distinct member (or none), only the very first boundary changes anything;
    # without this, handoffs() would walk the calendar looking for a change that never comes.
    if len(set(rotation.member_ids)) <= 1 and _boundary(rotation, zone, 0) <= after:
        boundary = None
    candidates = [c for c in (edge, boundary) if c is not None]
    return min(candidates) if candidates else None


def _on_call(
    rotation: Rotation, zone: ZoneInfo, overrides: Sequence[Override], at: datetime
) -> int | None:
    override = _override_for(overrides, at)
    if override is not None:
        return override.user_id
    n = _shift_index(rotation, zone, at)
    if n < 0 or not rotation.member_ids:
        return None
    return rotation.member_ids[n % len(rotation.member_ids)]


def _override_for(overrides: Sequence[Override], at: datetime) -> Override | None:
    # Callers list overrides oldest first and the newest one wins.
    for override in reversed(overrides):
        if override.starts_at <= at < override.ends_at:
            return override
    return None


def _next_boundary(rotation: Rotation, zone: ZoneInfo, after: datetime) -> datetime | None:
    try:
        # Strictly after: boundaries that coincide (a gap swallowed a shift) come out once.
        return _boundary(rotation, zone, _shift_index(rotation, zone, after) + 1)
    except OverflowError:  # past year 9999: no more boundaries
        return None


def _shift_index(rotation: Rotation, zone: ZoneInfo, at: datetime) -> int:
    """The number of the last boundary at or before `at`, or -1 before the first."""
    local = at.astimezone(zone).replace(tzinfo=None)
    base = datetime.combine(rotation.start, rotation.handoff)
    n = max((local - base) // rotation.shift, -1)
    # The wall-clock estimate can be off by one around a DST change (a repeated hour reads
    # earlier on the wall; a gap can swallow a whole shift so that two boundaries coincide),
    # so step to the last boundary at or before `at`.
    while _boundary(rotation, zone, n + 1) <= at:
        n += 1
    while n >= 0 and _boundary(rotation, zone, n) > at:
        n -= 1
    return n


def _boundary(rotation: Rotation, zone: ZoneInfo, n: int) -> datetime:
    base = datetime.combine(rotation.start, rotation.handoff.replace(fold=0))
    return wall_to_utc(base + n * rotation.shift, zone)


def _end_of_gap(wall: datetime, zone: ZoneInfo) -> datetime:
    # Inside a gap, fold=0 reads the wall time with the offset from before the jump (an instant
    # after it) and fold=1 with the offset from after (an instant before it). Transitions fall
    # on whole seconds, so a search over whole seconds between the two finds the jump exactly.
    early = (wall.replace(tzinfo=zone, fold=1).astimezone(UTC) - _EPOCH) // _SECOND
    late = -((_EPOCH - wall.replace(tzinfo=zone, fold=0).astimezone(UTC)) // _SECOND)
    after_jump = _offset(late, zone)
    while late - early > 1:
        middle = (early + late) // 2
        if _offset(middle, zone) == after_jump:
            late = middle
        else:
            early = middle
    return _EPOCH + late * _SECOND


def _offset(seconds: int, zone: ZoneInfo) -> timedelta | None:
    return (_EPOCH + seconds * _SECOND).astimezone(zone).utcoffset()


def _zone(rotation: Rotation) -> ZoneInfo:
    if rotation.shift < MIN_SHIFT:
        raise ScheduleError("shift", f"shift must be at least 1 hour, not {rotation.shift}")
    if rotation.shift > MAX_SHIFT:
        raise ScheduleError("shift", f"shift must be at most 366 days, not {rotation.shift}")
    if rotation.handoff.tzinfo is not None:
        raise ScheduleError(
            "handoff", "handoff must be a wall-clock time without tzinfo: the timezone applies"
        )
    try:
        return ZoneInfo(rotation.timezone)
    # A directory name such as "Europe" raises IsADirectoryError, hence OSError.
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ScheduleError(
            "timezone",
            f"unknown time zone {rotation.timezone!r}: use an IANA name such as 'Europe/Riga'",
        ) from None


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"instant {at.isoformat()} must be timezone-aware")
    return at


@dataclass(frozen=True)
class DayShift:
    """On `day` (local), `user_id` is on call from `at` (None: since the day began)."""

    at: datetime | None
    user_id: int | None


def day_shifts(
    rotation: Rotation, overrides: Sequence[Override], day: date
) -> list[DayShift]:
    """Who is on call during one local day of the rotation's zone, in order: the person at
    midnight, then each hand-off before the next midnight. A calendar cell."""
    zone = _zone(rotation)
    start = wall_to_utc(datetime.combine(day, time(0)), zone)
    end = wall_to_utc(datetime.combine(day + timedelta(days=1), time(0)), zone)
    shifts = [DayShift(None, _on_call(rotation, zone, overrides, start))]
    # A shift lasts at least an hour, so a day holds at most 25 rotation hand-offs; each
    # override adds at most two more.
    for change in handoffs(rotation, overrides, start, 26 + 2 * len(overrides)):
        if change.at >= end:
            break
        shifts.append(DayShift(change.at, change.user_id))
    return shifts
