"""Failure and recovery thresholds in the status engine: tables of exact instants.

A heartbeat expected every 60 s with 30 s of grace, anchored at T0: due at T0+60 s, down at
T0+90 s when nothing is counted.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from cronbeat.enums import IncidentReason, PingKind, Status
from cronbeat.schedules import Cron, Period
from cronbeat.status import Facts, Verdict, advance, apply_ping, streak_text

T0 = datetime(2026, 5, 13, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def facts(status: Status = Status.UP, *, failures: int = 0, successes: int = 0,
          threshold: int = 3, recovery: int = 1, **more: object) -> Facts:
    base = Facts(schedule=Period(60), grace=timedelta(seconds=30), max_runtime=None,
                 status=status, anchor_at=T0, failure_threshold=threshold,
                 recovery_threshold=recovery, failures=failures, successes=successes)
    return replace(base, **more)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("failures", "status", "reason", "counted", "left"),
    [
        (0, Status.UP, None, IncidentReason.FAILED, 1),
        (1, Status.UP, None, IncidentReason.FAILED, 2),
        (2, Status.DOWN, IncidentReason.FAILED, None, 0),
    ],
)
def test_a_failure_ping_takes_it_down_only_at_the_threshold(
    failures: int, status: Status, reason: IncidentReason | None,
    counted: IncidentReason | None, left: int,
) -> None:
    outcome = apply_ping(facts(failures=failures), PingKind.FAIL, at(10), None)
    deadline = None if status is Status.DOWN else at(70)
    assert outcome.verdict == Verdict(status, deadline, reason, counted)
    assert outcome.facts.failures == left
    assert outcome.facts.anchor_at == at(10)
    assert not outcome.resolves


def test_a_success_between_failures_starts_the_count_again() -> None:
    outcome = apply_ping(facts(failures=2), PingKind.SUCCESS, at(10), None)
    assert outcome.facts.failures == 0
    assert outcome.verdict == Verdict(Status.UP, at(70))
    again = apply_ping(outcome.facts, PingKind.FAIL, at(20), None)
    assert again.verdict.status is Status.UP
    assert again.facts.failures == 1


@pytest.mark.parametrize(
    ("now", "expected", "failures", "anchor"),
    [
        # The first miss is counted at T0+90 s; the next run is expected from the missed due
        # time (T0+60 s), so it is due at T0+120 s, and the second miss counts at T0+150 s.
        (at(90), Verdict(Status.UP, at(120), None, IncidentReason.MISSED), 1, at(60)),
        (at(119), Verdict(Status.UP, at(120), None, IncidentReason.MISSED), 1, at(60)),
        (at(120), Verdict(Status.LATE, at(150), None, IncidentReason.MISSED), 1, at(60)),
        (at(150), Verdict(Status.UP, at(180), None, IncidentReason.MISSED), 2, at(120)),
        # Three periods missed at once (the worker was stopped): the third opens the incident.
        (at(210), Verdict(Status.DOWN, None, IncidentReason.MISSED), 0, at(120)),
        (at(10_000), Verdict(Status.DOWN, None, IncidentReason.MISSED), 0, at(120)),
    ],
)
def test_misses_are_counted_one_per_period_until_the_threshold(
    now: datetime, expected: Verdict, failures: int, anchor: datetime
) -> None:
    after, verdict = advance(facts(), now)
    assert verdict == expected
    assert (after.failures, after.anchor_at) == (failures, anchor)


def test_a_miss_after_two_counted_failure_pings_opens_the_incident() -> None:
    after, verdict = advance(facts(failures=2), at(90))
    assert verdict == Verdict(Status.DOWN, None, IncidentReason.MISSED)
    assert after.failures == 0


def test_a_run_over_its_maximum_is_counted_and_the_next_run_is_expected_from_then() -> None:
    running = facts(Status.RUNNING, max_runtime=timedelta(seconds=20), started_at=T0,
                    started_rid="r1")
    after, verdict = advance(running, at(20))
    assert verdict == Verdict(Status.UP, at(80), None, IncidentReason.TIMED_OUT)
    assert (after.failures, after.started_at, after.anchor_at) == (1, None, at(20))


def test_a_threshold_of_one_pages_at_the_first_failure_as_before() -> None:
    outcome = apply_ping(facts(threshold=1), PingKind.FAIL, at(10), None)
    assert outcome.verdict == Verdict(Status.DOWN, None, IncidentReason.FAILED)
    assert advance(facts(threshold=1), at(90))[1] == Verdict(
        Status.DOWN, None, IncidentReason.MISSED)


def test_a_cron_miss_expects_the_next_scheduled_run() -> None:
    nightly = facts(schedule=Cron("30 2 * * *", "Europe/Riga"),
                    anchor_at=datetime(2026, 3, 28, 0, 30, tzinfo=UTC))
    # 02:30 Riga on 29 March is still 00:30 UTC (UTC+2); the clocks go forward at 04:00 that
    # night, so the run of the 30th is due at 23:30 UTC on the 29th (UTC+3).
    after, verdict = advance(nightly, datetime(2026, 3, 29, 0, 30, 30, tzinfo=UTC))
    assert verdict.counted is IncidentReason.MISSED
    assert after.anchor_at == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert verdict.deadline == datetime(2026, 3, 29, 23, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("successes", "status", "resolves", "left"),
    [(0, Status.DOWN, False, 1), (1, Status.DOWN, False, 2), (2, Status.UP, True, 0)],
)
def test_a_down_heartbeat_resolves_only_at_the_recovery_threshold(
    successes: int, status: Status, resolves: bool, left: int
) -> None:
    down = facts(Status.DOWN, successes=successes, recovery=3)
    outcome = apply_ping(down, PingKind.SUCCESS, at(500), None)
    assert (outcome.verdict.status, outcome.resolves, outcome.facts.successes) == (
        status, resolves, left)
    assert outcome.facts.anchor_at == at(500)


def test_a_failure_while_recovering_starts_the_recovery_count_again() -> None:
    down = facts(Status.DOWN, successes=2, recovery=3)
    outcome = apply_ping(down, PingKind.FAIL, at(500), None)
    assert outcome.verdict == Verdict(Status.DOWN, None, IncidentReason.FAILED)
    assert outcome.facts.successes == 0


@pytest.mark.parametrize(
    ("state", "text"),
    [
        (facts(failures=0), None),
        (facts(failures=2), "failing 2 of 3"),
        (facts(Status.LATE, failures=1), "failing 1 of 3"),
        (facts(Status.PAUSED, failures=1), None),
        (facts(Status.DOWN, successes=1, recovery=2), "recovering 1 of 2"),
        (facts(Status.DOWN, successes=0, recovery=2), None),
    ],
)
def test_the_streak_reads_as_words(state: Facts, text: str | None) -> None:
    assert streak_text(state) == text
