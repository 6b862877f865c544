"""Killing `cronbeat worker` with SIGKILL while it sends alerts: after a restart every alert is
delivered; the only ones sent twice are sends that were already under way, and a repeat
carries the same Idempotency-Key, so that the receiver can drop it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from local_http_receiver import Answer, running_receiver
from local_server import start_server, wait_for
from own_postgres import fetch, own_postgres

pytestmark = pytest.mark.postgres
ALERTS = 40


def _worker(url: str, log: Path) -> subprocess.Popen[bytes]:
    environment = {**os.environ, "CRONBEAT_DATABASE_URL": url, "CRONBEAT_WORKER_POLL": "0.2",
                   "CRONBEAT_DELIVERY_LEASE": "2"}
    with log.open("w") as out:
        return subprocess.Popen([sys.executable, "-m", "cronbeat", "worker"],
                                env=environment, stdout=out, stderr=subprocess.STDOUT)


def _statuses(url: str) -> Counter[str]:
    return Counter(row["status"] for row in fetch(url, "SELECT status FROM notifications"))


def test_after_a_kill_every_alert_arrives_and_only_sends_under_way_repeat(
    tmp_path: Path,
) -> None:
    with ExitStack() as stack:
        _, url = stack.enter_context(own_postgres("cronbeat_killed_worker"))
        receiver = stack.enter_context(running_receiver())
        receiver.answer = Answer(delay=0.3)  # slow enough to kill the worker mid-send
        # `serve` runs the worker in its own process: that is the worker killed below.
        server, base, log = start_server(tmp_path, CRONBEAT_DATABASE_URL=url,
                                         CRONBEAT_DELIVERY_LEASE="2",
                                         CRONBEAT_PING_RATE_LIMIT="0")
        found = re.search(r"cb_[A-Za-z0-9_-]{43}", log.read_text())
        assert found
        api = stack.enter_context(httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {found.group(0)}"}))
        channel = api.post("/api/v1/channels", json={
            "name": "hook", "kind": "webhook", "target": receiver.url()}).json()
        policy = api.post("/api/v1/policies", json={"name": "hook", "steps": [
            {"wait": 0, "targets": [{"kind": "channel", "ref": channel["id"]}]}]}).json()
        api.post(f"/api/v1/policies/{policy['id']}/make-default")
        tokens = [api.post("/api/v1/heartbeats", json={"name": f"job {n}", "period": 3600})
                  .json()["token"] for n in range(ALERTS)]
        for token in tokens:
            assert httpx.post(f"{base}/ping/{token}/fail").status_code == 200
        wait_for(lambda: len(receiver.requests) >= 5, timeout=30)
        server.send_signal(signal.SIGKILL)
        server.wait(20)
        started_before = {r.headers["idempotency-key"] for r in receiver.requests}
        assert len(started_before) < ALERTS  # it was killed in the middle
        worker = _worker(url, tmp_path / "worker.log")
        stack.callback(lambda: (worker.send_signal(signal.SIGTERM), worker.wait(20)))
        wait_for(lambda: _statuses(url).get("sent", 0) == ALERTS, timeout=60)

    keys = Counter(r.headers["idempotency-key"] for r in receiver.requests)
    assert len(keys) == ALERTS  # every alert arrived
    repeated = {key for key, count in keys.items() if count > 1}
    assert repeated <= started_before  # only sends already under way were repeated
    assert max(keys.values()) <= 2
