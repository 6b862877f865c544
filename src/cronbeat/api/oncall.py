"""REST routes for on-call schedules, their overrides, and escalation policies."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import AwareDatetime

from cronbeat.api.auth import Ctx, Reader, Writer
from cronbeat.api.errors import READ, WRITE, responses
from cronbeat.api.oncall_schemas import (
    HandoffOut,
    OnCallOut,
    OverrideCreate,
    OverrideId,
    OverrideOut,
    PolicyCreate,
    PolicyId,
    PolicyOut,
    PolicyUpdate,
    ScheduleCreate,
    ScheduleId,
    ScheduleOut,
    ScheduleUpdate,
    StepIn,
    StepOut,
    TargetOut,
)
from cronbeat.api.people import render_member
from cronbeat.db.oncall_models import OnCallSchedule, Override, Policy
from cronbeat.escalation import Step, Target
from cronbeat.services import oncall_config as service

router = APIRouter(prefix="/api/v1")
SCHEDULES: list[str | Enum] = ["schedules"]
POLICIES: list[str | Enum] = ["policies"]
HANDOFFS_SHOWN = 5
At = Annotated[AwareDatetime | None, Query(
    description="An instant with its offset, e.g. 2026-03-02T12:00:00Z; default: now")]


# Schedules


@router.get("/schedules", tags=SCHEDULES, responses=responses(*READ))
async def list_schedules(who: Reader, ctx: Ctx) -> list[ScheduleOut]:
    async with ctx.db.read() as session:
        schedules = await service.list_schedules(session, who.team_id)
    return [render_schedule(s) for s in schedules]


@router.post("/schedules", status_code=201, tags=SCHEDULES, responses=responses(*WRITE))
async def create_schedule(body: ScheduleCreate, who: Writer, ctx: Ctx) -> ScheduleOut:
    now = ctx.clock.now()
    spec = service.ScheduleSpec(
        name=body.name, timezone=body.timezone, handoff=body.handoff, shift=body.shift,
        start_date=body.start_date, member_ids=tuple(body.member_ids),
    )
    async with ctx.db.write() as session:
        schedule = await service.create_schedule(session, who.team_id, spec, now)
    return render_schedule(schedule)


@router.get("/schedules/{schedule_id}", tags=SCHEDULES, responses=responses(*READ, 404))
async def get_schedule(schedule_id: ScheduleId, who: Reader, ctx: Ctx) -> ScheduleOut:
    async with ctx.db.read() as session:
        return render_schedule(await service.get_schedule(session, who.team_id, schedule_id))


@router.patch("/schedules/{schedule_id}", tags=SCHEDULES, responses=responses(*WRITE, 404))
async def update_schedule(
    schedule_id: ScheduleId, body: ScheduleUpdate, who: Writer, ctx: Ctx
) -> ScheduleOut:
    changes = body.model_dump(exclude_unset=True)
    if changes.get("member_ids") is not None:
        changes["member_ids"] = tuple(changes["member_ids"])
    async with ctx.db.write() as session:
        schedule = await service.get_schedule(session, who.team_id, schedule_id,
                                              for_update=True)
        spec = service.with_changes(service.schedule_spec_of(schedule), changes)
        await service.update_schedule(session, schedule, spec, ctx.clock.now())
    return render_schedule(schedule)


@router.delete("/schedules/{schedule_id}", status_code=204, tags=SCHEDULES,
               responses=responses(*WRITE, 404, 409))
async def delete_schedule(schedule_id: ScheduleId, who: Writer, ctx: Ctx) -> Response:
    async with ctx.db.write() as session:
        schedule = await service.get_schedule(session, who.team_id, schedule_id,
                                              for_update=True)
        await service.delete_schedule(session, schedule)
    return Response(status_code=204)


@router.get("/schedules/{schedule_id}/oncall", tags=SCHEDULES, responses=responses(*READ, 404))
async def who_is_on_call(
    schedule_id: ScheduleId, who: Reader, ctx: Ctx, at: At = None
) -> OnCallOut:
    """Who is on call at `at` (overrides included), and the next hand-offs after it."""
    instant = at or ctx.clock.now()
    async with ctx.db.read() as session:
        member = await service.who_is_on_call(session, who.team_id, schedule_id, instant)
        shifts = await service.next_handoffs(session, who.team_id, schedule_id, instant,
                                             HANDOFFS_SHOWN)
    return OnCallOut(
        schedule_id=schedule_id, at=instant,
        user=None if member is None else render_member(member),
        next_handoffs=[HandoffOut(at=s.at, user=None if s.member is None
                                  else render_member(s.member)) for s in shifts],
    )


# Overrides


@router.get("/schedules/{schedule_id}/overrides", tags=SCHEDULES,
            responses=responses(*READ, 404))
async def list_overrides(schedule_id: ScheduleId, who: Reader, ctx: Ctx) -> list[OverrideOut]:
    """Oldest first; where two overlap, the later one wins."""
    async with ctx.db.read() as session:
        schedule = await service.get_schedule(session, who.team_id, schedule_id)
        overrides = await service.list_overrides(session, schedule)
    return [render_override(o) for o in overrides]


@router.post("/schedules/{schedule_id}/overrides", status_code=201, tags=SCHEDULES,
             responses=responses(*WRITE, 404))
async def create_override(
    schedule_id: ScheduleId, body: OverrideCreate, who: Writer, ctx: Ctx
) -> OverrideOut:
    async with ctx.db.write() as session:
        schedule = await service.get_schedule(session, who.team_id, schedule_id)
        override = await service.create_override(session, schedule, body.member_id,
                                                  body.starts_at, body.ends_at,
                                                  ctx.clock.now())
    return render_override(override)


@router.delete("/schedules/{schedule_id}/overrides/{override_id}", status_code=204,
               tags=SCHEDULES, responses=responses(*WRITE, 404))
async def delete_override(
    schedule_id: ScheduleId, override_id: OverrideId, who: Writer, ctx: Ctx
) -> Response:
    async with ctx.db.write() as session:
        schedule = await service.get_schedule(session, who.team_id, schedule_id)
        override = await service.get_override(session, schedule, override_id)
        await service.delete_override(session, override)
    return Response(status_code=204)


# Policies


@router.get("/policies", tags=POLICIES, responses=responses(*READ))
async def list_policies(who: Reader, ctx: Ctx) -> list[PolicyOut]:
    async with ctx.db.read() as session:
        policies = await service.list_policies(session, who.team_id)
        default = await service.default_policy_id(session, who.team_id)
    return [render_policy(p, default) for p in policies]


@router.post("/policies", status_code=201, tags=POLICIES, responses=responses(*WRITE))
async def create_policy(body: PolicyCreate, who: Writer, ctx: Ctx) -> PolicyOut:
    spec = service.PolicySpec(name=body.name, steps=parse_steps(body.steps),
                              repeat=body.repeat, repeat_delay=body.repeat_delay,
                              realert_every=body.realert_every)
    async with ctx.db.write() as session:
        policy = await service.create_policy(session, who.team_id, spec, ctx.clock.now())
        default = await service.default_policy_id(session, who.team_id)
    return render_policy(policy, default)


@router.get("/policies/{policy_id}", tags=POLICIES, responses=responses(*READ, 404))
async def get_policy(policy_id: PolicyId, who: Reader, ctx: Ctx) -> PolicyOut:
    async with ctx.db.read() as session:
        policy = await service.get_policy(session, who.team_id, policy_id)
        default = await service.default_policy_id(session, who.team_id)
    return render_policy(policy, default)


@router.patch("/policies/{policy_id}", tags=POLICIES, responses=responses(*WRITE, 404))
async def update_policy(
    policy_id: PolicyId, body: PolicyUpdate, who: Writer, ctx: Ctx
) -> PolicyOut:
    """Incidents already open keep escalating by the policy as it was when they opened."""
    changes = body.model_dump(exclude_unset=True, exclude={"steps"})
    if body.steps is not None:
        changes["steps"] = parse_steps(body.steps)
    async with ctx.db.write() as session:
        policy = await service.get_policy(session, who.team_id, policy_id, for_update=True)
        spec = service.with_changes(service.policy_spec_of(policy), changes)
        await service.update_policy(session, policy, spec)
        default = await service.default_policy_id(session, who.team_id)
    return render_policy(policy, default)


@router.delete("/policies/{policy_id}", status_code=204, tags=POLICIES,
               responses=responses(*WRITE, 404, 409))
async def delete_policy(policy_id: PolicyId, who: Writer, ctx: Ctx) -> Response:
    """Heartbeats that named this policy fall back to the team's default."""
    async with ctx.db.write() as session:
        policy = await service.get_policy(session, who.team_id, policy_id, for_update=True)
        await service.delete_policy(session, policy)
    return Response(status_code=204)


