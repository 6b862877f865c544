"""Maintenance windows, pure: which instants a window covers, across midnight and DST, and
when the quiet ends."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from cronbeat.maintenance import OneOff, Recurring, occurrence_at, quiet_until

MON, TUE, SAT, SUN = 0, 1, 5, 6


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


SUNDAY_NIGHT = Recurring(frozenset({SUN}), time(23, 0), time(1, 0), "UTC")


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (utc(2026, 3, 1, 22, 59, 59), None),  # Sunday, just before
        (utc(2026, 3, 1, 23, 0), (utc(2026, 3, 1, 23, 0), utc(2026, 3, 2, 1, 0))),
        (utc(2026, 3, 2, 0, 30), (utc(2026, 3, 1, 23, 0), utc(2026, 3, 2, 1, 0))),  # Monday
        (utc(2026, 3, 2, 1, 0), None),  # the end is not covered
        (utc(2026, 3, 2, 23, 30), None),  # Monday night: not a window day
        (utc(2026, 3, 8, 23, 30), (utc(2026, 3, 8, 23, 0), utc(2026, 3, 9, 1, 0))),
    ],
)
def test_a_window_across_midnight_belongs_to_the_day_it_starts(
    now: datetime, expected: tuple[datetime, datetime] | None
) -> None:
    assert occurrence_at(SUNDAY_NIGHT, now) == expected


RIGA_NIGHT = Recurring(frozenset({SUN}), time(2, 0), time(5, 0), "Europe/Riga")


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # 29 March 2026: Riga jumps from 03:00 (UTC+2) to 04:00 (UTC+3). The window still
        # opens at 02:00 local (00:00 UTC) and closes at 05:00 local, now 02:00 UTC: 2 hours.
        (utc(2026, 3, 28, 23, 59), None),
        (utc(2026, 3, 29, 0, 0), (utc(2026, 3, 29, 0, 0), utc(2026, 3, 29, 2, 0))),
        (utc(2026, 3, 29, 1, 59), (utc(2026, 3, 29, 0, 0), utc(2026, 3, 29, 2, 0))),
        (utc(2026, 3, 29, 2, 0), None),
        # 25 October 2026: Riga falls back from 04:00 (UTC+3) to 03:00 (UTC+2): 4 hours.
        (utc(2026, 10, 24, 23, 0), (utc(2026, 10, 24, 23, 0), utc(2026, 10, 25, 3, 0))),
        (utc(2026, 10, 25, 2, 59), (utc(2026, 10, 24, 23, 0), utc(2026, 10, 25, 3, 0))),
        (utc(2026, 10, 25, 3, 0), None),
    ],
)
def test_a_window_keeps_its_wall_clock_times_across_dst(
    now: datetime, expected: tuple[datetime, datetime] | None
) -> None:
    assert occurrence_at(RIGA_NIGHT, now) == expected


def test_a_bound_in_the_skipped_hour_moves_forward_by_the_jump() -> None:
    # 03:30 does not exist in Riga on 29 March 2026; the window starts at 04:30 (01:30 UTC).
    skipped = Recurring(frozenset({SUN}), time(3, 30), time(6, 0), "Europe/Riga")
    assert occurrence_at(skipped, utc(2026, 3, 29, 1, 29)) is None
    assert occurrence_at(skipped, utc(2026, 3, 29, 1, 30)) == (
        utc(2026, 3, 29, 1, 30), utc(2026, 3, 29, 3, 0))


def test_a_bound_in_the_repeated_hour_is_its_first_occurrence() -> None:
    # 03:30 happens twice in Riga on 25 October 2026 (00:30 and 01:30 UTC); the first counts.
    repeated = Recurring(frozenset({SUN}), time(1, 0), time(3, 30), "Europe/Riga")
    found = occurrence_at(repeated, utc(2026, 10, 25, 0, 29))
    assert found is not None and found[1] == utc(2026, 10, 25, 0, 30)
    assert occurrence_at(repeated, utc(2026, 10, 25, 0, 30)) is None


def test_a_one_off_window_covers_its_start_and_not_its_end() -> None:
    window = OneOff(utc(2026, 3, 2, 12, 0), utc(2026, 3, 2, 14, 0))
    assert occurrence_at(window, utc(2026, 3, 2, 11, 59, 59)) is None
    assert occurrence_at(window, utc(2026, 3, 2, 12, 0)) == (
        utc(2026, 3, 2, 12), utc(2026, 3, 2, 14))
    assert occurrence_at(window, utc(2026, 3, 2, 14, 0)) is None


def test_the_quiet_lasts_through_windows_that_overlap_or_touch() -> None:
    weekend = Recurring(frozenset({SAT}), time(22, 0), time(2, 0), "UTC")
    upgrade = OneOff(utc(2026, 3, 8, 2, 0), utc(2026, 3, 8, 6, 0))  # Sunday 02:00 to 06:00
    later = OneOff(utc(2026, 3, 8, 7, 0), utc(2026, 3, 8, 8, 0))
    windows = [weekend, upgrade, later]
    assert quiet_until(windows, utc(2026, 3, 7, 23, 0)) == utc(2026, 3, 8, 6, 0)
    assert quiet_until(windows, utc(2026, 3, 8, 6, 0)) is None
    assert quiet_until(windows, utc(2026, 3, 8, 7, 30)) == utc(2026, 3, 8, 8, 0)
    assert quiet_until([], utc(2026, 3, 8, 7, 30)) is None


def test_a_window_on_several_days_covers_each_of_them() -> None:
    weekdays = Recurring(frozenset({MON, TUE}), time(9, 0), time(9, 30), "America/New_York")
    assert occurrence_at(weekdays, utc(2026, 3, 2, 14, 15)) is not None  # Mon 09:15 EST
    assert occurrence_at(weekdays, utc(2026, 3, 3, 14, 15)) is not None  # Tue
    assert occurrence_at(weekdays, utc(2026, 3, 4, 14, 15)) is None  # Wed
