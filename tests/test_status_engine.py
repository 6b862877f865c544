"""The status engine: tables of exact instants, no clock and no database.

Most cases use a heartbeat expected every 60 s with 30 s of grace, anchored at T0: it is due at
T0+60 s and down at T0+90 s.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cronbeat.enums import IncidentReason, PingKind, Status
from cronbeat.schedules import Cron, Period
from cronbeat.status import Facts, PingOutcome, Verdict, apply_ping, evaluate

T0 = datetime(2026, 5, 13, 12, 0, tzinfo=UTC)
US = timedelta(microseconds=1)
GRACE = timedelta(seconds=30)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def facts(
    status: Status = Status.UP,
    *,
    anchor_at: datetime | None = T0,
    started_at: datetime | None = None,
    started_rid: str | None = None,
    max_runtime: int | None = None,
) -> Facts:
    return Facts(
        schedule=Period(60),
        grace=GRACE,
        max_runtime=None if max_runtime is None else timedelta(seconds=max_runtime),
        status=status,
        anchor_at=anchor_at,
        started_at=started_at,
        started_rid=started_rid,
    )


# --- evaluate: the clock moves, no ping arrives --------------------------------------------


@pytest.mark.parametrize("now", [T0, at(60), at(90), at(86_400 * 400)])
def test_a_pending_heartbeat_stays_pending_without_a_deadline(now: datetime) -> None:
    assert evaluate(facts(Status.PENDING, anchor_at=None), now) == Verdict(Status.PENDING, None)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (T0, Verdict(Status.UP, at(60))),
        (at(59), Verdict(Status.UP, at(60))),
        (at(60) - US, Verdict(Status.UP, at(60))),
        (at(60), Verdict(Status.LATE, at(90))),
        (at(75), Verdict(Status.LATE, at(90))),
        (at(90) - US, Verdict(Status.LATE, at(90))),
        (at(90), Verdict(Status.DOWN, None, IncidentReason.MISSED)),
        (at(3600), Verdict(Status.DOWN, None, IncidentReason.MISSED)),
    ],
)
def test_an_up_heartbeat_is_late_at_exactly_due_and_down_at_due_plus_grace(
    now: datetime, expected: Verdict
) -> None:
    assert evaluate(facts(Status.UP), now) == expected


@pytest.mark.parametrize("stored", [Status.UP, Status.LATE])
def test_the_verdict_of_an_up_or_late_heartbeat_depends_only_on_the_time(stored: Status) -> None:
    assert evaluate(facts(stored), at(10)) == Verdict(Status.UP, at(60))
    assert evaluate(facts(stored), at(70)) == Verdict(Status.LATE, at(90))


@pytest.mark.parametrize("now", [T0, at(10), at(60), at(90), at(3600)])
def test_a_down_heartbeat_stays_down_without_a_new_reason(now: datetime) -> None:
    assert evaluate(facts(Status.DOWN), now) == Verdict(Status.DOWN, None)


@pytest.mark.parametrize("now", [T0, at(60), at(90), at(3600)])
def test_a_paused_heartbeat_stays_paused_without_a_deadline(now: datetime) -> None:
    assert evaluate(facts(Status.PAUSED), now) == Verdict(Status.PAUSED, None)
    running = facts(Status.PAUSED, started_at=T0, started_rid="r1", max_runtime=10)
    assert evaluate(running, now) == Verdict(Status.PAUSED, None)


@pytest.mark.parametrize(
    ("max_runtime", "now", "expected"),
    [
        # Max runtime 45 s ends before due + grace: it is the deadline.
        (45, T0, Verdict(Status.RUNNING, at(45))),
        (45, at(45) - US, Verdict(Status.RUNNING, at(45))),
        (45, at(45), Verdict(Status.DOWN, None, IncidentReason.TIMED_OUT)),
        (45, at(89), Verdict(Status.DOWN, None, IncidentReason.TIMED_OUT)),
        # Max runtime 120 s ends after due + grace: the run is missed first.
        (120, T0, Verdict(Status.RUNNING, at(90))),
        (120, at(60), Verdict(Status.RUNNING, at(90))),
        (120, at(90) - US, Verdict(Status.RUNNING, at(90))),
        (120, at(90), Verdict(Status.DOWN, None, IncidentReason.MISSED)),
        (120, at(120), Verdict(Status.DOWN, None, IncidentReason.TIMED_OUT)),
        # Both at the same instant: running too long is the reason given.
        (90, at(90) - US, Verdict(Status.RUNNING, at(90))),
        (90, at(90), Verdict(Status.DOWN, None, IncidentReason.TIMED_OUT)),
        # No max runtime: only due + grace matters, and a running job is never late.
        (None, at(60), Verdict(Status.RUNNING, at(90))),
        (None, at(90) - US, Verdict(Status.RUNNING, at(90))),
        (None, at(90), Verdict(Status.DOWN, None, IncidentReason.MISSED)),
    ],
)
def test_a_running_heartbeat_has_the_earlier_of_timeout_and_due_plus_grace_as_deadline(
    max_runtime: int | None, now: datetime, expected: Verdict
) -> None:
    running = facts(Status.RUNNING, started_at=T0, started_rid="r1", max_runtime=max_runtime)
    assert evaluate(running, now) == expected


# --- apply_ping: start, success, failure ---------------------------------------------------


@pytest.mark.parametrize(
    ("before", "max_runtime", "deadline"),
    [
        (Status.PENDING, 45, at(45)),
        (Status.PENDING, None, at(90)),
        (Status.UP, 45, at(45)),
        (Status.UP, 120, at(90)),
        (Status.LATE, 45, at(45)),
        (Status.RUNNING, 45, at(45)),
    ],
)
def test_a_start_makes_the_heartbeat_running_until_the_earlier_deadline(
    before: Status, max_runtime: int | None, deadline: datetime
) -> None:
    anchor = None if before is Status.PENDING else at(-70)
    # A start while running replaces the run in progress (r0) by the new one (r1).
    started = at(-70) if before is Status.RUNNING else None
    rid = "r0" if before is Status.RUNNING else None
    previous = facts(
        before, anchor_at=anchor, started_at=started, started_rid=rid, max_runtime=max_runtime
    )
    outcome = apply_ping(previous, PingKind.START, T0, "r1")
    assert outcome == PingOutcome(
        facts=facts(
            Status.RUNNING, anchor_at=T0, started_at=T0, started_rid="r1", max_runtime=max_runtime
        ),
        verdict=Verdict(Status.RUNNING, deadline),
        duration=None,
        resolves=False,
    )


def test_a_running_heartbeat_times_out_at_start_plus_max_runtime() -> None:
    outcome = apply_ping(facts(Status.UP, max_runtime=45), PingKind.START, T0, "r1")
    assert evaluate(outcome.facts, at(45) - US) == Verdict(Status.RUNNING, at(45))
    assert evaluate(outcome.facts, at(45)) == Verdict(Status.DOWN, None, IncidentReason.TIMED_OUT)


@pytest.mark.parametrize("rid", ["r1", None])
def test_a_success_closes_the_run_and_gives_its_duration(rid: str | None) -> None:
    running = facts(Status.RUNNING, started_at=T0, started_rid="r1", max_runtime=45)
    outcome = apply_ping(running, PingKind.SUCCESS, at(20), rid)
    assert outcome == PingOutcome(
        facts=facts(Status.UP, anchor_at=at(20), max_runtime=45),
        verdict=Verdict(Status.UP, at(80)),
        duration=20.0,
        resolves=True,
    )


def test_a_success_measures_the_duration_to_the_microsecond() -> None:
    running = facts(Status.RUNNING, started_at=T0, started_rid="r1")
    outcome = apply_ping(running, PingKind.SUCCESS, at(12.345678), "r1")
    assert outcome.duration == 12.345678


def test_a_success_after_the_deadline_of_a_running_job_closes_it_and_is_up() -> None:
    # The worker took it down (missed); the late success still closes the run and resolves.
    down = facts(Status.DOWN, started_at=T0, started_rid="r1")
    outcome = apply_ping(down, PingKind.SUCCESS, at(100), "r1")
    assert outcome == PingOutcome(
        facts=facts(Status.UP, anchor_at=at(100)),
        verdict=Verdict(Status.UP, at(160)),
        duration=100.0,
        resolves=True,
    )


@pytest.mark.parametrize(
    ("max_runtime", "deadline"),
    [
        (45, at(45)),  # the latest run still times out at its own start + 45 s
        (None, at(110)),  # the success moved the anchor: due at 80 s, down at 110 s
    ],
)
def test_a_success_of_another_run_does_not_close_the_latest_run(
    max_runtime: int | None, deadline: datetime
) -> None:
    running = facts(Status.RUNNING, started_at=T0, started_rid="r2", max_runtime=max_runtime)
    outcome = apply_ping(running, PingKind.SUCCESS, at(20), "r1")
    assert outcome == PingOutcome(
        facts=facts(
            Status.RUNNING,
            anchor_at=at(20),
            started_at=T0,
            started_rid="r2",
            max_runtime=max_runtime,
        ),
        verdict=Verdict(Status.RUNNING, deadline),
        duration=None,
        resolves=True,
    )


def test_a_success_without_a_run_makes_a_pending_heartbeat_up() -> None:
    outcome = apply_ping(facts(Status.PENDING, anchor_at=None), PingKind.SUCCESS, T0, None)
    assert outcome == PingOutcome(
        facts=facts(Status.UP, anchor_at=T0),
        verdict=Verdict(Status.UP, at(60)),
        duration=None,
        resolves=True,
    )


@pytest.mark.parametrize("before", [Status.UP, Status.LATE])
def test_a_success_starts_a_new_period(before: Status) -> None:
    outcome = apply_ping(facts(before), PingKind.SUCCESS, at(70), "r9")
    assert outcome == PingOutcome(
        facts=facts(Status.UP, anchor_at=at(70)),
        verdict=Verdict(Status.UP, at(130)),
        duration=None,
        resolves=True,
    )


@pytest.mark.parametrize("rid", ["r1", None])
def test_a_failure_closes_the_run_takes_the_heartbeat_down_and_gives_the_duration(
    rid: str | None,
) -> None:
    running = facts(Status.RUNNING, started_at=T0, started_rid="r1", max_runtime=45)
    outcome = apply_ping(running, PingKind.FAIL, at(20), rid)
    assert outcome == PingOutcome(
        facts=facts(Status.DOWN, anchor_at=at(20), max_runtime=45),
        verdict=Verdict(Status.DOWN, None, IncidentReason.FAILED),
        duration=20.0,
        resolves=False,
    )


@pytest.mark.parametrize("before", [Status.PENDING, Status.UP, Status.LATE, Status.DOWN])
def test_a_failure_without_a_run_takes_the_heartbeat_down_as_failed(before: Status) -> None:
    anchor = None if before is Status.PENDING else T0
    outcome = apply_ping(facts(before, anchor_at=anchor), PingKind.FAIL, at(10), None)
    assert outcome == PingOutcome(
        facts=facts(Status.DOWN, anchor_at=at(10)),
        verdict=Verdict(Status.DOWN, None, IncidentReason.FAILED),
        duration=None,
        resolves=False,
    )


def test_a_success_after_down_resolves_and_makes_the_heartbeat_up() -> None:
    outcome = apply_ping(facts(Status.DOWN), PingKind.SUCCESS, at(500), None)
    assert outcome == PingOutcome(
        facts=facts(Status.UP, anchor_at=at(500)),
        verdict=Verdict(Status.UP, at(560)),
        duration=None,
        resolves=True,
    )


def test_a_start_while_down_keeps_the_heartbeat_down_until_the_run_succeeds() -> None:
    started = apply_ping(facts(Status.DOWN, max_runtime=45), PingKind.START, at(500), "r2")
    assert started == PingOutcome(
        facts=facts(
            Status.DOWN, anchor_at=at(500), started_at=at(500), started_rid="r2", max_runtime=45
        ),
        verdict=Verdict(Status.DOWN, None),
        duration=None,
        resolves=False,
    )
    assert evaluate(started.facts, at(600)) == Verdict(Status.DOWN, None)

    ended = apply_ping(started.facts, PingKind.SUCCESS, at(510), "r2")
    assert ended == PingOutcome(
        facts=facts(Status.UP, anchor_at=at(510), max_runtime=45),
        verdict=Verdict(Status.UP, at(570)),
        duration=10.0,
        resolves=True,
    )


# --- pings that change nothing -------------------------------------------------------------


@pytest.mark.parametrize(
    "before",
    [
        facts(Status.PENDING, anchor_at=None),
        facts(Status.UP),
        facts(Status.DOWN),
        facts(Status.RUNNING, started_at=T0, started_rid="r1", max_runtime=45),
        facts(Status.PAUSED),
    ],
    ids=lambda f: f.status.value,
)
def test_a_log_ping_changes_nothing(before: Facts) -> None:
    outcome = apply_ping(before, PingKind.LOG, at(10), "r1")
    assert outcome.facts == before
    assert outcome.verdict.status is before.status
    assert outcome.verdict.reason is None
    assert outcome.duration is None
    assert outcome.resolves is False


@pytest.mark.parametrize(
    ("before", "now", "deadline"),
    [
        (facts(Status.UP), at(10), at(60)),
        (facts(Status.LATE), at(70), at(90)),
        (facts(Status.RUNNING, started_at=T0, started_rid="r1", max_runtime=45), at(10), at(45)),
    ],
    ids=["up", "late", "running"],
)
def test_a_log_ping_keeps_the_deadline_the_worker_must_look_at(
    before: Facts, now: datetime, deadline: datetime
) -> None:
    # Each `now` is before the deadline, so nothing has happened by itself yet.
    assert apply_ping(before, PingKind.LOG, now, None).verdict == Verdict(before.status, deadline)


@pytest.mark.parametrize("kind", list(PingKind))
@pytest.mark.parametrize(
    "before",
    [
        facts(Status.PAUSED),
        facts(Status.PAUSED, anchor_at=None),
        facts(Status.PAUSED, started_at=T0, started_rid="r1", max_runtime=45),
    ],
    ids=["anchored", "never-pinged", "running"],
)
def test_a_paused_heartbeat_ignores_every_ping(before: Facts, kind: PingKind) -> None:
    assert apply_ping(before, kind, at(100), "r1") == PingOutcome(
        facts=before, verdict=Verdict(Status.PAUSED, None), duration=None, resolves=False
    )


# --- a cron schedule -----------------------------------------------------------------------

# Every day at 03:00 in Riga, 10 minutes of grace, at most 15 minutes of run time.
NIGHTLY = Cron("0 3 * * *", "Europe/Riga")


def cron_facts(status: Status, anchor_at: datetime | None) -> Facts:
    return Facts(
        schedule=NIGHTLY,
        grace=timedelta(minutes=10),
        max_runtime=timedelta(minutes=15),
        status=status,
        anchor_at=anchor_at,
    )


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("anchor", "now", "expected"),
    [
        # Success at 03:02 EEST on May 13th: due 03:00 EEST on the 14th = 00:00 UTC.
        (utc(5, 13, 0, 2), utc(5, 13, 12), Verdict(Status.UP, utc(5, 14, 0))),
        (utc(5, 13, 0, 2), utc(5, 14, 0) - US, Verdict(Status.UP, utc(5, 14, 0))),
        (utc(5, 13, 0, 2), utc(5, 14, 0), Verdict(Status.LATE, utc(5, 14, 0, 10))),
        (utc(5, 13, 0, 2), utc(5, 14, 0, 10) - US, Verdict(Status.LATE, utc(5, 14, 0, 10))),
        (
            utc(5, 13, 0, 2),
            utc(5, 14, 0, 10),
            Verdict(Status.DOWN, None, IncidentReason.MISSED),
        ),
        # Success at 03:05 EET on March 28th: 03:00 does not exist on the 29th, the job runs
        # right after the jump at 04:00 EEST = 01:00 UTC.
        (utc(3, 28, 1, 5), utc(3, 28, 12), Verdict(Status.UP, utc(3, 29, 1))),
        (utc(3, 28, 1, 5), utc(3, 29, 1), Verdict(Status.LATE, utc(3, 29, 1, 10))),
        (
            utc(3, 28, 1, 5),
            utc(3, 29, 1, 10),
            Verdict(Status.DOWN, None, IncidentReason.MISSED),
        ),
        # Success at 03:05 EEST on October 25th (first pass): next is 03:00 EET on the 26th.
        (utc(10, 25, 0, 5), utc(10, 25, 1, 5), Verdict(Status.UP, utc(10, 26, 1))),
    ],
)
def test_a_cron_heartbeat_is_due_at_its_next_cron_time_after_the_last_ping(
    anchor: datetime, now: datetime, expected: Verdict
) -> None:
    assert evaluate(cron_facts(Status.UP, anchor), now) == expected


def test_a_cron_heartbeat_goes_from_pending_to_down_through_a_whole_night() -> None:
    pending = cron_facts(Status.PENDING, None)
    assert evaluate(pending, utc(5, 13, 0)) == Verdict(Status.PENDING, None)

    started = apply_ping(pending, PingKind.START, utc(5, 13, 0), "n1")
    # Timeout at 00:15 UTC is earlier than due + grace (May 14th 00:10 UTC).
    assert started.verdict == Verdict(Status.RUNNING, utc(5, 13, 0, 15))

    ended = apply_ping(started.facts, PingKind.SUCCESS, utc(5, 13, 0, 4), "n1")
    assert (ended.verdict, ended.duration, ended.resolves) == (
        Verdict(Status.UP, utc(5, 14, 0)),
        240.0,
        True,
    )

    assert evaluate(ended.facts, utc(5, 14, 0)) == Verdict(Status.LATE, utc(5, 14, 0, 10))
    assert evaluate(ended.facts, utc(5, 14, 0, 10)) == Verdict(
        Status.DOWN, None, IncidentReason.MISSED
    )


def test_a_nightly_success_in_the_second_pass_of_the_repeated_hour_is_up() -> None:
    # `30 3 * * *` in Riga ran at 03:30 EEST (00:30 UTC) on October 25th; its success ping
    # arrives at 03:10 EET in the second pass (01:10 UTC). Next run: 03:30 EET on the 26th.
    schedule = Cron("30 3 * * *", "Europe/Riga")
    before = Facts(schedule, timedelta(minutes=10), None, Status.UP, anchor_at=utc(10, 24, 0, 31))
    outcome = apply_ping(before, PingKind.SUCCESS, utc(10, 25, 1, 10), None)
    assert outcome.verdict == Verdict(Status.UP, utc(10, 26, 1, 30))
