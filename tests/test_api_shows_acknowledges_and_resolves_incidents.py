"""Incidents through the API: opened by a missed ping, a failure or a run that took too long;
listed newest first by state; shown with their timeline; acknowledged; resolved by hand or by
the next success."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from cronbeat.services.sweep import process_due

HEARTBEATS = "/api/v1/heartbeats"
INCIDENTS = "/api/v1/incidents"
ME = "API key 'tests'"


async def create(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    made = await client.post(HEARTBEATS, json={"name": "backup", "period": 60, "grace": 30,
                                               **fields})
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


async def send(client: httpx.AsyncClient, heartbeat: dict[str, Any], action: str = "",
               body: bytes = b"") -> None:
    url = f"/api/v1/heartbeat/{heartbeat['token']}" + (f"/{action}" if action else "")
    answer = await client.post(url, content=body)
    assert answer.status_code == 200, answer.text


async def sweep(db: Database, clock: FixedClock) -> int:
    async with db.write() as session:
        return await process_due(session, clock.now())


async def miss(client: httpx.AsyncClient, db: Database, clock: FixedClock,
               heartbeat: dict[str, Any]) -> dict[str, Any]:
    """Ping once, then stay silent past period and grace: the worker opens an incident."""
    await send(client, heartbeat)
    clock.advance(heartbeat["period"] + heartbeat["grace"])
    await sweep(db, clock)
    shown = (await client.get(f"{HEARTBEATS}/{heartbeat['id']}")).json()
    assert shown["status"] == "down"
    return await incident(client, shown["incident"]["id"])


async def incident(client: httpx.AsyncClient, incident_id: int) -> dict[str, Any]:
    answer = await client.get(f"{INCIDENTS}/{incident_id}")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def listed(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    answer = await client.get(INCIDENTS, params=params)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def act(client: httpx.AsyncClient, incident_id: int, verb: str) -> dict[str, Any]:
    answer = await client.post(f"{INCIDENTS}/{incident_id}/{verb}")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


# What happens to the incident itself; the timeline also records notifications sent about it,
# which other tests cover.
LIFECYCLE = {"opened", "failed_again", "acknowledged", "resolved"}


def events(shown: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [(e["kind"], e["at"], e["actor"], e["detail"]) for e in shown["timeline"]
            if e["kind"] in LIFECYCLE]


async def test_a_missed_heartbeat_opens_one_incident(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock
):
    made = await create(app_client)
    await send(app_client, made)
    clock.advance(89)
    await sweep(db, clock)
    assert (await listed(app_client))["items"] == []
    clock.advance(1)
    await sweep(db, clock)
    clock.advance(600)
    await sweep(db, clock)

    page = await listed(app_client)

    assert page["next_cursor"] is None
    [opened] = page["items"]
    assert opened == {
        "id": opened["id"], "heartbeat_id": made["id"], "state": "open", "reason": "missed",
        "exit_code": None, "output": "", "detail": "", "suppressed_by": None,
        "suppressed": False, "opened_at": "2026-03-02T12:01:30Z",
        "acknowledged_at": None, "acknowledged_by": None, "resolved_at": None,
        "resolved_by": None, "timeline": None, "notifications": None,
    }


async def test_a_failure_with_output_opens_an_incident_that_keeps_the_output(
    app_client: httpx.AsyncClient, clock: FixedClock
):
    made = await create(app_client)
    await send(app_client, made)
    clock.advance(10)

    await send(app_client, made, "fail", body=b"pg_dump: connection refused\n")

    [opened] = (await listed(app_client))["items"]
    assert (opened["reason"], opened["exit_code"], opened["output"], opened["opened_at"]) == (
        "failed", None, "pg_dump: connection refused\n", "2026-03-02T12:00:10Z"
    )
    shown = await incident(app_client, opened["id"])
    assert events(shown) == [("opened", "2026-03-02T12:00:10Z", "cronbeat",
                              "the job reported a failure")]


async def test_an_exit_code_opens_an_incident_with_that_code(app_client: httpx.AsyncClient):
    made = await create(app_client)

    await send(app_client, made, "3", body=b"rsync: some files vanished")

    [opened] = (await listed(app_client))["items"]
    assert (opened["reason"], opened["exit_code"], opened["output"]) == (
        "failed", 3, "rsync: some files vanished"
    )
    assert events(await incident(app_client, opened["id"]))[0][3] == (
        "the job reported a failure (exit code 3)"
    )
    heartbeat = (await app_client.get(f"{HEARTBEATS}/{made['id']}")).json()
    assert heartbeat["status"] == "down"
    assert heartbeat["incident"]["id"] == opened["id"]


async def test_a_further_failure_goes_on_the_open_incidents_timeline(
    app_client: httpx.AsyncClient, clock: FixedClock
):
    made = await create(app_client)
    await send(app_client, made, "fail")
    clock.advance(60)

    await send(app_client, made, "2")

    [opened] = (await listed(app_client))["items"]
    assert events(await incident(app_client, opened["id"])) == [
        ("opened", "2026-03-02T12:00:00Z", "cronbeat", "the job reported a failure"),
        ("failed_again", "2026-03-02T12:01:00Z", "cronbeat", "failed again with exit code 2"),
    ]


async def test_a_run_longer_than_its_maximum_opens_a_timed_out_incident(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock
):
    made = await create(app_client, period=3600, max_runtime=120)
    await send(app_client, made, "start")
    clock.advance(120)

    await sweep(db, clock)

    [opened] = (await listed(app_client))["items"]
    assert (opened["reason"], opened["opened_at"]) == ("timed_out", "2026-03-02T12:02:00Z")


async def test_it_shows_the_timeline_of_acknowledgement_and_resolution_in_order(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock
):
    made = await create(app_client)
    opened = await miss(app_client, db, clock, made)
    clock.advance(120)
    await act(app_client, opened["id"], "acknowledge")
    clock.advance(300)
    await act(app_client, opened["id"], "resolve")

    shown = await incident(app_client, opened["id"])

    assert events(shown) == [
        ("opened", "2026-03-02T12:01:30Z", "cronbeat", "no ping arrived in time"),
        ("acknowledged", "2026-03-02T12:03:30Z", ME, ""),
        ("resolved", "2026-03-02T12:08:30Z", ME, "resolved by hand"),
    ]
    ids = [e["id"] for e in shown["timeline"]]
    assert ids == sorted(ids)
    assert (shown["acknowledged_at"], shown["acknowledged_by"]) == ("2026-03-02T12:03:30Z", ME)
    assert (shown["resolved_at"], shown["resolved_by"]) == ("2026-03-02T12:08:30Z", ME)


async def test_acknowledging_marks_who_and_when(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock
):
    opened = await miss(app_client, db, clock, await create(app_client))
    clock.advance(45)

    acknowledged = await act(app_client, opened["id"], "acknowledge")

    assert acknowledged["state"] == "acknowledged"
    assert acknowledged["acknowledged_at"] == "2026-03-02T12:02:15Z"
    assert acknowledged["acknowledged_by"] == ME
    assert acknowledged["resolved_at"] is None
    assert [e[0] for e in events(acknowledged)] == ["opened", "acknowledged"]
    assert await incident(app_client, opened["id"]) == acknowledged


async def test_acknowledging_twice_is_harmless(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock
):
    opened = await miss(app_client, db, clock, await create(app_client))
    first = await act(app_client, opened["id"], "acknowledge")
    clock.advance(60)

    second = await act(app_client, opened["id"], "acknowledge")

    assert second == first
    assert [e[0] for e in events(second)] == ["opened", "acknowledged"]


async def test_acknowledging_does_not_bring_the_heartbeat_up(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock
):
    made = await create(app_client)
    opened = await miss(app_client, db, clock, made)

    await act(app_client, opened["id"], "acknowledge")

    shown = (await app_client.get(f"{HEARTBEATS}/{made['id']}")).json()
    assert shown["status"] == "down"
    assert shown["incident"]["state"] == "acknowledged"


async def test_resolving_by_hand_gives_the_heartbeat_a_fresh_period(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock
):
    made = await create(app_client)
    opened = await miss(app_client, db, clock, made)
    clock.advance(600)

    resolved = await act(app_client, opened["id"], "resolve")

    assert resolved["state"] == "resolved"
    assert (resolved["resolved_at"], resolved["resolved_by"]) == ("2026-03-02T12:11:30Z", ME)
    shown = (await app_client.get(f"{HEARTBEATS}/{made['id']}")).json()
    assert shown["status"] == "up"
    assert shown["incident"] is None
    assert shown["next_due_at"] == "2026-03-02T12:12:30Z"


async def test_a_heartbeat_resolved_by_hand_that_stays_silent_opens_a_new_incident(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock
):
    made = await create(app_client)
    first = await miss(app_client, db, clock, made)
    await act(app_client, first["id"], "resolve")
    clock.advance(89)
    await sweep(db, clock)
    assert len((await listed(app_client))["items"]) == 1

    clock.advance(1)
    await sweep(db, clock)

    items = (await listed(app_client))["items"]
    assert [(i["state"], i["opened_at"]) for i in items] == [
        ("open", "2026-03-02T12:03:00Z"), ("resolved", "2026-03-02T12:01:30Z"),
    ]
    assert items[0]["id"] != first["id"]
    shown = (await app_client.get(f"{HEARTBEATS}/{made['id']}")).json()
    assert shown["incident"]["id"] == items[0]["id"]


async def test_resolving_a_resolved_incident_answers_409(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock
):
    opened = await miss(app_client, db, clock, await create(app_client))
    resolved = await act(app_client, opened["id"], "resolve")
    clock.advance(60)

    again = await app_client.post(f"{INCIDENTS}/{opened['id']}/resolve")

    assert again.status_code == 409
    assert again.json() == {"error": {
        "code": "conflict", "message": f"incident {opened['id']} is already resolved",
        "fields": [],
    }}
    assert await incident(app_client, opened["id"]) == resolved


async def test_acknowledging_a_resolved_incident_answers_409(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock
):
    opened = await miss(app_client, db, clock, await create(app_client))
    resolved = await act(app_client, opened["id"], "resolve")

    late = await app_client.post(f"{INCIDENTS}/{opened['id']}/acknowledge")

    assert late.status_code == 409
    assert late.json()["error"]["code"] == "conflict"
    assert await incident(app_client, opened["id"]) == resolved


async def test_a_success_ping_resolves_the_incident_by_itself(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock
):
    made = await create(app_client)
    opened = await miss(app_client, db, clock, made)
    await act(app_client, opened["id"], "acknowledge")
    clock.advance(30)

    await send(app_client, made)

    shown = await incident(app_client, opened["id"])
    assert shown["state"] == "resolved"
    assert (shown["resolved_at"], shown["resolved_by"]) == ("2026-03-02T12:02:00Z", "cronbeat")
    assert events(shown)[-1] == ("resolved", "2026-03-02T12:02:00Z", "cronbeat",
                                 "a successful ping arrived")
    heartbeat = (await app_client.get(f"{HEARTBEATS}/{made['id']}")).json()
    assert (heartbeat["status"], heartbeat["incident"]) == ("up", None)


async def test_an_exit_code_of_zero_also_resolves(app_client: httpx.AsyncClient):
    made = await create(app_client)
    await send(app_client, made, "1")

    await send(app_client, made, "0")

    [only] = (await listed(app_client))["items"]
    assert (only["state"], only["resolved_by"]) == ("resolved", "cronbeat")


async def make_three_states(client: httpx.AsyncClient) -> dict[str, int]:
    """Three heartbeats failed in turn: one incident stays open, one is acknowledged and one
    is resolved."""
    ids: dict[str, int] = {}
    for state in ("resolved", "acknowledged", "open"):
        made = await create(client, name=state)
        await send(client, made, "fail")
        ids[state] = (await client.get(f"{HEARTBEATS}/{made['id']}")).json()["incident"]["id"]
    await act(client, ids["acknowledged"], "acknowledge")
    await act(client, ids["resolved"], "resolve")
    return ids


@pytest.mark.parametrize("state", ["open", "acknowledged", "resolved"])
async def test_it_filters_incidents_by_state(app_client: httpx.AsyncClient, state: str):
    ids = await make_three_states(app_client)

    page = await listed(app_client, state=state)

    assert [(i["id"], i["state"]) for i in page["items"]] == [(ids[state], state)]
    assert page["next_cursor"] is None


async def test_without_a_filter_it_lists_every_incident_newest_first(
    app_client: httpx.AsyncClient,
):
    ids = await make_three_states(app_client)

    page = await listed(app_client)

    assert [i["id"] for i in page["items"]] == [ids["open"], ids["acknowledged"],
                                                ids["resolved"]]
    assert all(i["timeline"] is None for i in page["items"])


async def test_it_filters_incidents_by_heartbeat(app_client: httpx.AsyncClient):
    first = await create(app_client, name="first")
    second = await create(app_client, name="second")
    await send(app_client, first, "fail")
    await send(app_client, second, "fail")
    await send(app_client, first)
    await send(app_client, first, "fail")

    page = await listed(app_client, heartbeat_id=first["id"])

    assert [i["heartbeat_id"] for i in page["items"]] == [first["id"], first["id"]]
    assert [i["state"] for i in page["items"]] == ["open", "resolved"]


async def test_walking_every_page_of_incidents_sees_each_once_newest_first(
    app_client: httpx.AsyncClient, clock: FixedClock
):
    made = await create(app_client)
    for _ in range(5):
        await send(app_client, made, "fail")
        clock.advance(1)
        await send(app_client, made)
        clock.advance(1)
    every = [i["id"] for i in (await listed(app_client))["items"]]
    assert len(every) == 5

    seen: list[int] = []
    cursors: list[int | None] = []
    params: dict[str, Any] = {"limit": 2}
    while True:
        page = await listed(app_client, **params)
        seen += [i["id"] for i in page["items"]]
        cursors.append(page["next_cursor"])
        if page["next_cursor"] is None:
            break
        params["before"] = page["next_cursor"]

    assert seen == every
    assert seen == sorted(seen, reverse=True)
    assert cursors == [every[1], every[3], None]


async def test_pages_of_incidents_filtered_by_state_stay_filtered(
    app_client: httpx.AsyncClient,
):
    heartbeats = [await create(app_client, name=f"job {n}") for n in range(4)]
    for made in heartbeats:
        await send(app_client, made, "fail")
    await send(app_client, heartbeats[1])

    first = await listed(app_client, state="open", limit=2)
    second = await listed(app_client, state="open", limit=2, before=first["next_cursor"])

    heartbeat_ids = [i["heartbeat_id"] for i in first["items"] + second["items"]]
    assert heartbeat_ids == [heartbeats[3]["id"], heartbeats[2]["id"], heartbeats[0]["id"]]
    assert second["next_cursor"] is None


@pytest.mark.parametrize("verb", ["", "/acknowledge", "/resolve"])
async def test_an_incident_that_does_not_exist_answers_404(
    app_client: httpx.AsyncClient, verb: str
):
    path = f"{INCIDENTS}/5150{verb}"
    answer = await (app_client.post(path) if verb else app_client.get(path))

    assert answer.status_code == 404
    assert answer.json() == {"error": {"code": "not_found", "message": "no incident with id 5150",
                                       "fields": []}}


@pytest.mark.parametrize(
    ("params", "field"),
    [({"state": "closed"}, "state"), ({"limit": 0}, "limit"), ({"limit": 501}, "limit"),
     ({"before": "x"}, "before"), ({"heartbeat_id": "x"}, "heartbeat_id")],
    ids=["unknown-state", "limit-0", "limit-501", "cursor-not-a-number", "heartbeat-not-a-number"],
)
async def test_bad_incident_list_parameters_answer_422(
    app_client: httpx.AsyncClient, params: dict[str, Any], field: str
):
    answer = await app_client.get(INCIDENTS, params=params)

    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "validation_failed"
    assert [f["field"] for f in answer.json()["error"]["fields"]] == [field]
