"""The real `cronbeat serve` process: a heartbeat misses, an incident opens, a ping resolves it.

This is the one test that waits in real time (a 2-second period with 1 second of grace)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    port = _free_port()
    env = {**os.environ, "CRONBEAT_DATA_DIR": str(tmp_path / "data"), "CRONBEAT_PORT": str(port)}
    env.pop("CRONBEAT_DATABASE_URL", None)
    log = (tmp_path / "serve.log").open("w+")
    process = subprocess.Popen([sys.executable, "-m", "cronbeat", "serve"], env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            log.seek(0)
            pytest.fail(f"cronbeat serve did not start:\n{log.read()}")
        log.seek(0)
        match = re.search(r"cb_[A-Za-z0-9_-]{43}", log.read())
        assert match, "the first start prints an API key"
        yield base, match.group(0)
    finally:
        process.send_signal(signal.SIGTERM)
        # uvicorn shuts down gracefully, then re-raises the signal it caught.
        assert process.wait(timeout=15) in (0, -signal.SIGTERM)
        log.seek(0)
        assert "Application shutdown complete" in log.read()
        log.close()


def _wait_for(predicate, timeout: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("condition not reached in time")


def test_a_missed_ping_opens_an_incident_and_the_next_ping_resolves_it(
    server: tuple[str, str],
):
    base, key = server
    api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=5)
    made = api.post("/api/v1/heartbeats", json={"name": "e2e", "period": 2, "grace": 1})
    assert made.status_code == 201, made.text
    heartbeat = made.json()
    assert heartbeat["ping_url"] == f"{base}/api/v1/heartbeat/{heartbeat['token']}"

    assert httpx.get(heartbeat["ping_url"]).status_code == 200
    first_ping = time.monotonic()
    assert api.get(f"/api/v1/heartbeats/{heartbeat['id']}").json()["status"] == "up"

    def incidents(state: str) -> list[dict[str, object]]:
        items: list[dict[str, object]] = api.get(
            "/api/v1/incidents", params={"state": state, "heartbeat_id": heartbeat["id"]}
        ).json()["items"]
        return items

    _wait_for(lambda: incidents("open"), timeout=10)
    # Down is due 3 s after the ping; the worker must not be early.
    assert time.monotonic() - first_ping >= 2.9
    [incident] = incidents("open")
    assert incident["reason"] == "missed"
    assert api.get(f"/api/v1/heartbeats/{heartbeat['id']}").json()["status"] == "down"

    assert httpx.post(heartbeat["ping_url"], content=b"back").status_code == 200
    [resolved] = incidents("resolved")
    assert (resolved["id"], resolved["resolved_by"]) == (incident["id"], "cronbeat")
    assert api.get(f"/api/v1/heartbeats/{heartbeat['id']}").json()["status"] == "up"
