"""The status engine: what state a heartbeat is in at `now`, and when to look again.

Pure: given the facts stored on a heartbeat and an instant, it answers; it reads no clock and
touches no database. The ping writer and the worker both call it, so that the rules live once.

Thresholds: a failure (a failure ping, a missed deadline or a run over its maximum) takes the
heartbeat down only when it is the `failure_threshold`-th in a row; before that it is counted
(`failures`) and the heartbeat waits for its next run. While down, a success resolves only
when it is the `recovery_threshold`-th in a row (`successes`). Both thresholds default to 1,
which is the plain "first failure pages, first success resolves".
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from cronbeat.enums import IncidentReason, PingKind, Status
from cronbeat.schedules import Schedule


@dataclass(frozen=True)
class Facts:
    """What the engine needs to know about one heartbeat."""

    schedule: Schedule
    grace: timedelta
    max_runtime: timedelta | None
    status: Status
    # Where the current period starts: the last start, success or failure ping (or a manual
    # resolve); None until the first ping.
    anchor_at: datetime | None = None
    # The start of the run in progress, if one is.
    started_at: datetime | None = None
    started_rid: str | None = None
    failure_threshold: int = 1
    recovery_threshold: int = 1
    # Consecutive failures counted while not down; consecutive successes counted while down.
    failures: int = 0
    successes: int = 0
    # Run-time bounds: a run shorter than `min_runtime` fails; a run that begins more than
    # `early_tolerance` before its scheduled time is flagged, and fails if `early_fails`.
    min_runtime: timedelta | None = None
    early_tolerance: timedelta | None = None
    early_fails: bool = False
    started_early: bool = False  # the run in progress began too early
    # cronbeat itself was down when a ping was due (it could not have heard it): the heartbeat
    # is not taken down before this instant. Cleared by the next start, success or failure.
    hold_until: datetime | None = None


@dataclass(frozen=True)
class Verdict:
    status: Status
    # When the worker must look at this heartbeat again; None while nothing can happen by itself.
    deadline: datetime | None
    # Set when this verdict takes the heartbeat down: why.
    reason: IncidentReason | None = None
    # Set when a failure was counted towards the failure threshold without taking it down.
    counted: IncidentReason | None = None


@dataclass(frozen=True)
class PingOutcome:
    facts: Facts
    verdict: Verdict
    # Seconds since the start this ping closes, if it closes one.
    duration: float | None
    # The ping reports success: an open incident resolves.
    resolves: bool
    # Why the ping counted as it did beyond its kind: "finished in 2 s, expected at least
    # 5 min", "too early: ...". Stored with the ping, and on an incident it opens.
    note: str | None = None


def evaluate(facts: Facts, now: datetime) -> Verdict:
    if facts.status in (Status.PAUSED, Status.DOWN) or facts.anchor_at is None:
        return Verdict(facts.status, None)
    due = facts.schedule.next_due(facts.anchor_at)
    down_at = _held(due + facts.grace, facts.hold_until)
    if facts.started_at is not None:
        timeout_at = None if facts.max_runtime is None else _held(
            facts.started_at + facts.max_runtime, facts.hold_until)
        if timeout_at is not None and now >= timeout_at:
            return Verdict(Status.DOWN, None, IncidentReason.TIMED_OUT)
        if now >= down_at:
            return Verdict(Status.DOWN, None, IncidentReason.MISSED)
        return Verdict(Status.RUNNING, down_at if timeout_at is None else min(timeout_at, down_at))
    if now >= down_at:
        return Verdict(Status.DOWN, None, IncidentReason.MISSED)
    if now >= due:
        return Verdict(Status.LATE, down_at)
    return Verdict(Status.UP, due)


def _held(at: datetime, hold_until: datetime | None) -> datetime:
    return at if hold_until is None or at >= hold_until else hold_until


def advance(facts: Facts, now: datetime) -> tuple[Facts, Verdict]:
    """`evaluate`, with the failure threshold applied: a miss or timeout below the threshold is
    counted and the heartbeat waits for its next run (a missed one from the due time it missed,
    so that a period keeps its rhythm; a timed-out one from `now`). Several periods missed at
    once (the worker was stopped) count one each, up to the threshold."""
    verdict = evaluate(facts, now)
    counted: IncidentReason | None = None
    while verdict.reason is not None and facts.failures + 1 < facts.failure_threshold:
        assert facts.anchor_at is not None
        counted = verdict.reason
        anchor = now
        if verdict.reason is IncidentReason.MISSED:
            anchor = facts.schedule.next_due(facts.anchor_at)
        facts = replace(facts, status=Status.UP, anchor_at=anchor, started_at=None,
                        started_rid=None, started_early=False, failures=facts.failures + 1,
                        successes=0, hold_until=None)
        verdict = evaluate(facts, now)
    if verdict.reason is not None:
        facts = replace(facts, failures=0, successes=0)  # counted again after the recovery
    elif counted is not None:
        verdict = replace(verdict, counted=counted)
    return facts, verdict


def streak_text(facts: Facts) -> str | None:
    """"failing 2 of 3" while failures are counted below the threshold, "recovering 1 of 2"
    while down and successes are counted below theirs; None otherwise."""
    if facts.status is Status.DOWN:
        if facts.recovery_threshold > 1 and facts.successes > 0:
            return f"recovering {facts.successes} of {facts.recovery_threshold}"
        return None
    if facts.failure_threshold > 1 and facts.failures > 0 and facts.status is not Status.PAUSED:
        return f"failing {facts.failures} of {facts.failure_threshold}"
    return None


def apply_ping(facts: Facts, kind: PingKind, at: datetime, rid: str | None) -> PingOutcome:
    """The heartbeat's facts and verdict after a ping of `kind` arrives at `at`.

    A paused heartbeat, and any `log` ping, change nothing. A start opens a run; a success or
    failure closes the run it belongs to (same `rid`, or the open run when no rid is given).
    A success counts as a failure when its run was shorter than `min_runtime`, or, with
    `early_fails`, when the run began too early (see `too_early`).
    """
    if facts.status is Status.PAUSED or kind is PingKind.LOG:
        return PingOutcome(facts, evaluate(facts, at), None, False)
    if kind is PingKind.START:
        early = too_early(facts, at) if facts.status in (Status.UP, Status.RUNNING) else None
        started = replace(facts, anchor_at=at, started_at=at, started_rid=rid,
                          started_early=early is not None, hold_until=None)
        if facts.status is Status.DOWN:
            return PingOutcome(started, Verdict(Status.DOWN, None), None, False, early)
        running = replace(started, status=Status.RUNNING)
        return PingOutcome(running, evaluate(running, at), None, False, early)

    closes_run = facts.started_at is not None and (rid is None or rid == facts.started_rid)
    duration = (at - facts.started_at).total_seconds() if closes_run and facts.started_at else None
    if closes_run:
        early = "too early: the run started before its scheduled time" \
            if facts.started_early else None
    else:
        early = too_early(facts, at) if facts.status is Status.UP else None
    ended = replace(
        facts,
        anchor_at=at,
        started_at=None if closes_run else facts.started_at,
        started_rid=None if closes_run else facts.started_rid,
        started_early=False if closes_run else facts.started_early,
        hold_until=None,
    )
    if kind is PingKind.FAIL:
        return _failure(ended, at, duration, IncidentReason.FAILED, early)
    short = too_short(facts, duration)
    if short is not None:
        return _failure(ended, at, duration, IncidentReason.TOO_SHORT, _join(short, early))
    if early is not None and facts.early_fails:
        return _failure(ended, at, duration, IncidentReason.TOO_EARLY, early)
    if facts.status is Status.DOWN and facts.successes + 1 < facts.recovery_threshold:
        # Not enough successes in a row yet: still down, the incident stays open.
        recovering = replace(ended, successes=facts.successes + 1)
        return PingOutcome(recovering, Verdict(Status.DOWN, None), duration, False, early)
    up = replace(ended, status=Status.RUNNING if ended.started_at else Status.UP, failures=0,
                 successes=0)
    up, verdict = advance(up, at)
    # The end of an older run while the latest one is over its limit does not resolve anything.
    return PingOutcome(up, verdict, duration, verdict.status is not Status.DOWN, early)


def too_short(facts: Facts, duration: float | None) -> str | None:
    """"finished in 2 s, expected at least 5 min" for a run shorter than `min_runtime`."""
    if facts.min_runtime is None or duration is None:
        return None
    minimum = facts.min_runtime.total_seconds()
    if duration >= minimum:
        return None
    return f"finished in {short_duration(duration)}, expected at least {short_duration(minimum)}"


def too_early(facts: Facts, at: datetime) -> str | None:
    """The flag of a run that begins at `at`, more than `early_tolerance` before the time it is
    expected (the next scheduled time after the last run). Not judged while failures are being
    counted: a retry after a failure is not early."""
    if facts.early_tolerance is None or facts.anchor_at is None or facts.failures:
        return None
    due = facts.schedule.next_due(facts.anchor_at)
    ahead = (due - at).total_seconds()
    if ahead <= facts.early_tolerance.total_seconds():
        return None
    return (f"too early: {short_duration(ahead)} before its scheduled time "
            f"{due:%Y-%m-%d %H:%M} UTC")


def short_duration(seconds: float) -> str:
    """2 s, 5 min, 1 h 30 min, 2 d 3 h: the two largest units, rounded down."""
    left = int(seconds)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60), ("s", 1)):
        count, left = divmod(left, size)
        if count:
            parts.append(f"{count} {unit}")
    return " ".join(parts[:2]) or "0 s"


def _join(*notes: str | None) -> str | None:
    return "; ".join(note for note in notes if note) or None


def _failure(
    ended: Facts, at: datetime, duration: float | None, reason: IncidentReason, note: str | None
) -> PingOutcome:
    failures = ended.failures + 1
    if ended.status is Status.DOWN or failures >= ended.failure_threshold:
        down = replace(ended, status=Status.DOWN, failures=0, successes=0)
        return PingOutcome(down, Verdict(Status.DOWN, None, reason), duration, False, note)
    counted = replace(ended, status=Status.RUNNING if ended.started_at else Status.UP,
                      failures=failures, successes=0)
    counted, verdict = advance(counted, at)
    if verdict.reason is None:
        verdict = replace(verdict, counted=reason)
    return PingOutcome(counted, verdict, duration, False, note)
