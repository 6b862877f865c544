"""The status engine: what state a heartbeat is in at `now`, and when to look again.

Pure: given the facts stored on a heartbeat and an instant, it answers; it reads no clock and
touches no database. The ping writer and the worker both call it, so that the rules live once.
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


@dataclass(frozen=True)
class Verdict:
    status: Status
    # When the worker must look at this heartbeat again; None while nothing can happen by itself.
    deadline: datetime | None
    # Set when this verdict takes the heartbeat down: why.
    reason: IncidentReason | None = None


@dataclass(frozen=True)
class PingOutcome:
    facts: Facts
    verdict: Verdict
    # Seconds since the start this ping closes, if it closes one.
    duration: float | None
    # The ping reports success: an open incident resolves.
    resolves: bool


def evaluate(facts: Facts, now: datetime) -> Verdict:
    if facts.status in (Status.PAUSED, Status.DOWN) or facts.anchor_at is None:
        return Verdict(facts.status, None)
    due = facts.schedule.next_due(facts.anchor_at)
    down_at = due + facts.grace
    if facts.started_at is not None:
        timeout_at = None if facts.max_runtime is None else facts.started_at + facts.max_runtime
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


def apply_ping(facts: Facts, kind: PingKind, at: datetime, rid: str | None) -> PingOutcome:
    """The heartbeat's facts and verdict after a ping of `kind` arrives at `at`.

    A paused heartbeat, and any `log` ping, change nothing. A start opens a run; a success or
    failure closes the run it belongs to (same `rid`, or the open run when no rid is given).
    """
    if facts.status is Status.PAUSED or kind is PingKind.LOG:
        return PingOutcome(facts, evaluate(facts, at), None, False)
    if kind is PingKind.START:
        started = replace(facts, anchor_at=at, started_at=at, started_rid=rid)
        if facts.status is Status.DOWN:
            return PingOutcome(started, Verdict(Status.DOWN, None), None, False)
        running = replace(started, status=Status.RUNNING)
        return PingOutcome(running, evaluate(running, at), None, False)

    closes_run = facts.started_at is not None and (rid is None or rid == facts.started_rid)
    duration = (at - facts.started_at).total_seconds() if closes_run and facts.started_at else None
    ended = replace(
        facts,
        anchor_at=at,
        started_at=None if closes_run else facts.started_at,
        started_rid=None if closes_run else facts.started_rid,
    )
    if kind is PingKind.FAIL:
        down = replace(ended, status=Status.DOWN)
        return PingOutcome(down, Verdict(Status.DOWN, None, IncidentReason.FAILED), duration, False)
    up = replace(ended, status=Status.RUNNING if ended.started_at else Status.UP)
    verdict = evaluate(up, at)
    # The end of an older run while the latest one is over its limit does not resolve anything.
    return PingOutcome(up, verdict, duration, verdict.status is not Status.DOWN)
