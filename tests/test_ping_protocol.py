"""The ping URLs, exactly as users' scripts call them."""

from __future__ import annotations

import httpx
import pytest

from cronbeat.db.engine import Database
from helpers import incidents_of, reload

# The protocol's table, shared with the healthchecks.io-style URLs (same semantics).
METHODS = ["GET", "POST", "HEAD"]
SUFFIXES = [  # (suffix, kind of ping stored, exit code stored, status after it)
    ("/start", "start", None, "running"),
    ("/fail", "fail", None, "down"),
    ("/0", "success", 0, "up"),
    ("/1", "fail", 1, "down"),
    ("/255", "fail", 255, "down"),
    ("/log", "log", None, "pending"),
]


async def _create(client: httpx.AsyncClient, **fields: object) -> dict[str, object]:
    answer = await client.post("/api/v1/heartbeats", json={"name": "job", "period": 60, **fields})
    assert answer.status_code == 201, answer.text
    body: dict[str, object] = answer.json()
    return body


async def _pings(client: httpx.AsyncClient, heartbeat_id: object) -> list[dict[str, object]]:
    answer = await client.get(f"/api/v1/heartbeats/{heartbeat_id}/pings")
    result: list[dict[str, object]] = answer.json()
    return result


@pytest.mark.parametrize("method", METHODS)
async def test_a_success_ping_is_accepted_with_any_method(
    app_client: httpx.AsyncClient, db: Database, method: str
):
    hb = await _create(app_client)
    answer = await app_client.request(method, f"/api/v1/heartbeat/{hb['token']}")
    assert answer.status_code == 200
    assert answer.text == ("" if method == "HEAD" else "OK\n")
    [stored] = await _pings(app_client, hb["id"])
    assert (stored["kind"], stored["method"]) == ("success", method)
    assert (await reload(db, int(hb["id"]))).status.value == "up"  # type: ignore[call-overload]


@pytest.mark.parametrize(("suffix", "kind", "exit_code", "status"), SUFFIXES)
async def test_each_ping_suffix_means_what_the_protocol_says(
    app_client: httpx.AsyncClient, suffix: str, kind: str, exit_code: int | None, status: str
):
    hb = await _create(app_client)
    answer = await app_client.post(f"/api/v1/heartbeat/{hb['token']}{suffix}")
    assert answer.status_code == 200
    [stored] = await _pings(app_client, hb["id"])
    assert (stored["kind"], stored["exit_code"]) == (kind, exit_code)
    shown = (await app_client.get(f"/api/v1/heartbeats/{hb['id']}")).json()
    assert shown["status"] == status


@pytest.mark.parametrize("suffix", ["/256", "/-1", "/1000", "/stop", "/01x", "/fail/extra",
                                    # digits to str.isdigit but not exit codes (a fuzzer's find:
                                    # "¹" made int() raise, a 500)
                                    "/%C2%B9", "/%D9%A3"])
async def test_a_malformed_ping_gets_400_or_404_and_stores_nothing(
    app_client: httpx.AsyncClient, suffix: str
):
    hb = await _create(app_client)
    answer = await app_client.get(f"/api/v1/heartbeat/{hb['token']}{suffix}")
    if suffix == "/fail/extra":
        assert answer.status_code == 404
    else:
        assert answer.status_code == 400
        assert answer.headers["content-type"].startswith("text/plain")
        assert "use start, fail, log, or an exit code from 0 to 255" in answer.text
    assert await _pings(app_client, hb["id"]) == []


async def test_an_unknown_token_gets_a_short_404(app_client: httpx.AsyncClient):
    for token in ("AAAAAAAAAAAAAAAAAAAAAA", "short", "has space in it ....."):
        answer = await app_client.get(f"/api/v1/heartbeat/{token}")
        assert answer.status_code == 404
        assert answer.text == "no heartbeat has this token\n"


async def test_the_body_is_stored_as_the_output_with_sender_details(
    app_client: httpx.AsyncClient, db: Database
):
    hb = await _create(app_client)
    answer = await app_client.post(
        f"/api/v1/heartbeat/{hb['token']}/3", content="rsync: connection refused\n",
        headers={"User-Agent": "curl/8.5.0"},
    )
    assert answer.status_code == 200
    [stored] = await _pings(app_client, hb["id"])
    assert stored["body"] == "rsync: connection refused\n"
    assert (stored["body_size"], stored["truncated"]) == (26, False)
    assert (stored["source_ip"], stored["user_agent"]) == ("203.0.113.7", "curl/8.5.0")
    [incident] = await incidents_of(db, int(hb["id"]))  # type: ignore[call-overload]
    assert (incident.exit_code, incident.output) == (3, "rsync: connection refused\n")


async def test_a_body_over_the_limit_is_truncated_flagged_and_still_counts(
    app_client: httpx.AsyncClient,
):
    hb = await _create(app_client)
    body = b"x" * 999 + b"END" + b"y" * 5000  # the test settings keep 1000 bytes
    answer = await app_client.post(f"/api/v1/heartbeat/{hb['token']}", content=body)
    assert answer.status_code == 200
    [stored] = await _pings(app_client, hb["id"])
    assert stored["body"] == "x" * 999 + "E"
    assert (stored["body_size"], stored["truncated"]) == (len(body), True)
    shown = (await app_client.get(f"/api/v1/heartbeats/{hb['id']}")).json()
    assert shown["status"] == "up"


async def test_invalid_utf8_in_a_body_is_kept_and_shown_replaced(app_client: httpx.AsyncClient):
    hb = await _create(app_client)
    await app_client.post(f"/api/v1/heartbeat/{hb['token']}", content=b"ok \xff\xfe end")
    [stored] = await _pings(app_client, hb["id"])
    assert stored["body"] == "ok \ufffd\ufffd end"


async def test_rid_pairs_a_start_with_its_end(app_client: httpx.AsyncClient):
    hb = await _create(app_client)
    rid = "5b0bd9bd-55a5-4d6f-8d0b-31c0a4a2e7a1"
    await app_client.get(f"/api/v1/heartbeat/{hb['token']}/start", params={"rid": rid})
    await app_client.get(f"/api/v1/heartbeat/{hb['token']}", params={"rid": rid})
    end, start = await _pings(app_client, hb["id"])
    assert (start["rid"], end["rid"], end["duration"]) == (rid, rid, 0.0)


async def test_a_malformed_rid_is_refused(app_client: httpx.AsyncClient):
    hb = await _create(app_client)
    answer = await app_client.get(f"/api/v1/heartbeat/{hb['token']}", params={"rid": "a b"})
    assert answer.status_code == 400
    assert "rid" in answer.text
