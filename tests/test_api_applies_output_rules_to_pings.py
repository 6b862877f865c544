"""Output rules over HTTP: set on a heartbeat, applied to the pings it receives, and named in
its ping log."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cronbeat.clock import FixedClock

HEARTBEATS = "/api/v1/heartbeats"
RULES = [
    {"match": "regex", "pattern": r"(?m)^0 errors$", "action": "succeed"},
    {"match": "keyword", "pattern": "ERROR", "action": "fail"},
    {"match": "regex", "pattern": r"Traceback \(most recent call last\)", "action": "fail"},
    {"match": "keyword", "pattern": "retried OK", "action": "succeed"},
]


async def create(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    made = await client.post(HEARTBEATS, json={"name": "backup", "period": 3600, **fields})
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


async def send(client: httpx.AsyncClient, heartbeat: dict[str, Any], action: str = "",
               body: bytes = b"") -> None:
    url = f"/api/v1/heartbeat/{heartbeat['token']}" + (f"/{action}" if action else "")
    answer = await client.post(url, content=body)
    assert answer.status_code == 200, answer.text


async def shown(client: httpx.AsyncClient, heartbeat: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = (await client.get(f"{HEARTBEATS}/{heartbeat['id']}")).json()
    return body


async def last_ping(client: httpx.AsyncClient, heartbeat: dict[str, Any]) -> dict[str, Any]:
    pings = (await client.get(f"{HEARTBEATS}/{heartbeat['id']}/pings")).json()
    latest: dict[str, Any] = pings[0]
    return latest


async def test_a_success_whose_output_says_error_opens_an_incident_and_names_the_rule(
    app_client: httpx.AsyncClient, clock: FixedClock
):
    made = await create(app_client, output_rules=RULES)
    assert made["output_rules"] == RULES
    await send(app_client, made, body=b"copied 10 files\nERROR: 2 files skipped\n")

    ping = await last_ping(app_client, made)
    assert (ping["kind"], ping["rule"]) == ("fail", "#2 keyword 'ERROR' → fail")
    down = await shown(app_client, made)
    assert (down["status"], down["incident"]["reason"]) == ("down", "failed")
    incident = (await app_client.get(f"/api/v1/incidents/{down['incident']['id']}")).json()
    assert "ERROR: 2 files skipped" in incident["output"]


async def test_a_failure_whose_output_matches_a_succeed_rule_counts_as_a_success(
    app_client: httpx.AsyncClient, clock: FixedClock
):
    made = await create(app_client, output_rules=RULES)
    await send(app_client, made, "3", body=b"step 2 failed, retried OK")

    ping = await last_ping(app_client, made)
    assert (ping["kind"], ping["exit_code"], ping["rule"]) == (
        "success", 3, "#4 keyword 'retried OK' → succeed")
    assert (await shown(app_client, made))["status"] == "up"


async def test_the_first_matching_rule_wins(app_client: httpx.AsyncClient):
    made = await create(app_client, output_rules=RULES)
    await send(app_client, made, body=b"ERROR summary:\n0 errors\n")

    ping = await last_ping(app_client, made)
    assert (ping["kind"], ping["rule"]) == ("success", "#1 regex '(?m)^0 errors$' → succeed")


async def test_a_ping_no_rule_matches_counts_as_sent_and_names_no_rule(
    app_client: httpx.AsyncClient,
):
    made = await create(app_client, output_rules=RULES)
    await send(app_client, made, body=b"all good")
    await send(app_client, made, "log", body=b"ERROR in a log line changes nothing")

    pings = (await app_client.get(f"{HEARTBEATS}/{made['id']}/pings")).json()
    assert [(p["kind"], p["rule"]) for p in pings] == [("log", None), ("success", None)]
    assert (await shown(app_client, made))["status"] == "up"


async def test_output_rules_count_towards_the_failure_threshold(app_client: httpx.AsyncClient):
    made = await create(app_client, output_rules=RULES, failure_threshold=2)
    await send(app_client, made, body=b"Traceback (most recent call last):\n  boom")
    assert (await shown(app_client, made))["streak_text"] == "failing 1 of 2"
    await send(app_client, made, body=b"ERROR")
    assert (await shown(app_client, made))["status"] == "down"


async def test_rules_are_replaced_and_cleared_by_a_partial_edit(app_client: httpx.AsyncClient):
    made = await create(app_client, output_rules=RULES)
    url = f"{HEARTBEATS}/{made['id']}"

    kept = await app_client.patch(url, json={"grace": 60})
    assert kept.json()["output_rules"] == RULES
    replaced = await app_client.patch(url, json={"output_rules": RULES[1:2]})
    assert replaced.json()["output_rules"] == RULES[1:2]
    cleared = await app_client.patch(url, json={"output_rules": []})
    assert cleared.json()["output_rules"] == []
    await send(app_client, made, body=b"ERROR")
    assert (await shown(app_client, made))["status"] == "up"


@pytest.mark.parametrize(
    ("rules", "field", "words"),
    [
        ([{"match": "regex", "pattern": "(unclosed", "action": "fail"}],
         "output_rules.0.pattern", "not a valid regular expression: missing )"),
        ([RULES[0], {"match": "regex", "pattern": "*oops", "action": "fail"}],
         "output_rules.1.pattern", "not a valid regular expression: nothing to repeat"),
        ([{"match": "keyword", "pattern": "", "action": "fail"}],
         "output_rules.0.pattern", "1 to 200 characters"),
        ([{"match": "glob", "pattern": "x", "action": "fail"}],
         "output_rules.0.match", "'keyword' or 'regex'"),
        ([{"match": "keyword", "pattern": "x", "action": "page"}],
         "output_rules.0.action", "'fail' or 'succeed'"),
        ([RULES[1]] * 11, "output_rules", "at most 10 rules"),
    ],
)
async def test_it_refuses_a_rule_it_cannot_use_with_a_clear_422(
    app_client: httpx.AsyncClient, rules: list[dict[str, str]], field: str, words: str
):
    refused = await app_client.post(HEARTBEATS, json={"name": "b", "period": 60,
                                                      "output_rules": rules})
    assert refused.status_code == 422, refused.text
    [named] = refused.json()["error"]["fields"]
    assert named["field"] == field
    assert words in named["message"]
    made = await create(app_client)
    edited = await app_client.patch(f"{HEARTBEATS}/{made['id']}", json={"output_rules": rules})
    assert edited.status_code == 422
    assert edited.json()["error"]["fields"][0]["field"] == field
