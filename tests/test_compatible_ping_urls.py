"""The healthchecks.io-style ping URLs: `/ping/<token>[/<action>]` and
`/ping/<ping-key>/<slug>[/<action>]`, with `?create=1` for unknown slugs. They mean exactly
what the main protocol means: the same table of cases drives both."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import func, select, text
from test_ping_protocol import METHODS, SUFFIXES

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from cronbeat.db.models import Heartbeat, Team
from cronbeat.enums import PingKind
from cronbeat.services.heartbeats import HeartbeatSpec, create_heartbeat
from cronbeat.services.pings import PingIn, record_pings
from helpers import ping_count, reload

Hb = dict[str, object]
# How each family of URLs names a heartbeat: by its token, or by the team's key and its slug.
FAMILIES: dict[str, Callable[[Hb, str], str]] = {
    "token": lambda hb, _: f"/ping/{hb['token']}",
    "slug": lambda hb, key: f"/ping/{key}/{hb['slug']}",
}


async def _create(client: httpx.AsyncClient, **fields: object) -> Hb:
    answer = await client.post("/api/v1/heartbeats", json={"name": "job", "period": 60,
                                                           "slug": "nightly-backup", **fields})
    assert answer.status_code == 201, answer.text
    body: Hb = answer.json()
    return body


async def _ping_key(client: httpx.AsyncClient) -> str:
    key: str = (await client.get("/api/v1/team")).json()["ping_key"]
    return key


async def _pings(client: httpx.AsyncClient, heartbeat_id: object) -> list[dict[str, object]]:
    result: list[dict[str, object]] = (
        await client.get(f"/api/v1/heartbeats/{heartbeat_id}/pings")
    ).json()
    return result


async def _heartbeats(client: httpx.AsyncClient) -> list[Hb]:
    items: list[Hb] = (await client.get("/api/v1/heartbeats")).json()["items"]
    return items


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("method", METHODS)
async def test_a_success_ping_is_accepted_with_any_method(
    app_client: httpx.AsyncClient, family: str, method: str
):
    hb = await _create(app_client)
    url = FAMILIES[family](hb, await _ping_key(app_client))

    answer = await app_client.request(method, url)

    assert answer.status_code == 200
    assert answer.text == ("" if method == "HEAD" else "OK\n")
    assert answer.headers["content-type"].startswith("text/plain")
    [stored] = await _pings(app_client, hb["id"])
    assert (stored["kind"], stored["method"]) == ("success", method)
    shown = (await app_client.get(f"/api/v1/heartbeats/{hb['id']}")).json()
    assert shown["status"] == "up"


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize(("suffix", "kind", "exit_code", "status"), SUFFIXES)
async def test_each_ping_suffix_means_what_the_protocol_says(
    app_client: httpx.AsyncClient, family: str, suffix: str, kind: str, exit_code: int | None,
    status: str,
):
    hb = await _create(app_client)
    url = FAMILIES[family](hb, await _ping_key(app_client)) + suffix

    answer = await app_client.post(url, content="job output\n")

    assert answer.status_code == 200
    [stored] = await _pings(app_client, hb["id"])
    assert (stored["kind"], stored["exit_code"], stored["body"]) == (kind, exit_code,
                                                                     "job output\n")
    shown = (await app_client.get(f"/api/v1/heartbeats/{hb['id']}")).json()
    assert shown["status"] == status


async def test_rid_pairs_a_start_with_its_end_on_slug_urls(app_client: httpx.AsyncClient):
    hb = await _create(app_client)
    url = FAMILIES["slug"](hb, await _ping_key(app_client))
    rid = "5b0bd9bd-55a5-4d6f-8d0b-31c0a4a2e7a1"
    await app_client.get(f"{url}/start", params={"rid": rid})
    await app_client.get(url, params={"rid": rid})
    end, start = await _pings(app_client, hb["id"])
    assert (start["rid"], end["rid"], end["duration"]) == (rid, rid, 0.0)
    answer = await app_client.get(url, params={"rid": "a b"})
    assert answer.status_code == 400


@pytest.mark.parametrize("suffix", ["/256", "/-1", "/stop", "/01x"])
async def test_after_a_slug_anything_but_an_action_gets_400(
    app_client: httpx.AsyncClient, suffix: str
):
    hb = await _create(app_client)
    url = FAMILIES["slug"](hb, await _ping_key(app_client)) + suffix

    answer = await app_client.get(url)

    assert answer.status_code == 400
    assert "use start, fail, log, or an exit code from 0 to 255" in answer.text
    assert await _pings(app_client, hb["id"]) == []


@pytest.mark.parametrize("suffix", ["/256", "/-1", "/stop", "/01x"])
async def test_after_a_token_a_word_that_is_no_action_is_read_as_a_slug_and_gets_404(
    app_client: httpx.AsyncClient, suffix: str
):
    # As on healthchecks.io: /ping/<a>/<b> is token and action only when <b> is an action.
    hb = await _create(app_client)

    answer = await app_client.get(f"/ping/{hb['token']}{suffix}")

    assert answer.status_code == 404
    assert await _pings(app_client, hb["id"]) == []


async def test_an_unknown_token_or_ping_key_or_slug_gets_a_short_404(
    app_client: httpx.AsyncClient,
):
    hb = await _create(app_client)
    key = await _ping_key(app_client)
    for url, text_ in (
        ("/ping/AAAAAAAAAAAAAAAAAAAAAA", "no heartbeat has this token\n"),
        ("/ping/short", "no heartbeat has this token\n"),
        ("/ping/AAAAAAAAAAAAAAAAAAAAAA/fail", "no heartbeat has this token\n"),
        ("/ping/AAAAAAAAAAAAAAAAAAAAAA/nightly-backup",
         "no heartbeat has this slug for this ping key\n"),
        (f"/ping/{key}/other-job", "no heartbeat has this slug for this ping key\n"),
        (f"/ping/{key}/Nightly-Backup", "no heartbeat has this slug for this ping key\n"),
        (f"/ping/{key}/nightly-backup-2/start", "no heartbeat has this slug for this ping key\n"),
    ):
        answer = await app_client.get(url)
        assert (answer.status_code, answer.text) == (404, text_), url
    assert await _pings(app_client, hb["id"]) == []


async def test_create_1_makes_a_daily_heartbeat_named_after_an_unknown_slug(
    app_client: httpx.AsyncClient,
):
    key = await _ping_key(app_client)

    answer = await app_client.post(f"/ping/{key}/db-dump/start?create=1")

    assert answer.status_code == 200
    [made] = await _heartbeats(app_client)
    assert (made["name"], made["slug"], made["period"], made["grace"], made["status"]) == (
        "db-dump", "db-dump", 86400, 3600, "running")
    [stored] = await _pings(app_client, made["id"])
    assert stored["kind"] == "start"
    assert (await app_client.get(f"/ping/{key}/db-dump?create=1")).status_code == 200
    assert len(await _heartbeats(app_client)) == 1
    assert len(await _pings(app_client, made["id"])) == 2


async def test_without_create_1_an_unknown_slug_makes_nothing(app_client: httpx.AsyncClient):
    key = await _ping_key(app_client)
    for url in (f"/ping/{key}/db-dump", f"/ping/{key}/db-dump?create=0",
                f"/ping/{key}/db-dump/fail?create=yes"):
        assert (await app_client.get(url)).status_code == 404
    assert await _heartbeats(app_client) == []


async def test_create_1_with_an_unknown_ping_key_or_a_malformed_slug_makes_nothing(
    app_client: httpx.AsyncClient,
):
    key = await _ping_key(app_client)
    assert (await app_client.get("/ping/AAAAAAAAAAAAAAAAAAAAAA/db-dump?create=1")).status_code \
        == 404
    answer = await app_client.get(f"/ping/{key}/DB_Dump?create=1")
    assert answer.status_code == 400
    assert "lowercase letters, digits and '-'" in answer.text
    assert await _heartbeats(app_client) == []


async def test_two_pings_for_one_new_slug_in_one_batch_make_one_heartbeat(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock,
):
    key = await _ping_key(app_client)
    pings = [PingIn(token=None, slug=(key, "etl"), create=True, kind=kind,
                    received_at=clock.now()) for kind in (PingKind.START, PingKind.SUCCESS)]
    async with db.write() as session:
        result = await record_pings(session, pings)

    assert result.found == [True, True]
    [made] = await _heartbeats(app_client)
    assert [p["kind"] for p in await _pings(app_client, made["id"])] == ["success", "start"]


async def test_two_transactions_making_one_new_slug_at_once_end_with_one_heartbeat(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock,
):
    key = await _ping_key(app_client)

    def one(kind: PingKind) -> list[PingIn]:
        return [PingIn(token=None, slug=(key, "etl"), create=True, kind=kind,
                       received_at=clock.now())]

    other = Database(db.url)  # a second server process, with its own connections
    try:
        async with db.write() as session:
            first = await record_pings(session, one(PingKind.START))

            async def second_writer() -> list[bool]:
                async with other.write() as session:
                    return (await record_pings(session, one(PingKind.SUCCESS))).found

            second = asyncio.create_task(second_writer())
            if not db.is_sqlite:  # wait until its insert waits on our uncommitted row
                await _until_a_session_waits_on_a_lock(db)
        assert first.found == [True]
        assert await second == [True]
    finally:
        await other.dispose()
    [made] = await _heartbeats(app_client)
    assert [p["kind"] for p in await _pings(app_client, made["id"])] == ["success", "start"]


async def _until_a_session_waits_on_a_lock(db: Database) -> None:
    for _ in range(500):
        async with db.read() as session:
            waiting = await session.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()"
            ))
        if waiting:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the second writer never waited on the first")


async def test_a_slug_of_another_team_is_not_reachable_with_this_teams_key(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock,
):
    async with db.write() as session:
        team = Team(name="Someone else", created_at=clock.now())
        session.add(team)
        await session.flush()
        theirs = await create_heartbeat(session, team.id, HeartbeatSpec(
            name="backup", period=60, slug="backup"), clock.now())
        their_key = team.ping_key
    key = await _ping_key(app_client)
    assert key != their_key

    assert (await app_client.get(f"/ping/{key}/backup")).status_code == 404
    assert (await app_client.get(f"/ping/{key}/backup?create=1")).status_code == 200
    assert (await app_client.get(f"/ping/{their_key}/backup/fail")).status_code == 200

    [ours] = await _heartbeats(app_client)
    assert ours["slug"] == "backup"
    assert [p["kind"] for p in await _pings(app_client, ours["id"])] == ["success"]
    assert (await reload(db, theirs.id)).status.value == "down"
    assert await ping_count(db, theirs.id) == 1


async def test_a_heartbeat_made_with_a_healthchecks_uuid_keeps_its_old_url(
    app_client: httpx.AsyncClient, db: Database,
):
    uuid = "5bf66975-d4c7-4bf5-bcc8-b8d8a82ea278"
    hb = await _create(app_client, token=uuid, slug=None)
    assert hb["token"] == uuid

    for url in (f"/ping/{uuid}/start", f"/ping/{uuid}", f"/ping/{uuid}/1",
                f"/api/v1/heartbeat/{uuid}/log"):
        assert (await app_client.post(url)).status_code == 200, url

    kinds = [(p["kind"], p["exit_code"]) for p in await _pings(app_client, hb["id"])]
    assert kinds == [("log", None), ("fail", 1), ("success", None), ("start", None)]
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Heartbeat)) == 1


async def test_the_compatible_urls_need_no_api_key(app_client: httpx.AsyncClient):
    hb = await _create(app_client)
    key = await _ping_key(app_client)
    headers = {"Authorization": ""}

    for url in (f"/ping/{hb['token']}", f"/ping/{key}/nightly-backup/start",
                f"/ping/{key}/new-job?create=1"):
        assert (await app_client.get(url, headers=headers)).status_code == 200, url
