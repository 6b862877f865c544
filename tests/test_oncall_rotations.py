"""On-call rotations: who is on call at an instant, with exact instants worked out by hand.

Zone facts used below (from the tz rules, not from the code):

- Europe/Riga is EET (UTC+2) in winter and EEST (UTC+3) in summer.
  2026-03-29 (Sun): at 03:00 EET (01:00 UTC) clocks jump to 04:00 EEST; 03:00-03:59 never happens.
  2026-10-25 (Sun): at 04:00 EEST (01:00 UTC) clocks go back to 03:00 EET; 03:00-03:59 happens
  twice, first as EEST (00:00-00:59 UTC), then as EET (01:00-01:59 UTC).
- America/New_York is EST (UTC-5) in winter and EDT (UTC-4) in summer.
  2026-03-08 (Sun): at 02:00 EST (07:00 UTC) clocks jump to 03:00 EDT.
  2026-11-01 (Sun): at 02:00 EDT (06:00 UTC) clocks go back to 01:00 EST; 01:00-01:59 repeats.
- Pacific/Apia skipped 2011-12-30: 2011-12-29 24:00 at UTC-10 (10:00 UTC on the 30th) became
  2011-12-31 00:00 at UTC+14.

The weekly rotation WEEKLY (Ana, Bo, Cy; Monday 09:00 Riga from Monday 2026-03-16) has:
  n=0 Ana 03-16 07:00Z (EET), n=1 Bo 03-23 07:00Z, n=2 Cy 03-30 06:00Z (EEST), n=3 Ana 04-06
  06:00Z, ... n=31 Bo 10-19 06:00Z (217 days = 31 weeks later; 31 % 3 = 1), n=32 Cy 10-26
  07:00Z (EET again), n=33 Ana 11-02 07:00Z.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from cronbeat.oncall import (
    Handoff,
    Override,
    Rotation,
    handoffs,
    on_call_at,
    shift_starts,
    validate_rotation,
    wall_to_utc,
)

ANA, BO, CY = 1, 2, 3
RIGA = "Europe/Riga"
NEW_YORK = "America/New_York"
US = timedelta(microseconds=1)
WEEK = timedelta(days=7)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def riga(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(RIGA))


def rotation(
    members: tuple[int, ...], shift: timedelta, handoff: time, zone: str, start: date
) -> Rotation:
    return Rotation(members, shift, handoff, zone, start)


WEEKLY = rotation((ANA, BO, CY), WEEK, time(9, 0), RIGA, date(2026, 3, 16))
# Ana, Bo daily at 03:30 Riga: the spring-forward one starts Fri 03-27, the fall-back one Fri 10-23.
DAILY_SPRING = rotation((ANA, BO), timedelta(days=1), time(3, 30), RIGA, date(2026, 3, 27))
DAILY_FALL = rotation((ANA, BO), timedelta(days=1), time(3, 30), RIGA, date(2026, 10, 23))
# Ana, Bo hourly from midnight Riga on the day of the jump.
# Ana, Bo, Cy every 12 h from 08:00 New York, starting the day before each change of clocks.
NY_SPRING = rotation((ANA, BO, CY), timedelta(hours=12), time(8, 0), NEW_YORK, date(2026, 3, 7))
NY_FALL = rotation((ANA, BO, CY), timedelta(hours=12), time(8, 0), NEW_YORK, date(2026, 10, 31))
HOURLY = rotation((ANA, BO), timedelta(hours=1), time(0, 0), RIGA, date(2026, 3, 29))


@pytest.mark.parametrize(
    ("wall", "zone", "expected"),
    [
        # 02:59 EET exists: minus 2 h.
        (datetime(2026, 3, 29, 2, 59), RIGA, utc(2026, 3, 29, 0, 59)),
        # 03:00, 03:30, 03:59:59 do not exist: the first instant after the jump is 01:00Z.
        (datetime(2026, 3, 29, 3, 0), RIGA, utc(2026, 3, 29, 1, 0)),
        (datetime(2026, 3, 29, 3, 30), RIGA, utc(2026, 3, 29, 1, 0)),
        (datetime(2026, 3, 29, 3, 59, 59, 999999), RIGA, utc(2026, 3, 29, 1, 0)),
        # 04:00 EEST is the jump itself: minus 3 h.
        (datetime(2026, 3, 29, 4, 0), RIGA, utc(2026, 3, 29, 1, 0)),
        # 03:00 and 03:30 repeat on 10-25: first occurrence is EEST, minus 3 h.
        (datetime(2026, 10, 25, 3, 0), RIGA, utc(2026, 10, 25, 0, 0)),
        (datetime(2026, 10, 25, 3, 30), RIGA, utc(2026, 10, 25, 0, 30)),
        # 04:00 on 10-25 happens once, as EET: minus 2 h.
        (datetime(2026, 10, 25, 4, 0), RIGA, utc(2026, 10, 25, 2, 0)),
        # New York: 02:30 on 03-08 does not exist -> 03:00 EDT = 07:00Z.
        (datetime(2026, 3, 8, 2, 30), NEW_YORK, utc(2026, 3, 8, 7, 0)),
        # 01:30 on 11-01 repeats: first is EDT, plus 4 h.
        (datetime(2026, 11, 1, 1, 30), NEW_YORK, utc(2026, 11, 1, 5, 30)),
        # Apia's whole skipped day lands on the jump, 2011-12-30 10:00Z.
        (datetime(2011, 12, 30, 12, 0), "Pacific/Apia", utc(2011, 12, 30, 10, 0)),
    ],
)
def test_a_wall_time_in_a_gap_happens_right_after_the_jump_and_a_repeated_one_first(
    wall: datetime, zone: str, expected: datetime
) -> None:
    assert wall_to_utc(wall, ZoneInfo(zone)) == expected


@pytest.mark.parametrize(
    ("schedule", "after", "expected"),
    [
        # Weekly 09:00 Riga: 07:00Z in winter, 06:00Z from the Monday after 03-29.
        (
            WEEKLY,
            utc(2026, 3, 20, 12),
            [utc(2026, 3, 23, 7), utc(2026, 3, 30, 6), utc(2026, 4, 6, 6)],
        ),
        # Strictly after: starting at a hand-off instant skips it.
        (WEEKLY, utc(2026, 3, 23, 7), [utc(2026, 3, 30, 6)]),
        # Before the start, the first hand-off is n=0.
        (WEEKLY, utc(2026, 3, 1), [utc(2026, 3, 16, 7)]),
        # Back to 07:00Z from the Monday after 10-25.
        (
            WEEKLY,
            utc(2026, 10, 15),
            [utc(2026, 10, 19, 6), utc(2026, 10, 26, 7), utc(2026, 11, 2, 7)],
        ),
        # Daily 03:30 Riga: 03:30 EET on 03-28, skipped 03:30 -> 04:00 EEST on 03-29, then EEST.
        (
            DAILY_SPRING,
            utc(2026, 3, 28),
            [utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1, 0), utc(2026, 3, 30, 0, 30)],
        ),
        # Daily 03:30 Riga: EEST on 10-24, first (EEST) 03:30 on 10-25, then EET on 10-26.
        (
            DAILY_FALL,
            utc(2026, 10, 23, 12),
            [utc(2026, 10, 24, 0, 30), utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)],
        ),
        # 12 h from 08:00 New York on 03-07: 08:00 EST=13Z, 20:00 EST=01Z, 08:00 EDT=12Z,
        # 20:00 EDT=00Z (Bo's shift over the jump lasts 11 h).
        (
            NY_SPRING,
            utc(2026, 3, 1),
            [utc(2026, 3, 7, 13), utc(2026, 3, 8, 1), utc(2026, 3, 8, 12), utc(2026, 3, 9, 0)],
        ),
        # 12 h from 08:00 New York on 10-31: 08:00 EDT=12Z, 20:00 EDT=00Z, 08:00 EST=13Z,
        # 20:00 EST=01Z (Bo's shift over the fall-back lasts 13 h).
        (
            NY_FALL,
            utc(2026, 10, 1),
            [utc(2026, 10, 31, 12), utc(2026, 11, 1, 0), utc(2026, 11, 1, 13), utc(2026, 11, 2, 1)],
        ),
        # 12 h from 02:30 New York on 03-07: 02:30 EST=07:30Z, 14:30 EST=19:30Z, 02:30 skipped
        # -> 03:00 EDT=07:00Z, 14:30 EDT=18:30Z.
        (
            rotation((ANA, BO), timedelta(hours=12), time(2, 30), NEW_YORK, date(2026, 3, 7)),
            utc(2026, 3, 1),
            [
                utc(2026, 3, 7, 7, 30),
                utc(2026, 3, 7, 19, 30),
                utc(2026, 3, 8, 7),
                utc(2026, 3, 8, 18, 30),
            ],
        ),
        # 12 h from 01:30 New York on 10-31: 01:30 EDT=05:30Z, 13:30 EDT=17:30Z, first 01:30
        # (EDT)=05:30Z, 13:30 EST=18:30Z.
        (
            rotation((ANA, BO), timedelta(hours=12), time(1, 30), NEW_YORK, date(2026, 10, 31)),
            utc(2026, 10, 1),
            [
                utc(2026, 10, 31, 5, 30),
                utc(2026, 10, 31, 17, 30),
                utc(2026, 11, 1, 5, 30),
                utc(2026, 11, 1, 18, 30),
            ],
        ),
        # Hourly from 00:00 Riga on 03-29: 00:00 EET=22Z (28th), 01:00=23Z, 02:00=00Z, then 03:00
        # (skipped) and 04:00 EEST both fall on 01:00Z and come out once, 05:00 EEST=02:00Z.
        (
            HOURLY,
            utc(2026, 3, 28, 23, 30),
            [utc(2026, 3, 29, 0), utc(2026, 3, 29, 1), utc(2026, 3, 29, 2)],
        ),
    ],
)
def test_hand_offs_follow_the_local_wall_clock_across_dst(
    schedule: Rotation, after: datetime, expected: list[datetime]
) -> None:
    assert shift_starts(schedule, after, len(expected)) == expected


@pytest.mark.parametrize(
    ("schedule", "at", "expected"),
    [
        # WEEKLY: nobody before n=0 (03-16 07:00Z); Ana from it exactly.
        (WEEKLY, utc(2026, 3, 16, 7) - US, None),
        (WEEKLY, utc(2026, 3, 16, 7), ANA),
        # n=1 at 03-23 07:00Z: 1 us before is still Ana.
        (WEEKLY, utc(2026, 3, 23, 7) - US, ANA),
        (WEEKLY, utc(2026, 3, 23, 7), BO),
        # n=2 at 03-30 06:00Z (09:00 EEST); the old winter instant 07:00Z is not a hand-off.
        (WEEKLY, utc(2026, 3, 30, 6) - US, BO),
        (WEEKLY, utc(2026, 3, 30, 6), CY),
        (WEEKLY, riga(2026, 3, 30, 9), CY),
        # n=32 at 10-26 07:00Z (09:00 EET); 06:00Z is 08:00 EET, still Bo's week (n=31).
        (WEEKLY, utc(2026, 10, 26, 6), BO),
        (WEEKLY, utc(2026, 10, 26, 7) - US, BO),
        (WEEKLY, utc(2026, 10, 26, 7), CY),
        # DAILY_SPRING: Bo from 03-28 01:30Z; Ana from the skipped 03:30 = 03-29 01:00Z.
        (DAILY_SPRING, utc(2026, 3, 29, 1) - US, BO),
        (DAILY_SPRING, utc(2026, 3, 29, 1), ANA),
        # DAILY_FALL: Bo from 10-24; Ana from the first 03:30 = 10-25 00:30Z, still Ana at the
        # second 03:30 (EET, 01:30Z); Bo from 10-26 03:30 EET = 01:30Z.
        (DAILY_FALL, utc(2026, 10, 25, 0, 30) - US, BO),
        (DAILY_FALL, utc(2026, 10, 25, 0, 30), ANA),
        (DAILY_FALL, utc(2026, 10, 25, 1, 30), ANA),
        # 01:10Z is 03:10 EET in the second pass: earlier on the wall than 03:30, but the first
        # 03:30 (00:30Z) has passed, so it is still Ana's shift, not Bo's.
        (DAILY_FALL, utc(2026, 10, 25, 1, 10), ANA),
        (DAILY_FALL, utc(2026, 10, 26, 1, 30) - US, ANA),
        (DAILY_FALL, utc(2026, 10, 26, 1, 30), BO),
        # NY_SPRING: Bo from 03-07 20:00 EST (03-08 01:00Z) to 03-08 08:00 EDT (12:00Z), then Cy.
        (NY_SPRING, utc(2026, 3, 8, 12) - US, BO),
        (NY_SPRING, utc(2026, 3, 8, 12), CY),
        # NY_FALL: Bo from 10-31 20:00 EDT (11-01 00:00Z) to 11-01 08:00 EST (13:00Z): 12:00Z is
        # 07:00 EST, still Bo.
        (NY_FALL, utc(2026, 11, 1, 12), BO),
        (NY_FALL, utc(2026, 11, 1, 13) - US, BO),
        (NY_FALL, utc(2026, 11, 1, 13), CY),
        # HOURLY: n=2 Ana at 00:00Z; n=3 Bo and n=4 Ana both at 01:00Z, so Bo's shift is empty.
        (HOURLY, utc(2026, 3, 29, 1) - US, ANA),
        (HOURLY, utc(2026, 3, 29, 1), ANA),
        (HOURLY, utc(2026, 3, 29, 2), BO),
        # Nobody is on call in a rotation without members, even long after it starts.
        (rotation((), WEEK, time(9), RIGA, date(2026, 3, 16)), utc(2026, 6, 1), None),
        # A single member is on call from the start onwards, and nobody before.
        (rotation((BO,), WEEK, time(9), RIGA, date(2026, 3, 16)), utc(2026, 3, 16, 7) - US, None),
        (rotation((BO,), WEEK, time(9), RIGA, date(2026, 3, 16)), utc(2026, 3, 16, 7), BO),
        (rotation((BO,), WEEK, time(9), RIGA, date(2026, 3, 16)), utc(2031, 1, 1), BO),
    ],
)
def test_the_person_on_call_changes_exactly_at_the_hand_off(
    schedule: Rotation, at: datetime, expected: int | None
) -> None:
    assert on_call_at(schedule, [], at) == expected


# Ana covers for Bo from Friday 18:00 EET (16:00Z) to Monday 09:00 EEST (06:00Z), across the jump.
WEEKEND = Override(ANA, riga(2026, 3, 27, 18), riga(2026, 3, 30, 9))
# In Bo's week: Ana 03-24 00:00Z to 03-26 00:00Z, with Cy on 03-25 00:00Z-12:00Z inside it.
WIDE = Override(ANA, utc(2026, 3, 24), utc(2026, 3, 26))
NARROW = Override(CY, utc(2026, 3, 25), utc(2026, 3, 25, 12))
# Bo covers before the rotation starts on 03-16.
EARLY = Override(BO, utc(2026, 3, 10), utc(2026, 3, 12))


@pytest.mark.parametrize(
    ("overrides", "at", "expected"),
    [
        # Bo's week until Friday 16:00Z, then Ana until the rotation hands over to Cy.
        ([WEEKEND], utc(2026, 3, 27, 16) - US, BO),
        ([WEEKEND], utc(2026, 3, 27, 16), ANA),
        ([WEEKEND], utc(2026, 3, 30, 6) - US, ANA),
        ([WEEKEND], utc(2026, 3, 30, 6), CY),
        # Overlap: the later override in the list wins, on [starts_at, ends_at).
        ([WIDE, NARROW], utc(2026, 3, 24, 12), ANA),
        ([WIDE, NARROW], utc(2026, 3, 25), CY),
        ([WIDE, NARROW], utc(2026, 3, 25, 12) - US, CY),
        ([WIDE, NARROW], utc(2026, 3, 25, 12), ANA),
        ([WIDE, NARROW], utc(2026, 3, 26), BO),
        ([NARROW, WIDE], utc(2026, 3, 25, 6), ANA),
        # Before the rotation starts an override still puts someone on call, then nobody.
        ([EARLY], utc(2026, 3, 11), BO),
        ([EARLY], utc(2026, 3, 12), None),
    ],
)
def test_an_override_replaces_the_rotation_and_the_later_one_wins(
    overrides: list[Override], at: datetime, expected: int | None
) -> None:
    assert on_call_at(WEEKLY, overrides, at) == expected


@pytest.mark.parametrize(
    ("schedule", "overrides", "after", "expected"),
    [
        # WEEKEND: Ana at 03-27 16:00Z, Cy at the regular 03-30 06:00Z hand-off, Ana a week later.
        (
            WEEKLY,
            [WEEKEND],
            utc(2026, 3, 23, 12),
            [(utc(2026, 3, 27, 16), ANA), (utc(2026, 3, 30, 6), CY), (utc(2026, 4, 6, 6), ANA)],
        ),
        # Overlapping: every edge changes the person.
        (
            WEEKLY,
            [WIDE, NARROW],
            utc(2026, 3, 23, 12),
            [
                (utc(2026, 3, 24), ANA),
                (utc(2026, 3, 25), CY),
                (utc(2026, 3, 25, 12), ANA),
                (utc(2026, 3, 26), BO),
            ],
        ),
        # Reversed, Ana hides Cy: Cy's edges are not changes.
        (
            WEEKLY,
            [NARROW, WIDE],
            utc(2026, 3, 23, 12),
            [(utc(2026, 3, 24), ANA), (utc(2026, 3, 26), BO)],
        ),
        # Before the start: Bo, nobody, then the rotation's Ana and Bo.
        (
            WEEKLY,
            [EARLY],
            utc(2026, 3, 1),
            [
                (utc(2026, 3, 10), BO),
                (utc(2026, 3, 12), None),
                (utc(2026, 3, 16, 7), ANA),
                (utc(2026, 3, 23, 7), BO),
            ],
        ),
        # An override for Bo in Bo's own week changes nothing.
        (
            WEEKLY,
            [Override(BO, utc(2026, 3, 24), utc(2026, 3, 25))],
            utc(2026, 3, 23, 12),
            [(utc(2026, 3, 30, 6), CY)],
        ),
        # Cy starts early on 03-29 12:00Z; the 03-30 hand-off to Cy and the override's end
        # (03-31, rotation says Cy) change nothing; Ana takes over on 04-06 06:00Z.
        (
            WEEKLY,
            [Override(CY, utc(2026, 3, 29, 12), utc(2026, 3, 31))],
            utc(2026, 3, 23, 12),
            [(utc(2026, 3, 29, 12), CY), (utc(2026, 4, 6, 6), ANA)],
        ),
        # Ana, Ana, Bo weekly: the 03-23 hand-off from Ana to Ana is not a change.
        (
            rotation((ANA, ANA, BO), WEEK, time(9), RIGA, date(2026, 3, 16)),
            [],
            utc(2026, 3, 1),
            [(utc(2026, 3, 16, 7), ANA), (utc(2026, 3, 30, 6), BO), (utc(2026, 4, 6, 6), ANA)],
        ),
        # HOURLY: the 01:00Z boundaries hand Ana over to Ana (Bo's shift is swallowed).
        (
            HOURLY,
            [],
            utc(2026, 3, 28, 23, 30),
            [(utc(2026, 3, 29, 0), ANA), (utc(2026, 3, 29, 2), BO)],
        ),
        # One member: a single change at the start, then none ever.
        (
            rotation((BO,), WEEK, time(9), RIGA, date(2026, 3, 16)),
            [],
            utc(2026, 3, 1),
            [(utc(2026, 3, 16, 7), BO)],
        ),
        (rotation((BO,), WEEK, time(9), RIGA, date(2026, 3, 16)), [], utc(2026, 3, 20), []),
        # One member with an override: there and back.
        (
            rotation((BO,), WEEK, time(9), RIGA, date(2026, 3, 16)),
            [WIDE],
            utc(2026, 3, 20),
            [(utc(2026, 3, 24), ANA), (utc(2026, 3, 26), BO)],
        ),
        # No members: only the override puts someone on call.
        (
            rotation((), WEEK, time(9), RIGA, date(2026, 3, 16)),
            [WIDE],
            utc(2026, 3, 1),
            [(utc(2026, 3, 24), ANA), (utc(2026, 3, 26), None)],
        ),
        (rotation((), WEEK, time(9), RIGA, date(2026, 3, 16)), [], utc(2026, 3, 1), []),
        # Ten years of Ana over an hourly rotation (87,600 hand-offs hidden). 2036-03-29 is
        # 3653 days after 2026-03-29 (3 leap days), a Saturday, so Riga is still on EET: the
        # override ends at 12:30Z = 14:30 EET, in shift 3653*24+14 (even: Ana, no change), and
        # Bo takes shift 3653*24+15 at 15:00 EET = 13:00Z.
        (
            HOURLY,
            [Override(ANA, utc(2026, 3, 29), utc(2036, 3, 29, 12, 30))],
            utc(2026, 3, 28, 23, 30),
            [(utc(2026, 3, 29), ANA), (utc(2036, 3, 29, 13), BO)],
        ),
    ],
)
def test_handoffs_lists_only_the_changes_of_person(
    schedule: Rotation,
    overrides: list[Override],
    after: datetime,
    expected: list[tuple[datetime, int | None]],
) -> None:
    # Ask for as many as expected; an empty row asks for 10 to show that there are none.
    found = handoffs(schedule, overrides, after, len(expected) or 10)
    assert [(h.at, h.user_id) for h in found] == expected
    assert all(h.at.utcoffset() == timedelta(0) for h in found)


def test_handoffs_stops_at_count() -> None:
    # WEEKLY after 03-20: Bo 03-23 07:00Z, Cy 03-30 06:00Z.
    assert handoffs(WEEKLY, [], utc(2026, 3, 20), 2) == [
        Handoff(utc(2026, 3, 23, 7), BO),
        Handoff(utc(2026, 3, 30, 6), CY),
    ]
    assert handoffs(WEEKLY, [], utc(2026, 3, 20), 0) == []


@pytest.mark.parametrize(
    ("schedule", "problem"),
    [
        (
            rotation((ANA,), timedelta(minutes=59), time(9), RIGA, date(2026, 3, 16)),
            "at least 1 hour",
        ),
        (rotation((ANA,), timedelta(0), time(9), RIGA, date(2026, 3, 16)), "at least 1 hour"),
        (rotation((ANA,), -WEEK, time(9), RIGA, date(2026, 3, 16)), "at least 1 hour"),
        (
            rotation((ANA,), timedelta(days=366, seconds=1), time(9), RIGA, date(2026, 3, 16)),
            "at most 366 days",
        ),
        (rotation((ANA,), WEEK, time(9), "Mars/Olympus", date(2026, 3, 16)), "unknown time zone"),
        (rotation((ANA,), WEEK, time(9), "Europe", date(2026, 3, 16)), "unknown time zone"),
        (rotation((ANA,), WEEK, time(9), "", date(2026, 3, 16)), "unknown time zone"),
        (rotation((ANA,), WEEK, time(9, tzinfo=UTC), RIGA, date(2026, 3, 16)), "handoff"),
    ],
)
def test_an_unusable_rotation_is_refused_with_the_reason(schedule: Rotation, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        validate_rotation(schedule)
    with pytest.raises(ValueError, match=problem):
        on_call_at(schedule, [], utc(2026, 4, 1))


@pytest.mark.parametrize(
    "schedule",
    [
        rotation((), WEEK, time(9), RIGA, date(2026, 3, 16)),
        rotation((ANA, ANA, BO), timedelta(hours=1), time(9), RIGA, date(2026, 3, 16)),
        rotation((ANA,), timedelta(days=366), time(9), "UTC", date(2026, 3, 16)),
    ],
)
def test_empty_members_duplicates_and_the_shift_limits_are_allowed(schedule: Rotation) -> None:
    validate_rotation(schedule)


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        on_call_at(WEEKLY, [], datetime(2026, 4, 1, 12))
