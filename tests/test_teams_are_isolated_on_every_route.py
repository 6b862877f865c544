"""Team isolation, over every route: with team A's API key or dashboard session, every REST
operation and dashboard page that names one of team B's things by id answers 404 (as if it did
not exist, so that existence does not leak), changes nothing in the database, and no list
shows any of team B's things. The routes are read from the app itself, so that a new route
is in the matrix as soon as it exists."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

from cronbeat.api.app import create_app
from cronbeat.clock import FixedClock
from cronbeat.config import Settings
from cronbeat.dashboard.routes import routes as dashboard_routes
from cronbeat.db.base import Base
from cronbeat.db.engine import Database
from cronbeat.db.oncall_models import OnCallSchedule
from cronbeat.enums import PingKind
from cronbeat.escalation import default_policy
from cronbeat.notifiers.base import ChannelKind
from cronbeat.services.maintenance import WindowSpec, create_window
from cronbeat.services.oncall_config import create_override
from cronbeat.services.people import add_contact_method, get_member, send_channel_test
from cronbeat.services.teams import create_api_key
from dashboard_helpers import admin_client
from helpers import (
    add_channel,
    add_member,
    add_schedule,
    make_heartbeat,
    other_team,
    ping,
    set_team_policy,
)

MARK = "zz-team-b"
# Reached without a key or session by design (the token in the path is the secret).
OPEN_PATHS = ("/api/v1/heartbeat/", "/ping/", "/password/")


async def _team_b(db: Database, clock: FixedClock) -> dict[str, int]:
    """One of each of team B's things, all named with MARK; their ids by path parameter."""
    now = clock.now()
    team = await other_team(db, now)
    policy = await set_team_policy(db, team, default_policy(), now)
    heartbeat = await make_heartbeat(db, team, now, name=f"{MARK} job")
    await ping(db, heartbeat.token, now, PingKind.FAIL, body=MARK.encode())
    member = await add_member(db, team, f"{MARK}member", now)
    schedule = await add_schedule(db, team, [member], now)
    channel = await add_channel(db, team, "webhook", "http://127.0.0.1:9/zz-team-b", now)
    async with db.write() as session:
        person = await get_member(session, team, member)
        method = await add_contact_method(session, person, ChannelKind.EMAIL,
                                          f"{MARK}@example.test", MARK, now)
        found = await session.get(OnCallSchedule, schedule)
        assert found is not None
        override = await create_override(session, found, member, now + timedelta(days=1),
                                         now + timedelta(days=2), now)
        _, key = await create_api_key(session, team, f"{MARK} key", now)
        from cronbeat.db.oncall_models import Channel

        channel_row = await session.get(Channel, channel)
        assert channel_row is not None
        notification = await send_channel_test(session, channel_row, now)
        window = await create_window(session, team, WindowSpec(
            name=f"{MARK} window", heartbeat_id=heartbeat.id, starts_at=now,
            ends_at=now + timedelta(hours=1)), now)
        incident_id = (await session.execute(
            text("SELECT id FROM incidents WHERE heartbeat_id = :h"), {"h": heartbeat.id}
        )).scalar_one()
    return {
        "heartbeat_id": heartbeat.id, "incident_id": incident_id, "member_id": member,
        "method_id": method.id, "channel_id": channel, "notification_id": notification.id,
        "schedule_id": schedule, "override_id": override.id, "policy_id": policy,
        "key_id": key.id, "window_id": window.id,
    }


async def _snapshot(db: Database) -> dict[str, list[Any]]:
    tables = {}
    async with db.read() as session:
        for table in Base.metadata.sorted_tables:
            rows = (await session.execute(select(table).order_by(*table.primary_key))).all()
            tables[table.name] = [tuple(row) for row in rows]
    return tables


def _fill(path: str, ids: dict[str, int]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[0]
        assert name in ids, f"no team-B id for {{{name}}} in {path}: add one to _team_b"
        return str(ids[name])

    return re.sub(r"\{([^}]+)\}", value, path)


def _api_operations() -> list[tuple[str, str]]:
    schema = create_app(Settings()).openapi()
    return [(method.upper(), path) for path, operations in schema["paths"].items()
            if "{" in path and not path.startswith(OPEN_PATHS) for method in operations]


def _page_operations() -> list[tuple[str, str]]:
    return [(method, route.path) for route in dashboard_routes
            if "{" in getattr(route, "path", "") and not route.path.startswith(OPEN_PATHS)
            for method in sorted(getattr(route, "methods", None) or ()) if method != "HEAD"]


def _api_body(method: str, path: str, ids: dict[str, int]) -> dict[str, Any] | None:
    if method not in ("POST", "PATCH"):
        return None
    if path.endswith("/contact-methods"):
        return {"kind": "email", "target": "a@example.test"}
    if path.endswith("/overrides"):
        return {"member_id": ids["member_id"], "starts_at": "2026-04-01T00:00:00Z",
                "ends_at": "2026-04-02T00:00:00Z"}
    return {}


@pytest.mark.parametrize(("method", "path"), _api_operations())
async def test_an_api_key_of_team_a_cannot_reach_team_bs_things(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, method: str, path: str,
) -> None:
    ids = await _team_b(db, clock)
    before = await _snapshot(db)
    answer = await app_client.request(method, _fill(path, ids),
                                      json=_api_body(method, path, ids))
    assert answer.status_code == 404, answer.text
    assert MARK not in answer.text
    assert await _snapshot(db) == before


@pytest.mark.parametrize(("method", "path"), _page_operations())
async def test_a_dashboard_session_of_team_a_cannot_reach_team_bs_things(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, method: str, path: str,
) -> None:
    ids = await _team_b(db, clock)
    csrf = await admin_client(app_client, db)
    before = await _snapshot(db)
    data = {"csrf_token": csrf} if method == "POST" else None
    answer = await app_client.request(method, _fill(path, ids), data=data)
    assert answer.status_code == 404, answer.text[:500]
    assert MARK not in answer.text
    assert await _snapshot(db) == before


async def test_no_list_shows_team_bs_things(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock
) -> None:
    await _team_b(db, clock)
    await admin_client(app_client, db)
    for path in ("/api/v1/heartbeats", "/api/v1/incidents", "/api/v1/members",
                 "/api/v1/maintenance-windows", "/maintenance",
                 "/api/v1/channels", "/api/v1/schedules", "/api/v1/policies",
                 "/api/v1/team/api-keys", "/api/v1/team", "/heartbeats", "/incidents",
                 "/incidents?state=resolved", "/oncall", "/policies", "/team"):
        answer = await app_client.get(path)
        assert answer.status_code == 200, path
        assert MARK not in answer.text, path


def test_the_matrix_covers_the_routes_that_name_things() -> None:
    assert len(_api_operations()) >= 30
    assert len(_page_operations()) >= 20
    _ = Settings, create_app  # the routes come from the real app
