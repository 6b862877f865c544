"""The real `cronbeat serve` process: a heartbeat misses, an incident opens, the team is
emailed, a ping resolves it. These tests wait in real time (a 2-second period, 1 s grace)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from local_server import Server, running_server, wait_for
from local_smtp import Mailbox, parsed, running_smtp


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    with running_smtp(box) as port:
        yield box, port


@pytest.fixture
def server(tmp_path: Path, mailbox: tuple[Mailbox, int]) -> Iterator[Server]:
    with running_server(tmp_path, CRONBEAT_SMTP_HOST="127.0.0.1",
                        CRONBEAT_SMTP_PORT=str(mailbox[1]),
                        CRONBEAT_ADMIN_EMAIL="admin@example.test") as running:
        yield running


def test_a_missed_ping_opens_an_incident_pages_the_team_and_the_next_ping_resolves_it(
    server: Server, mailbox: tuple[Mailbox, int],
):
    box, _ = mailbox
    api = httpx.Client(base_url=server.base, headers={"Authorization": f"Bearer {server.key}"},
                       timeout=5)
    made = api.post("/api/v1/heartbeats", json={"name": "e2e", "period": 2, "grace": 1})
    assert made.status_code == 201, made.text
    heartbeat = made.json()
    assert heartbeat["ping_url"] == f"{server.base}/api/v1/heartbeat/{heartbeat['token']}"

    assert httpx.get(heartbeat["ping_url"]).status_code == 200
    first_ping = time.monotonic()
    assert api.get(f"/api/v1/heartbeats/{heartbeat['id']}").json()["status"] == "up"

    def incidents(state: str) -> list[dict[str, object]]:
        items: list[dict[str, object]] = api.get(
            "/api/v1/incidents", params={"state": state, "heartbeat_id": heartbeat["id"]}
        ).json()["items"]
        return items

    wait_for(lambda: incidents("open"), timeout=10)
    # Down is due 3 s after the ping; the worker must not be early.
    assert time.monotonic() - first_ping >= 2.9
    [incident] = incidents("open")
    assert incident["reason"] == "missed"
    assert api.get(f"/api/v1/heartbeats/{heartbeat['id']}").json()["status"] == "down"

    # The only member, the admin, is emailed at once, with a link to acknowledge.
    wait_for(lambda: len(box.envelopes) == 1, timeout=5)
    alert = parsed(box.envelopes[0])
    assert alert["To"] == "admin@example.test"
    assert alert["Subject"].startswith("[cronbeat] DOWN: e2e (no ping since ")
    assert f"{server.base}/ack/" in alert.get_body(("plain",)).get_content()  # type: ignore[union-attr]

    assert httpx.post(heartbeat["ping_url"], content=b"back").status_code == 200
    [resolved] = incidents("resolved")
    assert (resolved["id"], resolved["resolved_by"]) == (incident["id"], "cronbeat")
    assert api.get(f"/api/v1/heartbeats/{heartbeat['id']}").json()["status"] == "up"
    wait_for(lambda: len(box.envelopes) == 2, timeout=5)
    assert parsed(box.envelopes[1])["Subject"] == "[cronbeat] RESOLVED: e2e"

    def delivered() -> list[tuple[str, str]]:
        shown = api.get(f"/api/v1/incidents/{incident['id']}").json()
        return [(n["purpose"], n["status"]) for n in shown["notifications"]]

    # The server records an attempt just after the mail server has taken the message.
    wait_for(lambda: delivered() == [("alert", "sent"), ("recovery", "sent")], timeout=5)
