"""Run-time bounds in the status engine: a run shorter than its minimum fails; a run that
begins long before its scheduled time is flagged, or fails. Tables of exact instants."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from cronbeat.enums import IncidentReason, PingKind, Status
from cronbeat.schedules import Cron, Period
from cronbeat.status import Facts, Verdict, apply_ping, short_duration

T0 = datetime(2026, 5, 13, 12, 0, tzinfo=UTC)
NIGHTLY = Cron("30 2 * * *", "Europe/Riga")


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def running(min_runtime: int = 300, **more: object) -> Facts:
    base = Facts(schedule=Period(3600), grace=timedelta(seconds=600), max_runtime=None,
                 status=Status.RUNNING, anchor_at=T0, started_at=T0, started_rid=None,
                 min_runtime=timedelta(seconds=min_runtime))
    return replace(base, **more)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 s"), (2, "2 s"), (2.9, "2 s"), (59, "59 s"), (60, "1 min"), (90, "1 min 30 s"),
     (300, "5 min"), (3600, "1 h"), (5400, "1 h 30 min"), (45_000, "12 h 30 min"),
     (86_400 + 3 * 3600 + 5, "1 d 3 h")],
)
def test_durations_read_short(seconds: float, text: str) -> None:
    assert short_duration(seconds) == text


@pytest.mark.parametrize(
    ("ended", "status", "reason", "note"),
    [
        (2, Status.DOWN, IncidentReason.TOO_SHORT, "finished in 2 s, expected at least 5 min"),
        (299.999, Status.DOWN, IncidentReason.TOO_SHORT,
         "finished in 4 min 59 s, expected at least 5 min"),
        (300, Status.UP, None, None),
        (3000, Status.UP, None, None),
    ],
)
def test_a_run_shorter_than_its_minimum_fails_with_how_long_it_took(
    ended: float, status: Status, reason: IncidentReason | None, note: str | None
) -> None:
    outcome = apply_ping(running(), PingKind.SUCCESS, at(ended), None)
    assert (outcome.verdict.status, outcome.verdict.reason, outcome.note) == (status, reason, note)
    assert outcome.duration == ended
    assert outcome.resolves is (status is Status.UP)


def test_a_success_without_a_start_has_no_run_time_to_judge() -> None:
    up = replace(running(), status=Status.UP, started_at=None)
    outcome = apply_ping(up, PingKind.SUCCESS, at(2), None)
    assert (outcome.verdict.status, outcome.note) == (Status.UP, None)


def test_a_short_run_counts_towards_the_failure_threshold() -> None:
    outcome = apply_ping(running(failure_threshold=2), PingKind.SUCCESS, at(2), None)
    assert outcome.verdict == Verdict(Status.UP, at(2 + 3600), None, IncidentReason.TOO_SHORT)
    assert outcome.facts.failures == 1


def test_a_short_run_while_down_is_a_further_failure_not_a_recovery() -> None:
    outcome = apply_ping(running(status=Status.DOWN), PingKind.SUCCESS, at(2), None)
    assert outcome.verdict == Verdict(Status.DOWN, None, IncidentReason.TOO_SHORT)
    assert not outcome.resolves


def nightly(**more: object) -> Facts:
    # The last run at 02:30 Riga on 13 May (23:30 UTC on the 12th, UTC+3): the next is due at
    # 23:30 UTC on the 13th.
    base = Facts(schedule=NIGHTLY, grace=timedelta(seconds=600), max_runtime=None,
                 status=Status.UP, anchor_at=datetime(2026, 5, 12, 23, 30, tzinfo=UTC),
                 early_tolerance=timedelta(hours=1))
    return replace(base, **more)  # type: ignore[arg-type]


EARLY = "too early: 12 h 30 min before its scheduled time 2026-05-13 23:30 UTC"


@pytest.mark.parametrize(
    ("when", "note"),
    [
        (datetime(2026, 5, 13, 11, 0, tzinfo=UTC), EARLY),
        (datetime(2026, 5, 13, 22, 29, 59, tzinfo=UTC),
         "too early: 1 h 1 s before its scheduled time 2026-05-13 23:30 UTC"),
        (datetime(2026, 5, 13, 22, 30, tzinfo=UTC), None),  # exactly the tolerance: in time
        (datetime(2026, 5, 13, 23, 30, tzinfo=UTC), None),
    ],
)
def test_a_run_begun_long_before_its_time_is_flagged_but_counts_as_sent(
    when: datetime, note: str | None
) -> None:
    outcome = apply_ping(nightly(), PingKind.SUCCESS, when, None)
    assert outcome.note == note
    assert outcome.verdict.status is Status.UP and outcome.resolves


def test_with_early_fails_an_early_run_is_a_failure() -> None:
    outcome = apply_ping(nightly(early_fails=True), PingKind.SUCCESS,
                         datetime(2026, 5, 13, 11, 0, tzinfo=UTC), None)
    assert outcome.verdict == Verdict(Status.DOWN, None, IncidentReason.TOO_EARLY)
    assert outcome.note == EARLY


def test_an_early_start_is_flagged_and_its_run_fails_when_it_ends() -> None:
    start = apply_ping(nightly(early_fails=True), PingKind.START,
                       datetime(2026, 5, 13, 11, 0, tzinfo=UTC), "r1")
    assert (start.verdict.status, start.note, start.facts.started_early) == (
        Status.RUNNING, EARLY, True)
    end = apply_ping(start.facts, PingKind.SUCCESS, datetime(2026, 5, 13, 11, 5, tzinfo=UTC),
                     "r1")
    assert end.verdict == Verdict(Status.DOWN, None, IncidentReason.TOO_EARLY)
    assert end.note == "too early: the run started before its scheduled time"
    assert end.facts.started_early is False


def test_the_end_of_a_run_begun_on_time_is_never_early() -> None:
    start = apply_ping(nightly(early_fails=True), PingKind.START,
                       datetime(2026, 5, 13, 23, 30, tzinfo=UTC), None)
    end = apply_ping(start.facts, PingKind.SUCCESS, datetime(2026, 5, 13, 23, 45, tzinfo=UTC),
                     None)
    assert (end.verdict.status, end.note) == (Status.UP, None)


def test_a_retry_after_a_counted_failure_is_not_early() -> None:
    failing = nightly(early_fails=True, failure_threshold=3, failures=1)
    outcome = apply_ping(failing, PingKind.SUCCESS, datetime(2026, 5, 13, 0, 5, tzinfo=UTC), None)
    assert (outcome.verdict.status, outcome.note) == (Status.UP, None)


def test_without_a_tolerance_nothing_is_early() -> None:
    outcome = apply_ping(nightly(early_tolerance=None), PingKind.SUCCESS,
                         datetime(2026, 5, 13, 11, 0, tzinfo=UTC), None)
    assert outcome.note is None


def test_too_early_is_judged_in_the_schedules_time_zone_across_dst() -> None:
    # Last run 02:30 Riga on 28 March (00:30 UTC, UTC+2); the clocks go forward on the 29th
    # and the next run, 02:30 on the 29th, is still at 00:30 UTC.
    before_dst = nightly(anchor_at=datetime(2026, 3, 28, 0, 30, tzinfo=UTC))
    outcome = apply_ping(before_dst, PingKind.SUCCESS, datetime(2026, 3, 28, 23, 0, tzinfo=UTC),
                         None)
    assert outcome.note == "too early: 1 h 30 min before its scheduled time 2026-03-29 00:30 UTC"
