"""A calendar cell: who is on call during one local day, with the hand-offs inside it.
Instants worked out by hand; Riga facts as in test_oncall_rotations.py (EET = UTC+2 until
2026-03-29 03:00, then EEST = UTC+3; clocks go back on 2026-10-25)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from cronbeat.oncall import DayShift, Override, Rotation, day_shifts

ANA, BO, CY = 1, 2, 3
WEEKLY = Rotation(member_ids=(ANA, BO, CY), shift=timedelta(days=7), handoff=time(9),
                  timezone="Europe/Riga", start=date(2026, 3, 16))
DAILY_UTC = Rotation(member_ids=(ANA, BO), shift=timedelta(days=1), handoff=time(0),
                     timezone="UTC", start=date(2026, 3, 1))
TWELVE_HOURS = Rotation(member_ids=(ANA, BO), shift=timedelta(hours=12), handoff=time(8),
                        timezone="UTC", start=date(2026, 3, 1))


def utc(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.mark.parametrize(("rotation", "day", "expected"), [
    # Before the first hand-off nobody is on call, then Ana from 09:00 EET (07:00 UTC).
    (WEEKLY, date(2026, 3, 16), [DayShift(None, None), DayShift(utc(3, 16, 7), ANA)]),
    (WEEKLY, date(2026, 3, 15), [DayShift(None, None)]),
    # A day inside a shift: one person all day.
    (WEEKLY, date(2026, 3, 18), [DayShift(None, ANA)]),
    # The first hand-off after the spring change is at 09:00 EEST, 06:00 UTC.
    (WEEKLY, date(2026, 3, 30), [DayShift(None, BO), DayShift(utc(3, 30, 6), CY)]),
    # A hand-off at midnight is the person of the whole day, without a change shown.
    (DAILY_UTC, date(2026, 3, 2), [DayShift(None, BO)]),
    (DAILY_UTC, date(2026, 3, 3), [DayShift(None, ANA)]),
    # Two hand-offs in a day.
    (TWELVE_HOURS, date(2026, 3, 2), [DayShift(None, BO), DayShift(utc(3, 2, 8), ANA),
                                      DayShift(utc(3, 2, 20), BO)]),
])
def test_a_day_names_who_is_on_call_and_each_hand_off(
    rotation: Rotation, day: date, expected: list[DayShift]
):
    assert day_shifts(rotation, [], day) == expected


def test_an_override_inside_a_day_shows_as_two_changes():
    cover = Override(user_id=CY, starts_at=utc(3, 18, 10), ends_at=utc(3, 18, 14))

    assert day_shifts(WEEKLY, [cover], date(2026, 3, 18)) == [
        DayShift(None, ANA), DayShift(utc(3, 18, 10), CY), DayShift(utc(3, 18, 14), ANA)]


def test_a_day_starts_at_local_midnight():
    # 2026-03-23 00:00 in Riga is 22:00 UTC the day before; Bo takes over at 09:00 EET.
    assert day_shifts(WEEKLY, [], date(2026, 3, 23)) == [
        DayShift(None, ANA), DayShift(utc(3, 23, 7), BO)]
