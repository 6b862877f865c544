"""Escalation policies: the list, an editor of numbered step rows (a row left empty is no
step), making one the default, and deleting. Everyone sees them; admins change them."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response
from starlette.routing import Route

from cronbeat.dashboard.parts import path_id, refuse_unless_admin
from cronbeat.dashboard.web import Visit, page, redirect
from cronbeat.db.oncall_models import Policy
from cronbeat.errors import Conflict, Invalid
from cronbeat.escalation import MAX_STEPS, Step, Target, TargetKind
from cronbeat.services import oncall_config as service
from cronbeat.services.people import list_channels, list_members

EMPTY_ROWS = 3  # blank rows under the policy's steps, for adding steps


@page
async def list_policies(visit: Visit) -> Response:
    async with visit.context.db.read() as session:
        policies = await service.list_policies(session, visit.team_id)
        default = await service.default_policy_id(session, visit.team_id)
        labels = dict(await target_options(session, visit.team_id))
    return visit.render("policies.html", title="Policies", policies=[
        (policy, service.policy_spec_of(policy)) for policy in policies],
        default=default, labels=labels, value_of=value_of)


@page
async def new_policy(visit: Visit) -> Response:
    if visit.request.method == "GET":
        return await _editor(visit, None)
    if (refused := refuse_unless_admin(visit)) is not None:
        return refused
    try:
        async with visit.context.db.write() as session:
            policy = await service.create_policy(session, visit.team_id, _policy_spec(visit),
                                                 visit.now)
    except Invalid as exc:
        return await _editor(visit, None, status=422, errors=_errors(exc))
    return redirect("/policies", f"The policy {policy.name} is created.")


@page
async def edit_policy(visit: Visit) -> Response:
    policy_id = path_id(visit, "policy_id", "policy")
    if visit.request.method == "GET":
        async with visit.context.db.read() as session:
            policy = await service.get_policy(session, visit.team_id, policy_id)
        return await _editor(visit, policy)
    if (refused := refuse_unless_admin(visit)) is not None:
        return refused
    try:
        async with visit.context.db.write() as session:
            policy = await service.get_policy(session, visit.team_id, policy_id,
                                              for_update=True)
            await service.update_policy(session, policy, _policy_spec(visit))
    except Invalid as exc:
        async with visit.context.db.read() as session:
            policy = await service.get_policy(session, visit.team_id, policy_id)
        return await _editor(visit, policy, status=422, errors=_errors(exc))
    return redirect("/policies", f"The policy {policy.name} is saved. Incidents already "
                    "open keep escalating as they started.")


@page
async def make_default(visit: Visit) -> Response:
    if (refused := refuse_unless_admin(visit)) is not None:
        return refused
    policy_id = path_id(visit, "policy_id", "policy")
    async with visit.context.db.write() as session:
        policy = await service.set_default_policy(session, visit.team_id, policy_id)
    return redirect("/policies", f"{policy.name} is the default policy now.")


@page
async def delete_policy(visit: Visit) -> Response:
    if (refused := refuse_unless_admin(visit)) is not None:
        return refused
    policy_id = path_id(visit, "policy_id", "policy")
    try:
        async with visit.context.db.write() as session:
            policy = await service.get_policy(session, visit.team_id, policy_id,
                                              for_update=True)
            await service.delete_policy(session, policy)
    except Conflict as exc:
        return redirect("/policies", f"Not deleted: {exc.message}.", failed=True)
    return redirect("/policies", f"The policy {policy.name} is deleted.")


# The editor


async def _editor(visit: Visit, policy: Policy | None, *, status: int = 200,
                  errors: dict[str, str] | None = None) -> Response:
    async with visit.context.db.read() as session:
        options = await target_options(session, visit.team_id)
    if visit.request.method == "POST":
        values = {name: visit.field(name)
                  for name in ("name", "repeat", "repeat_delay", "realert_every")}
        rows = _step_rows(visit)
    elif policy is not None:
        spec = service.policy_spec_of(policy)
        values = {"name": spec.name, "repeat": str(spec.repeat),
                  "repeat_delay": _minutes(spec.repeat_delay),
                  "realert_every": _minutes(spec.realert_every)}
        rows = [(_minutes(step.wait), [value_of(t) for t in step.targets])
                for step in spec.steps]
    else:
        values = {"name": "", "repeat": "0", "repeat_delay": "0", "realert_every": "0"}
        rows = []
    rows += [("", [])] * min(EMPTY_ROWS, max(0, MAX_STEPS - len(rows)))
    return visit.render("policy.html", status=status,
                        title="Edit policy" if policy else "New policy", policy=policy,
                        values=values, rows=rows, options=options, errors=errors or {})


def _policy_spec(visit: Visit) -> service.PolicySpec:
    steps: list[Step] = []
    for wait, targets in _step_rows(visit):
        if not wait and not targets:
            continue  # an empty row: no step
        number = len(steps) + 1
        steps.append(Step(_seconds(wait, f"step {number}: wait"),
                          tuple(target_of(value, number) for value in targets)))
    return service.PolicySpec(
        name=visit.field("name"), steps=tuple(steps),
        repeat=_whole(visit.field("repeat") or "0", "repeat"),
        repeat_delay=_seconds(visit.field("repeat_delay") or "0", "repeat_delay"),
        realert_every=_seconds(visit.field("realert_every") or "0", "realert_every"))


def _step_rows(visit: Visit) -> list[tuple[str, list[str]]]:
    """The numbered rows `step_0_wait` / `step_0_targets`, ... in their order."""
    numbers = sorted({int(name.split("_")[1]) for name in visit.form
                      if name.startswith("step_") and name.count("_") == 2
                      and name.split("_")[1].isascii() and name.split("_")[1].isdigit()
                      and len(name) < 20})
    return [(visit.field(f"step_{n}_wait"),
             [v for v in visit.form.getlist(f"step_{n}_targets") if isinstance(v, str)])
            for n in numbers]


def value_of(target: Target) -> str:
    """A target as a form value: `team`, `oncall` (the first schedule), `user:3`, ..."""
    return target.kind.value if target.ref is None else f"{target.kind.value}:{target.ref}"


def target_of(value: str, step: int) -> Target:
    kind, _, ref = value.partition(":")
    if kind not in {k.value for k in TargetKind} or (
            ref and not (ref.isascii() and ref.isdigit() and len(ref) < 19)):
        raise Invalid("steps", f"step {step}: choose whom to notify from the list")
    return Target(TargetKind(kind), int(ref) if ref else None)


async def target_options(session: AsyncSession, team_id: int) -> list[tuple[str, str]]:
    """Every target a step can name, as (form value, label)."""
    options = [("oncall", "Whoever is on call (first schedule)"), ("team", "The whole team")]
    options += [(f"oncall:{s.id}", f"On call: {s.name}")
                for s in await service.list_schedules(session, team_id)]
    options += [(f"user:{m.id}", m.name) for m in await list_members(session, team_id)]
    options += [(f"channel:{c.id}", f"Channel: {c.name}")
                for c in await list_channels(session, team_id)]
    return options


def _errors(exc: Invalid) -> dict[str, str]:
    """Step problems are shown above the steps, whichever step they name."""
    field = "steps" if exc.field.startswith("steps") else exc.field
    return {field: exc.message}


def _minutes(seconds: int) -> str:
    return f"{seconds / 60:g}"


def _seconds(minutes: str, field: str) -> int:
    """Minutes as typed (`5`, `0.5`), in whole seconds."""
    try:
        value = float(minutes)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 10**7 or len(minutes) > 12:
        raise Invalid("steps" if field.startswith("step") else field,
                      f"{field} must be a number of minutes, such as 5")
    return round(value * 60)


def _whole(text: str, field: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) < 6):
        raise Invalid(field, "must be a whole number, such as 2")
    return int(text)


routes = [
    Route("/policies", list_policies),
    Route("/policies/new", new_policy, methods=["GET", "POST"]),
    Route("/policies/{policy_id:int}", edit_policy, methods=["GET", "POST"]),
    Route("/policies/{policy_id:int}/default", make_default, methods=["POST"]),
    Route("/policies/{policy_id:int}/delete", delete_policy, methods=["POST"]),
]
