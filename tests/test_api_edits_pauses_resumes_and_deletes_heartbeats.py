"""One heartbeat through the API: show it, edit it (a refused edit changes nothing), pause it
(pings are kept, nothing alerts, an open incident closes), resume it (a fresh period from now),
and delete it with everything it recorded."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from cronbeat.db.models import Flip, Heartbeat, Incident, IncidentEvent, Ping
from cronbeat.db.outbox_models import Notification
from cronbeat.services.sweep import process_due

HEARTBEATS = "/api/v1/heartbeats"


async def create(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    made = await client.post(HEARTBEATS, json={"name": "backup", "period": 60, **fields})
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


async def show(client: httpx.AsyncClient, heartbeat_id: int) -> dict[str, Any]:
    shown = await client.get(f"{HEARTBEATS}/{heartbeat_id}")
    assert shown.status_code == 200, shown.text
    body: dict[str, Any] = shown.json()
    return body


async def ping(client: httpx.AsyncClient, heartbeat: dict[str, Any], action: str = "") -> None:
    suffix = f"/{action}" if action else ""
    answer = await client.get(f"/api/v1/heartbeat/{heartbeat['token']}{suffix}")
    assert answer.status_code == 200, answer.text


async def sweep(db: Database, clock: FixedClock) -> int:
    async with db.write() as session:
        return await process_due(session, clock.now())


async def edit(client: httpx.AsyncClient, heartbeat_id: int, **changes: Any) -> dict[str, Any]:
    edited = await client.patch(f"{HEARTBEATS}/{heartbeat_id}", json=changes)
    assert edited.status_code == 200, edited.text
    body: dict[str, Any] = edited.json()
    return body


async def post(client: httpx.AsyncClient, path: str) -> dict[str, Any]:
    answer = await client.post(path)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def incidents(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (await client.get("/api/v1/incidents")).json()["items"]
    return items


async def test_it_shows_one_heartbeat_as_it_was_created(app_client: httpx.AsyncClient):
    made = await create(app_client, tags=["db"], description="pg_dump of the main database")

    assert await show(app_client, made["id"]) == made


async def test_it_answers_404_for_a_heartbeat_that_does_not_exist(app_client: httpx.AsyncClient):
    answer = await app_client.get(f"{HEARTBEATS}/987654")

    assert answer.status_code == 404
    assert answer.json() == {"error": {"code": "not_found",
                                       "message": "no heartbeat with id 987654", "fields": []}}


async def test_it_answers_422_for_an_id_that_is_not_a_number(app_client: httpx.AsyncClient):
    answer = await app_client.get(f"{HEARTBEATS}/backup")

    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "validation_failed"
    assert [f["field"] for f in answer.json()["error"]["fields"]] == ["heartbeat_id"]


async def test_renaming_changes_the_name_and_nothing_else(
    app_client: httpx.AsyncClient, clock: FixedClock
):
    made = await create(app_client, grace=120, max_runtime=900, tags=["db"])
    clock.advance(30)

    edited = await edit(app_client, made["id"], name="  database backup  ")

    assert edited == {**made, "name": "database backup", "updated_at": "2026-03-02T12:00:30Z"}
    assert await show(app_client, made["id"]) == edited


async def test_a_renamed_heartbeat_is_found_by_its_new_name_only(
    app_client: httpx.AsyncClient,
):
    made = await create(app_client, name="old name")

    await edit(app_client, made["id"], name="Straße Nightly")

    found = {q: [hb["name"] for hb in (await app_client.get(HEARTBEATS, params={"q": q})).json()[
        "items"]] for q in ("old", "STRASSE", "nightly")}
    assert found == {"old": [], "STRASSE": ["Straße Nightly"], "nightly": ["Straße Nightly"]}


async def test_edited_tags_replace_the_old_ones_in_the_tag_filter(
    app_client: httpx.AsyncClient,
):
    made = await create(app_client, tags=["old", "kept"])

    await edit(app_client, made["id"], tags=["kept", "new"])

    found = {tag: len((await app_client.get(HEARTBEATS, params={"tag": tag})).json()["items"])
             for tag in ("old", "kept", "new")}
    assert found == {"old": 0, "kept": 1, "new": 1}


async def test_renaming_to_a_200_character_name_that_grows_when_case_folded_works(
    app_client: httpx.AsyncClient, db: Database, request: pytest.FixtureRequest
):
    made = await create(app_client)
    name = "a" * 199 + "ß"

    renamed = await app_client.patch(f"{HEARTBEATS}/{made['id']}", json={"name": name})

    assert renamed.status_code == 200, renamed.text
    assert (await show(app_client, made["id"]))["name"] == name


async def test_it_edits_grace_tags_and_description(app_client: httpx.AsyncClient):
    made = await create(app_client, tags=["old"])

    edited = await edit(app_client, made["id"], grace=45, tags=["new", "prod"],
                        description="now with a description")

    assert (edited["grace"], edited["tags"], edited["description"]) == (
        45, ["new", "prod"], "now with a description"
    )
    assert (edited["period"], edited["name"], edited["token"]) == (60, "backup", made["token"])


async def test_it_switches_from_a_period_to_a_cron_schedule_and_back(
    app_client: httpx.AsyncClient,
):
    made = await create(app_client, period=3600)
    await ping(app_client, made)

    to_cron = await edit(app_client, made["id"], schedule="0 3 * * *", timezone="Europe/Riga")

    assert (to_cron["period"], to_cron["schedule"], to_cron["timezone"]) == (
        None, "0 3 * * *", "Europe/Riga"
    )
    assert to_cron["schedule_text"] == "At 03:00 every day (Europe/Riga)"
    # The period still starts at the last ping (12:00 UTC); 03:00 in Riga is 01:00 UTC.
    assert to_cron["next_due_at"] == "2026-03-03T01:00:00Z"
    assert to_cron["status"] == "up"

    to_period = await edit(app_client, made["id"], period=7200)

    assert (to_period["period"], to_period["schedule"]) == (7200, None)
    assert to_period["schedule_text"] == "every 2 hours"
    assert to_period["next_due_at"] == "2026-03-02T14:00:00Z"
    assert to_period["status"] == "up"


async def test_a_cron_schedule_keeps_its_time_zone_when_only_the_expression_changes(
    app_client: httpx.AsyncClient,
):
    made = await create(app_client, period=None, schedule="0 3 * * *", timezone="Asia/Tokyo")

    edited = await edit(app_client, made["id"], schedule="@hourly")

    assert (edited["schedule"], edited["timezone"], edited["period"]) == (
        "@hourly", "Asia/Tokyo", None
    )


async def test_shortening_the_period_of_a_silent_heartbeat_takes_it_down_at_once(
    app_client: httpx.AsyncClient, clock: FixedClock
):
    made = await create(app_client, period=3600, grace=60)
    await ping(app_client, made)
    clock.advance(1800)

    edited = await edit(app_client, made["id"], period=600)

    assert edited["status"] == "down"
    assert edited["incident"] is not None
    assert edited["incident"]["reason"] == "missed"
    assert edited["incident"]["opened_at"] == "2026-03-02T12:30:00Z"


async def test_null_clears_max_runtime(app_client: httpx.AsyncClient):
    made = await create(app_client, max_runtime=900)

    cleared = await edit(app_client, made["id"], max_runtime=None)

    assert cleared["max_runtime"] is None
    assert (await show(app_client, made["id"]))["max_runtime"] is None
    assert (await edit(app_client, made["id"], max_runtime=120))["max_runtime"] == 120


async def test_an_empty_edit_changes_nothing_but_the_update_time(
    app_client: httpx.AsyncClient, clock: FixedClock
):
    made = await create(app_client, max_runtime=900)
    clock.advance(5)

    edited = await edit(app_client, made["id"])

    assert edited == {**made, "updated_at": "2026-03-02T12:00:05Z"}


REFUSED_EDITS = [
    pytest.param({"period": 0}, "period", id="period-zero"),
    pytest.param({"period": 366 * 86400 + 1}, "period", id="period-too-long"),
    pytest.param({"schedule": "61 * * * *"}, "schedule", id="bad-cron"),
    pytest.param({"schedule": "* * 31 2 *"}, "schedule", id="impossible-cron"),
    pytest.param({"schedule": "@reboot"}, "schedule", id="reboot"),
    pytest.param({"schedule": "@daily", "timezone": "Mars/Base"}, "timezone", id="time-zone"),
    pytest.param({"grace": -1}, "grace", id="negative-grace"),
    pytest.param({"max_runtime": 0}, "max_runtime", id="max-runtime-zero"),
    pytest.param({"name": ""}, "name", id="empty-name"),
    pytest.param({"perod": 120}, "perod", id="unknown-field"),
    pytest.param({"tags": "prod"}, "tags", id="tags-not-a-list"),
]


@pytest.mark.parametrize(("changes", "field"), REFUSED_EDITS)
async def test_a_refused_edit_answers_422_and_changes_nothing(
    app_client: httpx.AsyncClient, clock: FixedClock, changes: dict[str, Any], field: str
):
    made = await create(app_client, max_runtime=900, tags=["db"])
    await ping(app_client, made)
    before = await show(app_client, made["id"])
    clock.advance(10)

    refused = await app_client.patch(f"{HEARTBEATS}/{made['id']}", json=changes)

    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "validation_failed"
    assert [f["field"] for f in error["fields"]] == [field]
    assert await show(app_client, made["id"]) == before
    flips = (await app_client.get(f"{HEARTBEATS}/{made['id']}/flips")).json()
    assert [f["new_status"] for f in flips] == ["up"]


async def test_a_non_json_edit_answers_422_and_changes_nothing(app_client: httpx.AsyncClient):
    made = await create(app_client)

    refused = await app_client.patch(f"{HEARTBEATS}/{made['id']}", content=b"name=x",
                                     headers={"content-type": "application/json"})

    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "validation_failed"
    assert await show(app_client, made["id"]) == made


async def test_editing_a_heartbeat_that_does_not_exist_answers_404(
    app_client: httpx.AsyncClient,
):
    answer = await app_client.patch(f"{HEARTBEATS}/4242", json={"name": "x"})

    assert answer.status_code == 404
    assert answer.json()["error"] == {"code": "not_found", "message": "no heartbeat with id 4242",
                                      "fields": []}


async def test_an_edit_with_both_a_period_and_a_schedule_is_refused(
    app_client: httpx.AsyncClient,
):
    made = await create(app_client, period=60)

    refused = await app_client.patch(f"{HEARTBEATS}/{made['id']}",
                                     json={"period": 120, "schedule": "@daily"})

    assert refused.status_code == 422
    assert [f["field"] for f in refused.json()["error"]["fields"]] == ["period"]
    assert await show(app_client, made["id"]) == made


async def test_an_unknown_time_zone_is_refused_on_a_period_heartbeat_too(
    app_client: httpx.AsyncClient,
):
    made = await create(app_client, period=60)

    refused = await app_client.patch(f"{HEARTBEATS}/{made['id']}", json={"timezone": "Mars/Base"})

    assert refused.status_code == 422
    assert [f["field"] for f in refused.json()["error"]["fields"]] == ["timezone"]
    assert await show(app_client, made["id"]) == made


async def test_pausing_stops_monitoring(app_client: httpx.AsyncClient, clock: FixedClock):
    made = await create(app_client)
    await ping(app_client, made)
    clock.advance(20)

    paused = await post(app_client, f"{HEARTBEATS}/{made['id']}/pause")

    assert paused["status"] == "paused"
    assert paused["next_due_at"] is None
    assert paused["updated_at"] == "2026-03-02T12:00:20Z"
    flips = (await app_client.get(f"{HEARTBEATS}/{made['id']}/flips")).json()
    assert [(f["old_status"], f["new_status"], f["reason"]) for f in flips] == [
        ("up", "paused", "paused"), ("pending", "up", "success ping"),
    ]


async def test_a_paused_heartbeat_records_pings_but_stays_paused_and_silent(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock
):
    made = await create(app_client)
    await ping(app_client, made)
    await post(app_client, f"{HEARTBEATS}/{made['id']}/pause")
    clock.advance(100)

    await ping(app_client, made, "fail")
    await ping(app_client, made)
    clock.advance(86400)
    await sweep(db, clock)

    shown = await show(app_client, made["id"])
    assert shown["status"] == "paused"
    assert shown["last_ping_at"] == "2026-03-02T12:01:40Z"
    assert shown["incident"] is None
    pings = (await app_client.get(f"{HEARTBEATS}/{made['id']}/pings")).json()
    assert [p["kind"] for p in pings] == ["success", "fail", "success"]
    assert await incidents(app_client) == []


async def test_pausing_resolves_an_open_incident(
    app_client: httpx.AsyncClient, clock: FixedClock
):
    made = await create(app_client)
    await ping(app_client, made, "fail")
    [incident] = await incidents(app_client)
    clock.advance(60)

    paused = await post(app_client, f"{HEARTBEATS}/{made['id']}/pause")

    assert paused["status"] == "paused"
    assert paused["incident"] is None
    shown = (await app_client.get(f"/api/v1/incidents/{incident['id']}")).json()
    assert shown["state"] == "resolved"
    assert shown["resolved_at"] == "2026-03-02T12:01:00Z"
    assert shown["resolved_by"] == "API key 'tests'"
    assert [(e["at"], e["actor"], e["detail"]) for e in shown["timeline"]
            if e["kind"] == "resolved"] == [
        ("2026-03-02T12:01:00Z", "API key 'tests'", "the heartbeat was paused")
    ]


async def test_pausing_twice_is_harmless(app_client: httpx.AsyncClient, clock: FixedClock):
    made = await create(app_client)
    await ping(app_client, made)
    first = await post(app_client, f"{HEARTBEATS}/{made['id']}/pause")
    clock.advance(5)

    second = await post(app_client, f"{HEARTBEATS}/{made['id']}/pause")

    assert second == first
    flips = (await app_client.get(f"{HEARTBEATS}/{made['id']}/flips")).json()
    assert [f["new_status"] for f in flips] == ["paused", "up"]


async def test_resuming_starts_a_fresh_period_from_now(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock
):
    made = await create(app_client, period=60, grace=300)
    await ping(app_client, made)
    await post(app_client, f"{HEARTBEATS}/{made['id']}/pause")
    clock.advance(3600)

    resumed = await post(app_client, f"{HEARTBEATS}/{made['id']}/resume")

    assert resumed["status"] == "up"
    assert resumed["next_due_at"] == "2026-03-02T13:01:00Z"
    assert resumed["last_ping_at"] == "2026-03-02T12:00:00Z"
    assert resumed["incident"] is None
    clock.advance(359)
    await sweep(db, clock)
    assert (await show(app_client, made["id"]))["status"] == "late"
    clock.advance(1)
    await sweep(db, clock)
    down = await show(app_client, made["id"])
    assert down["status"] == "down"
    assert down["incident"]["reason"] == "missed"
    assert down["incident"]["opened_at"] == "2026-03-02T13:06:00Z"


async def test_resuming_a_heartbeat_that_never_pinged_makes_it_pending_again(
    app_client: httpx.AsyncClient, clock: FixedClock
):
    made = await create(app_client)
    await post(app_client, f"{HEARTBEATS}/{made['id']}/pause")
    clock.advance(600)

    resumed = await post(app_client, f"{HEARTBEATS}/{made['id']}/resume")

    assert (resumed["status"], resumed["next_due_at"]) == ("pending", None)


async def test_resuming_a_heartbeat_that_is_not_paused_changes_nothing(
    app_client: httpx.AsyncClient, clock: FixedClock
):
    made = await create(app_client)
    await ping(app_client, made)
    before = await show(app_client, made["id"])
    clock.advance(30)

    resumed = await post(app_client, f"{HEARTBEATS}/{made['id']}/resume")

    assert resumed == before


@pytest.mark.parametrize("action", ["pause", "resume"])
async def test_pausing_or_resuming_a_missing_heartbeat_answers_404(
    app_client: httpx.AsyncClient, action: str
):
    answer = await app_client.post(f"{HEARTBEATS}/777/{action}")

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"


async def count(db: Database, model: Any, **where: int) -> int:
    query = select(func.count()).select_from(model)
    for column, value in where.items():
        query = query.where(getattr(model, column) == value)
    async with db.read() as session:
        return int(await session.scalar(query) or 0)


async def test_deleting_removes_the_heartbeat_with_its_pings_flips_and_incidents(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock
):
    doomed = await create(app_client, name="doomed")
    kept = await create(app_client, name="kept")
    for heartbeat in (doomed, kept):
        await ping(app_client, heartbeat)
        await ping(app_client, heartbeat, "fail")
    doomed_incident = (await app_client.get(
        "/api/v1/incidents", params={"heartbeat_id": doomed["id"]})).json()["items"][0]
    await app_client.post(f"/api/v1/incidents/{doomed_incident['id']}/acknowledge")
    kept_incident = (await app_client.get(
        "/api/v1/incidents", params={"heartbeat_id": kept["id"]})).json()["items"][0]
    kept_notifications = await count(db, Notification, incident_id=kept_incident["id"])
    assert await count(db, Notification, incident_id=doomed_incident["id"]) >= 1

    deleted = await app_client.delete(f"{HEARTBEATS}/{doomed['id']}")

    assert deleted.status_code == 204
    assert deleted.content == b""
    assert (await app_client.get(f"{HEARTBEATS}/{doomed['id']}")).status_code == 404
    assert (await app_client.get(f"{HEARTBEATS}/{doomed['id']}/pings")).status_code == 404
    assert (await app_client.get(f"{HEARTBEATS}/{doomed['id']}/flips")).status_code == 404
    gone = await app_client.get(f"/api/v1/incidents/{doomed_incident['id']}")
    assert gone.status_code == 404
    assert [hb["name"] for hb in (await app_client.get(HEARTBEATS)).json()["items"]] == ["kept"]
    assert [i["heartbeat_id"] for i in await incidents(app_client)] == [kept["id"]]
    assert await count(db, Heartbeat, id=doomed["id"]) == 0
    assert await count(db, Ping, heartbeat_id=doomed["id"]) == 0
    assert await count(db, Flip, heartbeat_id=doomed["id"]) == 0
    assert await count(db, Incident, heartbeat_id=doomed["id"]) == 0
    assert await count(db, IncidentEvent, incident_id=doomed_incident["id"]) == 0
    assert await count(db, Notification, incident_id=doomed_incident["id"]) == 0
    assert await count(db, Notification, incident_id=kept_incident["id"]) == kept_notifications
    assert await count(db, Ping, heartbeat_id=kept["id"]) == 2
    assert await count(db, Flip, heartbeat_id=kept["id"]) == 2


async def test_a_deleted_heartbeats_token_no_longer_takes_pings(app_client: httpx.AsyncClient):
    made = await create(app_client)
    await app_client.delete(f"{HEARTBEATS}/{made['id']}")

    answer = await app_client.get(f"/api/v1/heartbeat/{made['token']}")

    assert answer.status_code == 404


async def test_deleting_twice_answers_404_the_second_time(app_client: httpx.AsyncClient):
    made = await create(app_client)
    assert (await app_client.delete(f"{HEARTBEATS}/{made['id']}")).status_code == 204

    again = await app_client.delete(f"{HEARTBEATS}/{made['id']}")

    assert again.status_code == 404
    assert again.json()["error"] == {"code": "not_found",
                                     "message": f"no heartbeat with id {made['id']}",
                                     "fields": []}