@router.post("/policies/{policy_id}/make-default", tags=POLICIES,
             responses=responses(*WRITE, 404))
async def make_default_policy(policy_id: PolicyId, who: Writer, ctx: Ctx) -> PolicyOut:
    """Use this policy for every heartbeat that names none."""
    async with ctx.db.write() as session:
        policy = await service.set_default_policy(session, who.team_id, policy_id)
    return render_policy(policy, policy.id)


def parse_steps(steps: list[StepIn]) -> tuple[Step, ...]:
    return tuple(Step(step.wait, tuple(Target(t.kind, t.ref) for t in step.targets))
                 for step in steps)


def render_schedule(schedule: OnCallSchedule) -> ScheduleOut:
    return ScheduleOut(id=schedule.id, name=schedule.name, timezone=schedule.timezone,
                       handoff=schedule.handoff, shift=schedule.shift_seconds,
                       start_date=schedule.start_date, member_ids=list(schedule.member_ids),
                       created_at=schedule.created_at)


def render_override(override: Override) -> OverrideOut:
    return OverrideOut(id=override.id, schedule_id=override.schedule_id,
                       member_id=override.user_id, starts_at=override.starts_at,
                       ends_at=override.ends_at, created_at=override.created_at)


def render_policy(policy: Policy, default_id: int | None) -> PolicyOut:
    spec = service.policy_spec_of(policy)
    return PolicyOut(
        id=policy.id, name=policy.name, repeat=policy.repeat, repeat_delay=policy.repeat_delay,
        realert_every=policy.realert_every,
        steps=[StepOut(wait=step.wait,
                       targets=[TargetOut(kind=t.kind, ref=t.ref) for t in step.targets])
               for step in spec.steps],
        is_default=policy.id == default_id, created_at=policy.created_at,
    )
