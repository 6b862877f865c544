"""The policy editor sets how often an open, unacknowledged incident alerts again, shows it,
and keeps it when the policy is edited for something else."""

from __future__ import annotations

import re

import httpx

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from cronbeat.db.oncall_models import Policy as PolicyRow
from cronbeat.escalation import Step, Target, TargetKind
from cronbeat.services import oncall_config
from dashboard_helpers import admin_client, text_of


async def spec_of(db: Database, policy_id: int) -> oncall_config.PolicySpec:
    async with db.read() as session:
        row = await session.get(PolicyRow, policy_id)
    assert row is not None
    return oncall_config.policy_spec_of(row)


async def test_a_policy_is_created_with_a_realert_interval_and_shows_it_in_words(
    app_client: httpx.AsyncClient, db: Database, team_id: int
) -> None:
    csrf = await admin_client(app_client, db)
    assert 'name="realert_every"' in (await app_client.get("/policies/new")).text
    made = await app_client.post("/policies/new", data={
        "csrf_token": csrf, "name": "nagging", "repeat": "0", "repeat_delay": "0",
        "realert_every": "30", "step_0_wait": "0", "step_0_targets": "team"})
    assert made.status_code == 303, made.text
    page = text_of((await app_client.get("/policies")).text)
    assert "everyone paged so far is alerted again every 30 min" in page
    policy_id = int(re.findall(r'href="/policies/(\d+)">nagging<',
                               (await app_client.get("/policies")).text)[0])
    assert (await spec_of(db, policy_id)).realert_every == 1800


async def test_editing_a_policy_keeps_its_realert_interval(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
) -> None:
    async with db.write() as session:
        policy_id = (await oncall_config.create_policy(session, team_id, oncall_config.PolicySpec(
            name="nagging", steps=(Step(0, (Target(TargetKind.TEAM),)),), realert_every=900),
            clock.now())).id
    csrf = await admin_client(app_client, db)
    form = (await app_client.get(f"/policies/{policy_id}")).text
    assert re.search(r'name="realert_every"[^>]*value="15"', form)
    answer = await app_client.post(f"/policies/{policy_id}", data={
        "csrf_token": csrf, "name": "renamed", "repeat": "0", "repeat_delay": "0",
        "realert_every": "15", "step_0_wait": "0", "step_0_targets": "team"})
    assert answer.status_code == 303, answer.text
    spec = await spec_of(db, policy_id)
    assert (spec.name, spec.realert_every) == ("renamed", 900)


async def test_a_realert_interval_under_a_minute_is_refused_beside_the_field(
    app_client: httpx.AsyncClient, db: Database, team_id: int
) -> None:
    csrf = await admin_client(app_client, db)
    answer = await app_client.post("/policies/new", data={
        "csrf_token": csrf, "name": "too <b>eager</b>", "repeat": "0", "repeat_delay": "0",
        "realert_every": "0.5", "step_0_wait": "0", "step_0_targets": "team"})
    assert answer.status_code == 422
    assert 'id="realert_every-error"' in answer.text and "realert_every must be" in answer.text
    assert 'value="0.5"' in answer.text and "<b>eager</b>" not in answer.text
