"""Schedule maths: periods, cron expressions in a time zone, and validation.

Every expected instant below was worked out by hand from the zone rules, not by the code:

- Europe/Riga is EET (UTC+2) in winter and EEST (UTC+3) in summer.
  2026-03-29: at 03:00 EET (01:00 UTC) clocks jump to 04:00 EEST; 03:00-03:59 never happens.
  2026-10-25: at 04:00 EEST (01:00 UTC) clocks go back to 03:00 EET; 03:00-03:59 happens twice,
  first as EEST (00:00-00:59 UTC), then as EET (01:00-01:59 UTC).
- America/New_York is EST (UTC-5) in winter and EDT (UTC-4) in summer.
  2026-03-08: at 02:00 EST (07:00 UTC) clocks jump to 03:00 EDT; 02:00-02:59 never happens.
  2026-11-01: at 02:00 EDT (06:00 UTC) clocks go back to 01:00 EST; 01:00-01:59 happens twice,
  first as EDT (05:00-05:59 UTC), then as EST (06:00-06:59 UTC).

The cron daemon runs a fixed-time job whose time is skipped right after the jump, runs a
fixed-time job whose time repeats once (at its first occurrence), and runs a job with a
wildcard minute or hour in both passes of a repeated hour.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cronbeat.schedules import (
    Cron,
    Period,
    ScheduleError,
    parse_cron,
    parse_duration,
    parse_period,
    parse_timezone,
    upcoming,
)

RIGA = "Europe/Riga"
NEW_YORK = "America/New_York"
NOW = datetime(2026, 5, 13, 10, 15, tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- days when the clocks move -------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "zone", "after", "expected"),
    [
        # Riga: 03:30 does not exist on 2026-03-29; the job runs at 04:00 EEST = 01:00 UTC.
        ("30 3 * * *", RIGA, utc(2026, 3, 28, 12), utc(2026, 3, 29, 1, 0)),
        ("30 3 * * *", RIGA, utc(2026, 3, 29, 0, 40), utc(2026, 3, 29, 1, 0)),
        ("0 3 * * *", RIGA, utc(2026, 3, 28, 12), utc(2026, 3, 29, 1, 0)),
        ("59 3 * * *", RIGA, utc(2026, 3, 28, 12), utc(2026, 3, 29, 1, 0)),
        # New York: 02:30 does not exist on 2026-03-08; the job runs at 03:00 EDT = 07:00 UTC.
        ("30 2 * * *", NEW_YORK, utc(2026, 3, 7, 12), utc(2026, 3, 8, 7, 0)),
        ("30 2 * * *", NEW_YORK, utc(2026, 3, 8, 6, 40), utc(2026, 3, 8, 7, 0)),
        ("0 2 * * *", NEW_YORK, utc(2026, 3, 7, 12), utc(2026, 3, 8, 7, 0)),
    ],
)
def test_a_daily_job_in_the_skipped_hour_runs_right_after_the_jump(
    expression: str, zone: str, after: datetime, expected: datetime
) -> None:
    assert Cron(expression, zone).next_due(after) == expected


@pytest.mark.parametrize(
    ("expression", "zone", "after", "expected"),
    [
        # Riga 30 3 * * *: 03:30 EET on the 28th, 04:00 EEST on the 29th, 03:30 EEST on the 30th.
        (
            "30 3 * * *",
            RIGA,
            utc(2026, 3, 27, 12),
            [utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1, 0), utc(2026, 3, 30, 0, 30)],
        ),
        # New York 30 2 * * *: 02:30 EST on the 7th, 03:00 EDT on the 8th, 02:30 EDT on the 9th.
        (
            "30 2 * * *",
            NEW_YORK,
            utc(2026, 3, 6, 12),
            [utc(2026, 3, 7, 7, 30), utc(2026, 3, 8, 7, 0), utc(2026, 3, 9, 6, 30)],
        ),
    ],
)
def test_a_daily_job_in_the_skipped_hour_runs_once_on_the_day_of_the_jump(
    expression: str, zone: str, after: datetime, expected: list[datetime]
) -> None:
    assert upcoming(Cron(expression, zone), after, 3) == expected


@pytest.mark.parametrize(
    ("expression", "zone", "after", "expected"),
    [
        # Riga 30 3 * * *: 03:30 EEST on the 24th and (first pass) on the 25th, then EET.
        (
            "30 3 * * *",
            RIGA,
            utc(2026, 10, 23, 12),
            [utc(2026, 10, 24, 0, 30), utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)],
        ),
        # Riga 0 3 * * *: 03:00 EEST is the first 03:00 of the 25th.
        (
            "0 3 * * *",
            RIGA,
            utc(2026, 10, 24, 12),
            [utc(2026, 10, 25, 0, 0), utc(2026, 10, 26, 1, 0)],
        ),
        # New York 30 1 * * *: 01:30 EDT on the 31st and (first pass) on Nov 1st, then EST.
        (
            "30 1 * * *",
            NEW_YORK,
            utc(2026, 10, 30, 12),
            [utc(2026, 10, 31, 5, 30), utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)],
        ),
        # New York 0 1 * * *: 01:00 EDT is the first 01:00 of Nov 1st.
        (
            "0 1 * * *",
            NEW_YORK,
            utc(2026, 10, 31, 12),
            [utc(2026, 11, 1, 5, 0), utc(2026, 11, 2, 6, 0)],
        ),
    ],
)
def test_a_daily_job_in_the_repeated_hour_runs_once_at_its_first_occurrence(
    expression: str, zone: str, after: datetime, expected: list[datetime]
) -> None:
    assert upcoming(Cron(expression, zone), after, len(expected)) == expected


@pytest.mark.parametrize(
    ("zone", "after", "expected"),
    [
        # Riga, from 02:40 EEST: 03:00 and 03:30 EEST, 03:00 and 03:30 EET, 04:00 EET.
        (
            RIGA,
            utc(2026, 10, 24, 23, 40),
            [
                utc(2026, 10, 25, 0, 0),
                utc(2026, 10, 25, 0, 30),
                utc(2026, 10, 25, 1, 0),
                utc(2026, 10, 25, 1, 30),
                utc(2026, 10, 25, 2, 0),
            ],
        ),
        # New York, from 00:40 EDT: 01:00 and 01:30 EDT, 01:00 and 01:30 EST, 02:00 EST.
        (
            NEW_YORK,
            utc(2026, 11, 1, 4, 40),
            [
                utc(2026, 11, 1, 5, 0),
                utc(2026, 11, 1, 5, 30),
                utc(2026, 11, 1, 6, 0),
                utc(2026, 11, 1, 6, 30),
                utc(2026, 11, 1, 7, 0),
            ],
        ),
    ],
)
def test_a_half_hourly_job_runs_in_both_passes_of_the_repeated_hour(
    zone: str, after: datetime, expected: list[datetime]
) -> None:
    schedule = Cron("*/30 * * * *", zone)
    seen = []
    for _ in expected:
        after = schedule.next_due(after)
        seen.append(after)
    assert seen == expected


@pytest.mark.parametrize(
    ("zone", "after", "expected"),
    [
        # Riga, from 02:10 EET: 02:30 EET, then 04:00 and 04:30 EEST (03:xx does not exist).
        (
            RIGA,
            utc(2026, 3, 29, 0, 10),
            [utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 1, 0), utc(2026, 3, 29, 1, 30)],
        ),
        # New York, from 01:10 EST: 01:30 EST, then 03:00 and 03:30 EDT (02:xx does not exist).
        (
            NEW_YORK,
            utc(2026, 3, 8, 6, 10),
            [utc(2026, 3, 8, 6, 30), utc(2026, 3, 8, 7, 0), utc(2026, 3, 8, 7, 30)],
        ),
    ],
)
def test_a_half_hourly_job_skips_the_missing_hour_without_an_extra_run(
    zone: str, after: datetime, expected: list[datetime]
) -> None:
    assert upcoming(Cron("*/30 * * * *", zone), after, 3) == expected


@pytest.mark.parametrize(
    ("zone", "after", "expected"),
    [
        # 03:10 EET (second pass) -> 03:30 EET of the second pass.
        (RIGA, utc(2026, 10, 25, 1, 10), utc(2026, 10, 25, 1, 30)),
        # 03:30 EET (second pass) -> 04:00 EET.
        (RIGA, utc(2026, 10, 25, 1, 30), utc(2026, 10, 25, 2, 0)),
        # 01:10 EST (second pass) -> 01:30 EST of the second pass.
        (NEW_YORK, utc(2026, 11, 1, 6, 10), utc(2026, 11, 1, 6, 30)),
        # 01:30 EST (second pass) -> 02:00 EST.
        (NEW_YORK, utc(2026, 11, 1, 6, 30), utc(2026, 11, 1, 7, 0)),
    ],
)
def test_a_half_hourly_job_asked_from_inside_the_second_pass_continues_in_that_pass(
    zone: str, after: datetime, expected: datetime
) -> None:
    assert Cron("*/30 * * * *", zone).next_due(after) == expected


@pytest.mark.parametrize(
    ("expression", "zone", "after", "expected"),
    [
        # 03:30 EET in the second pass is later than the job's 03:30 EEST: next is the 26th.
        ("30 3 * * *", RIGA, utc(2026, 10, 25, 1, 30), utc(2026, 10, 26, 1, 30)),
        # 03:10 EET in the second pass: the 03:30 EEST run (00:30 UTC) is already in the past.
        pytest.param(
            "30 3 * * *",
            RIGA,
            utc(2026, 10, 25, 1, 10),
            utc(2026, 10, 26, 1, 30),
        ),
        ("0 3 * * *", RIGA, utc(2026, 10, 25, 1, 0), utc(2026, 10, 26, 1, 0)),
        # 04:00 EET comes after the repeated hour and is unaffected.
        ("0 4 * * *", RIGA, utc(2026, 10, 25, 1, 10), utc(2026, 10, 25, 2, 0)),
        # 01:10 EST in the second pass: the 01:30 EDT run (05:30 UTC) is already in the past.
        pytest.param(
            "30 1 * * *",
            NEW_YORK,
            utc(2026, 11, 1, 6, 10),
            utc(2026, 11, 2, 6, 30),
        ),
        ("30 1 * * *", NEW_YORK, utc(2026, 11, 1, 6, 30), utc(2026, 11, 2, 6, 30)),
        ("0 2 * * *", NEW_YORK, utc(2026, 11, 1, 6, 10), utc(2026, 11, 1, 7, 0)),
    ],
)
def test_a_daily_job_asked_from_inside_the_second_pass_does_not_run_again_that_day(
    expression: str, zone: str, after: datetime, expected: datetime
) -> None:
    assert Cron(expression, zone).next_due(after) == expected


@pytest.mark.parametrize(
    ("expression", "zone", "after", "expected"),
    [
        # Riga noon: 12:00 EET = 10:00 UTC before the spring change, 12:00 EEST = 09:00 after.
        ("0 12 * * *", RIGA, utc(2026, 3, 28, 0), [utc(2026, 3, 28, 10), utc(2026, 3, 29, 9)]),
        # ...and back again in the autumn.
        ("0 12 * * *", RIGA, utc(2026, 10, 24, 0), [utc(2026, 10, 24, 9), utc(2026, 10, 25, 10)]),
        # Riga 05:15 on the morning of each change: just after the transition.
        (
            "15 5 * * *",
            RIGA,
            utc(2026, 3, 28, 0),
            [utc(2026, 3, 28, 3, 15), utc(2026, 3, 29, 2, 15)],
        ),
        (
            "15 5 * * *",
            RIGA,
            utc(2026, 10, 24, 0),
            [utc(2026, 10, 24, 2, 15), utc(2026, 10, 25, 3, 15)],
        ),
        # Riga 02:30 in the autumn: before the repeated hour, still EEST on the 25th.
        (
            "30 2 * * *",
            RIGA,
            utc(2026, 10, 24, 0),
            [utc(2026, 10, 24, 23, 30), utc(2026, 10, 26, 0, 30)],
        ),
        # New York noon: 12:00 EST = 17:00 UTC, 12:00 EDT = 16:00 UTC, and back.
        ("0 12 * * *", NEW_YORK, utc(2026, 3, 7, 0), [utc(2026, 3, 7, 17), utc(2026, 3, 8, 16)]),
        (
            "0 12 * * *",
            NEW_YORK,
            utc(2026, 10, 31, 0),
            [utc(2026, 10, 31, 16), utc(2026, 11, 1, 17)],
        ),
        # New York 02:30 in the autumn: after the repeated hour, 02:30 EST on Nov 1st.
        (
            "30 2 * * *",
            NEW_YORK,
            utc(2026, 10, 31, 0),
            [utc(2026, 10, 31, 6, 30), utc(2026, 11, 1, 7, 30)],
        ),
        # New York 23:45 on the evenings around the spring change (Mar 6th 19:00 EST onwards).
        (
            "45 23 * * *",
            NEW_YORK,
            utc(2026, 3, 7, 0),
            [utc(2026, 3, 7, 4, 45), utc(2026, 3, 8, 4, 45), utc(2026, 3, 9, 3, 45)],
        ),
    ],
)
def test_a_job_outside_the_transition_keeps_its_wall_time_with_a_new_utc_offset(
    expression: str, zone: str, after: datetime, expected: list[datetime]
) -> None:
    assert upcoming(Cron(expression, zone), after, len(expected)) == expected


def test_next_due_is_strictly_after_the_given_instant() -> None:
    schedule = Cron("30 12 * * *", "UTC")
    assert schedule.next_due(utc(2026, 5, 13, 12, 30)) == utc(2026, 5, 14, 12, 30)
    assert schedule.next_due(utc(2026, 5, 13, 12, 30) - timedelta(microseconds=1)) == utc(
        2026, 5, 13, 12, 30
    )
    assert schedule.next_due(utc(2026, 5, 13, 12, 30) + timedelta(microseconds=1)) == utc(
        2026, 5, 14, 12, 30
    )


def test_next_due_answers_in_utc_whatever_the_zone_of_the_schedule() -> None:
    due = Cron("0 9 * * *", NEW_YORK).next_due(utc(2026, 5, 13, 0))
    assert due == utc(2026, 5, 13, 13)
    assert due.tzinfo is UTC


# --- nicknames -----------------------------------------------------------------------------


# NOW is 2026-05-13 10:15 UTC, a Wednesday: 13:15 EEST in Riga.
@pytest.mark.parametrize(
    ("nickname", "expansion", "expected"),
    [
        ("@yearly", "0 0 1 1 *", utc(2026, 12, 31, 22)),  # 2027-01-01 00:00 EET
        ("@annually", "0 0 1 1 *", utc(2026, 12, 31, 22)),
        ("@monthly", "0 0 1 * *", utc(2026, 5, 31, 21)),  # 2026-06-01 00:00 EEST
        ("@weekly", "0 0 * * 0", utc(2026, 5, 16, 21)),  # Sunday 2026-05-17 00:00 EEST
        ("@daily", "0 0 * * *", utc(2026, 5, 13, 21)),  # 2026-05-14 00:00 EEST
        ("@midnight", "0 0 * * *", utc(2026, 5, 13, 21)),
        ("@hourly", "0 * * * *", utc(2026, 5, 13, 11)),  # 14:00 EEST
    ],
)
def test_a_nickname_fires_exactly_like_its_expansion(
    nickname: str, expansion: str, expected: datetime
) -> None:
    assert Cron(nickname, RIGA).next_due(NOW) == expected
    assert Cron(expansion, RIGA).next_due(NOW) == expected
    assert Cron(nickname.upper(), RIGA).next_due(NOW) == expected
    assert parse_cron(nickname, RIGA, NOW).next_due(NOW) == expected


def test_a_midnight_job_moves_its_utc_time_with_the_change() -> None:
    # Riga changes at 03:00/04:00, so midnight exists on both days of change.
    assert upcoming(Cron("@daily", RIGA), utc(2026, 3, 28, 12), 2) == [
        utc(2026, 3, 28, 22),  # 2026-03-29 00:00 EET
        utc(2026, 3, 29, 21),  # 2026-03-30 00:00 EEST
    ]


# --- periods and upcoming ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "after", "expected"),
    [
        (1, utc(2026, 5, 13, 10), datetime(2026, 5, 13, 10, 0, 1, tzinfo=UTC)),
        (60, utc(2026, 5, 13, 10), utc(2026, 5, 13, 10, 1)),
        (3600, utc(2026, 5, 13, 23, 30), utc(2026, 5, 14, 0, 30)),
        (86400, utc(2026, 12, 31, 12), utc(2027, 1, 1, 12)),
        # A period is elapsed time: a day is 24 hours even across Riga's spring change.
        (86400, utc(2026, 3, 28, 12), utc(2026, 3, 29, 12)),
        (
            90,
            datetime(2026, 5, 13, 10, 0, 0, 250_000, tzinfo=UTC),
            datetime(2026, 5, 13, 10, 1, 30, 250_000, tzinfo=UTC),
        ),
        (366 * 86400, utc(2027, 1, 1, 0), utc(2028, 1, 2, 0)),
    ],
)
def test_a_period_is_due_exactly_that_many_seconds_later(
    seconds: int, after: datetime, expected: datetime
) -> None:
    assert Period(seconds).next_due(after) == expected


def test_upcoming_lists_consecutive_times_of_a_period() -> None:
    assert upcoming(Period(600), utc(2026, 5, 13, 10), 4) == [
        utc(2026, 5, 13, 10, 10),
        utc(2026, 5, 13, 10, 20),
        utc(2026, 5, 13, 10, 30),
        utc(2026, 5, 13, 10, 40),
    ]


def test_upcoming_lists_consecutive_times_of_a_cron_schedule() -> None:
    # Mondays and Thursdays at 08:15 in New York (EDT in May): 12:15 UTC.
    # 2026-05-13 is a Wednesday.
    assert upcoming(Cron("15 8 * * 1,4", NEW_YORK), NOW, 3) == [
        utc(2026, 5, 14, 12, 15),
        utc(2026, 5, 18, 12, 15),
        utc(2026, 5, 21, 12, 15),
    ]


def test_upcoming_of_zero_times_is_empty() -> None:
    assert upcoming(Period(60), NOW, 0) == []


# --- validation ----------------------------------------------------------------------------


@pytest.mark.parametrize("seconds", [1, 60, 366 * 24 * 3600])
def test_a_period_between_one_second_and_366_days_is_accepted(seconds: int) -> None:
    assert parse_period(seconds) == Period(seconds)


@pytest.mark.parametrize(
    ("seconds", "message"),
    [
        (0, "must be at least 1 second"),
        (-60, "must be at least 1 second"),
        (366 * 24 * 3600 + 1, "must be at most 31622400 seconds (366 days)"),
    ],
)
def test_a_period_outside_the_limits_is_rejected_on_the_period_field(
    seconds: int, message: str
) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_period(seconds)
    assert caught.value.field == "period"
    assert caught.value.message == message
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("field", "seconds", "minimum", "expected"),
    [
        ("grace", 60, 60, timedelta(seconds=60)),
        ("grace", 3600, 60, timedelta(hours=1)),
        ("max_runtime", 1, 1, timedelta(seconds=1)),
        ("max_runtime", 366 * 24 * 3600, 1, timedelta(days=366)),
    ],
)
def test_a_duration_inside_the_limits_becomes_a_timedelta(
    field: str, seconds: int, minimum: int, expected: timedelta
) -> None:
    assert parse_duration(field, seconds, minimum) == expected


@pytest.mark.parametrize(
    ("field", "seconds", "minimum", "message"),
    [
        ("grace", 59, 60, "must be at least 60 seconds"),
        ("max_runtime", 0, 1, "must be at least 1 second"),
        ("grace", 366 * 24 * 3600 + 1, 60, "must be at most 31622400 seconds (366 days)"),
    ],
)
def test_a_duration_outside_the_limits_is_rejected_on_its_own_field(
    field: str, seconds: int, minimum: int, message: str
) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_duration(field, seconds, minimum)
    assert caught.value.field == field
    assert caught.value.message == message


def test_a_valid_cron_expression_is_accepted_with_its_whitespace_normalised() -> None:
    assert parse_cron("  30   3 *\t* * ", RIGA, NOW) == Cron("30 3 * * *", RIGA)


@pytest.mark.parametrize(
    "expression",
    [
        "* * 31 2 *",  # February never has a 31st
        "0 0 30 2 *",  # nor a 30th
        "61 * * * *",
        "* 24 * * *",
        "* * * 13 *",
        "* * * *",
        "",
        "every day",
    ],
)
def test_an_invalid_cron_expression_is_rejected_on_the_schedule_field(expression: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_cron(expression, RIGA, NOW)
    assert caught.value.field == "schedule"
    assert caught.value.message.startswith(f"invalid cron expression {expression!r}: ")


@pytest.mark.parametrize("nickname", ["@reboot", "@every_5m", "@"])
def test_an_unknown_nickname_is_rejected_on_the_schedule_field(nickname: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_cron(nickname, RIGA, NOW)
    assert caught.value.field == "schedule"
    assert caught.value.message == (
        f"unknown nickname {nickname!r}: use one of "
        "@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly"
    )


@pytest.mark.parametrize("zone", ["Europe/Atlantis", "Mars/Olympus_Mons", "", "../etc/passwd"])
def test_an_unknown_time_zone_is_rejected_on_the_timezone_field(zone: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_cron("0 3 * * *", zone, NOW)
    assert caught.value.field == "timezone"
    assert caught.value.message == (
        f"unknown time zone {zone!r}: use an IANA name such as 'Europe/Riga'"
    )


def test_the_time_zone_is_checked_before_the_expression() -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_cron("not cron", "Nowhere/Town", NOW)
    assert caught.value.field == "timezone"


@pytest.mark.parametrize("zone", [RIGA, NEW_YORK, "UTC", "Asia/Kolkata"])
def test_a_known_time_zone_is_accepted_as_given(zone: str) -> None:
    assert parse_timezone(zone) == zone
