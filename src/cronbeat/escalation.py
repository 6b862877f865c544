"""Escalation: what a policy does next. Pure: given the policy as copied onto an incident, the
incident's state, where the escalation stands and `now`, it says which steps fire and when the
next one is due.

A step's `wait` counts from the moment the previous step fired (for the first step, from the
moment the incident opened). After the last step, the policy starts over `repeat` more times,
`repeat_delay` seconds after the last step fired.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from cronbeat.enums import IncidentState

MAX_STEPS = 20
MAX_TARGETS = 20
MAX_WAIT = 7 * 24 * 3600
MAX_REPEAT = 20
MIN_REALERT = 60


def next_realert(policy: Policy, previous: datetime, now: datetime) -> datetime | None:
    """The re-alert after the one due at `previous`: `realert_every` later, skipping any that
    a stopped worker missed (one re-alert on catching up, not a burst)."""
    if not policy.realert_every:
        return None
    every = timedelta(seconds=policy.realert_every)
    following = previous + every
    if following <= now:
        following += every * ((now - following) // every + 1)
    return following


class TargetKind(StrEnum):
    ONCALL = "oncall"  # whoever is on call on a schedule (`ref`; None: the team's first schedule)
    USER = "user"  # a named member (`ref` is the user id)
    TEAM = "team"  # every member of the team
    CHANNEL = "channel"  # a team channel (`ref` is the channel id)


@dataclass(frozen=True)
class Target:
    kind: TargetKind
    ref: int | None = None


@dataclass(frozen=True)
class Step:
    wait: int
    targets: tuple[Target, ...]


@dataclass(frozen=True)
class Policy:
    steps: tuple[Step, ...]
    repeat: int = 0
    repeat_delay: int = 0
    # Seconds between re-alerts to everyone paged so far, while the incident stays open and
    # unacknowledged; 0: none. Runs beside the steps and their repeats.
    realert_every: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "steps": [
                {"wait": step.wait,
                 "targets": [{"kind": t.kind.value, "ref": t.ref} for t in step.targets]}
                for step in self.steps
            ],
            "repeat": self.repeat,
            "repeat_delay": self.repeat_delay,
            "realert_every": self.realert_every,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Policy:
        return cls(
            steps=tuple(
                Step(int(step["wait"]), tuple(
                    Target(TargetKind(t["kind"]), t.get("ref")) for t in step["targets"]
                ))
                for step in data["steps"]
            ),
            repeat=int(data.get("repeat", 0)),
            repeat_delay=int(data.get("repeat_delay", 0)),
            realert_every=int(data.get("realert_every") or 0),
        )


def default_policy(team_wait: int = 300) -> Policy:
    """What the product brief describes: the person on call at once, then the whole team if
    nobody acknowledged within `team_wait` seconds."""
    return Policy(steps=(
        Step(0, (Target(TargetKind.ONCALL),)),
        Step(team_wait, (Target(TargetKind.TEAM),)),
    ))


@dataclass(frozen=True)
class Position:
    """The next step to fire: its index, the repeat cycle, and when."""

    step: int
    cycle: int
    at: datetime


@dataclass(frozen=True)
class Plan:
    fire: list[Position]  # steps due now, in order
    next: Position | None  # the step after them, if any


def first_position(policy: Policy, opened_at: datetime) -> Position | None:
    if not policy.steps:
        return None
    return Position(0, 0, opened_at + timedelta(seconds=policy.steps[0].wait))


def following(policy: Policy, fired: Position) -> Position | None:
    """The step after `fired`, timed from the moment `fired` was due."""
    if fired.step + 1 < len(policy.steps):
        wait = policy.steps[fired.step + 1].wait
        return Position(fired.step + 1, fired.cycle, fired.at + timedelta(seconds=wait))
    if fired.cycle < policy.repeat:
        wait = policy.repeat_delay + policy.steps[0].wait
        return Position(0, fired.cycle + 1, fired.at + timedelta(seconds=wait))
    return None


def plan(policy: Policy, position: Position | None, state: IncidentState, now: datetime) -> Plan:
    """Every step due by `now` (a late worker catches up in order), and the one after them.
    Only an open incident escalates: acknowledging or resolving stops it."""
    if state is not IncidentState.OPEN:
        return Plan([], None)
    due: list[Position] = []
    while position is not None and position.at <= now:
        due.append(position)
        position = following(policy, position)
    return Plan(due, position)


@dataclass(frozen=True)
class Recipient:
    kind: TargetKind  # USER or CHANNEL
    id: int


def recipients(
    targets: Sequence[Target],
    on_call: Mapping[int | None, int | None],
    team: Sequence[int],
) -> list[Recipient]:
    """Who a step pages. `on_call` maps a schedule id (None: the team's first schedule) to the
    user on call now; when nobody is, the whole team is paged instead of nobody."""
    found: list[Recipient] = []
    for target in targets:
        if target.kind is TargetKind.CHANNEL and target.ref is not None:
            found.append(Recipient(TargetKind.CHANNEL, target.ref))
        elif target.kind is TargetKind.USER and target.ref is not None:
            found.append(Recipient(TargetKind.USER, target.ref))
        elif target.kind is TargetKind.ONCALL and on_call.get(target.ref) is not None:
            found.append(Recipient(TargetKind.USER, on_call[target.ref]))  # type: ignore[arg-type]
        else:  # the whole team, or an on-call target with nobody on call
            found.extend(Recipient(TargetKind.USER, user_id) for user_id in team)
    return list(dict.fromkeys(found))


def validate(policy: Policy) -> None:
    """Raise ValueError naming the problem."""
    if not 1 <= len(policy.steps) <= MAX_STEPS:
        raise ValueError(f"a policy needs 1 to {MAX_STEPS} steps")
    for number, step in enumerate(policy.steps, start=1):
        if not 0 <= step.wait <= MAX_WAIT:
            raise ValueError(f"step {number}: wait must be 0 to {MAX_WAIT} seconds")
        if not 1 <= len(step.targets) <= MAX_TARGETS:
            raise ValueError(f"step {number}: give 1 to {MAX_TARGETS} targets")
        for target in step.targets:
            needs_ref = target.kind in (TargetKind.USER, TargetKind.CHANNEL)
            if needs_ref and target.ref is None:
                raise ValueError(f"step {number}: a {target.kind.value} target needs `ref`")
    if not 0 <= policy.repeat <= MAX_REPEAT:
        raise ValueError(f"repeat must be 0 to {MAX_REPEAT}")
    if not 0 <= policy.repeat_delay <= MAX_WAIT:
        raise ValueError(f"repeat_delay must be 0 to {MAX_WAIT} seconds")
    if policy.realert_every and not MIN_REALERT <= policy.realert_every <= MAX_WAIT:
        raise ValueError(f"realert_every must be 0 (never) or {MIN_REALERT} to {MAX_WAIT} "
                         "seconds")
    if policy.repeat and policy.repeat_delay + sum(s.wait for s in policy.steps) == 0:
        raise ValueError("a repeating policy needs a repeat_delay or a wait, or it pages in a loop")
