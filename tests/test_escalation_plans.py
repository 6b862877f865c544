"""The pure escalation planner, with exact instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cronbeat.enums import IncidentState
from cronbeat.escalation import (
    Plan,
    Policy,
    Position,
    Recipient,
    Step,
    Target,
    TargetKind,
    default_policy,
    first_position,
    plan,
    recipients,
    validate,
)

T0 = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
ONCALL = Target(TargetKind.ONCALL)
TEAM = Target(TargetKind.TEAM)
POLICY = Policy(
    steps=(Step(0, (ONCALL,)), Step(300, (TEAM,)), Step(600, (Target(TargetKind.CHANNEL, 9),))),
    repeat=1, repeat_delay=1800,
)


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_the_first_step_is_due_when_the_incident_opens():
    assert first_position(POLICY, T0) == Position(0, 0, T0)


@pytest.mark.parametrize(
    ("position", "now", "fired", "following"),
    [
        # Step 1 at once; step 2 waits 300 s after it.
        (Position(0, 0, at(0)), at(0), [(0, 0, 0)], Position(1, 0, at(300))),
        # One microsecond early: nothing fires.
        (Position(1, 0, at(300)), at(300) - timedelta(microseconds=1), [], Position(1, 0, at(300))),
        # Exactly on time: step 2 fires, step 3 waits 600 s more.
        (Position(1, 0, at(300)), at(300), [(1, 0, 300)], Position(2, 0, at(900))),
        # After the last step, the repeat starts 1800 s later with step 1 (wait 0).
        (Position(2, 0, at(900)), at(900), [(2, 0, 900)], Position(0, 1, at(2700))),
        # The last step of the last repeat: nothing more.
        (Position(2, 1, at(3600)), at(3600), [(2, 1, 3600)], None),
        # A worker that was away catches up in order, timed from when each was due.
        (Position(0, 0, at(0)), at(1000), [(0, 0, 0), (1, 0, 300), (2, 0, 900)],
         Position(0, 1, at(2700))),
    ],
)
def test_steps_fire_exactly_when_due(position, now, fired, following):
    result = plan(POLICY, position, IncidentState.OPEN, now)
    assert [(p.step, p.cycle, int((p.at - T0).total_seconds())) for p in result.fire] == fired
    assert result.next == following


@pytest.mark.parametrize("state", [IncidentState.ACKNOWLEDGED, IncidentState.RESOLVED])
def test_an_acknowledged_or_resolved_incident_does_not_escalate(state):
    assert plan(POLICY, Position(1, 0, at(300)), state, at(5000)) == Plan([], None)


def test_the_default_policy_pages_the_on_call_person_then_the_team():
    policy = default_policy(team_wait=600)
    assert policy.steps == (Step(0, (ONCALL,)), Step(600, (TEAM,)))
    assert Policy.from_json(policy.to_json()) == policy


def test_the_on_call_person_is_paged_when_there_is_one():
    found = recipients([ONCALL], {None: 7, 3: 7}, team=[5, 6, 7])
    assert found == [Recipient(TargetKind.USER, 7)]


def test_the_whole_team_is_paged_when_nobody_is_on_call():
    assert recipients([ONCALL], {}, team=[5, 6]) == [
        Recipient(TargetKind.USER, 5), Recipient(TargetKind.USER, 6)]
    assert recipients([Target(TargetKind.ONCALL, 3)], {3: None}, team=[5]) == [
        Recipient(TargetKind.USER, 5)]


def test_recipients_are_paged_once_even_when_named_twice():
    targets = [Target(TargetKind.USER, 6), TEAM, Target(TargetKind.CHANNEL, 2)]
    assert recipients(targets, {}, team=[5, 6]) == [
        Recipient(TargetKind.USER, 6), Recipient(TargetKind.USER, 5),
        Recipient(TargetKind.CHANNEL, 2)]


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        (Policy(steps=()), "a policy needs 1 to 20 steps"),
        (Policy(steps=(Step(-1, (TEAM,)),)), "step 1: wait must be 0 to 604800 seconds"),
        (Policy(steps=(Step(0, ()),)), "step 1: give 1 to 20 targets"),
        (Policy(steps=(Step(0, (Target(TargetKind.USER),)),)), "step 1: a user target needs `ref`"),
        (Policy(steps=(Step(0, (TEAM,)),), repeat=21), "repeat must be 0 to 20"),
        (Policy(steps=(Step(0, (TEAM,)),), repeat=2),
         "a repeating policy needs a repeat_delay or a wait, or it pages in a loop"),
    ],
)
def test_a_policy_that_cannot_work_is_refused(policy, message):
    with pytest.raises(ValueError, match=message):
        validate(policy)
