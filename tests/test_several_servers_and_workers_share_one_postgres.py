"""Two `cronbeat serve --no-worker` and two `cronbeat worker` on one PostgreSQL database, as
at scale: every answered ping is counted, each incident opens once though its failure is
reported through both servers at the same moment, and each alert is delivered once."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest

from local_http_receiver import running_receiver
from local_server import start_server, wait_for
from own_postgres import fetch, own_postgres

pytestmark = pytest.mark.postgres
HEARTBEATS = 12


@contextmanager
def _worker(url: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    environment = {**os.environ, "CRONBEAT_DATABASE_URL": url, "CRONBEAT_WORKER_POLL": "0.2"}
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "cronbeat", "worker"],
                                   env=environment, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)


def _count(url: str, sql: str) -> int:
    return int(fetch(url, sql)[0][0])


def test_two_servers_and_two_workers_count_every_ping_and_alert_once(tmp_path: Path) -> None:
    with ExitStack() as stack:
        _, url = stack.enter_context(own_postgres("cronbeat_scale"))
        env = {"CRONBEAT_DATABASE_URL": url, "CRONBEAT_PING_RATE_LIMIT": "0"}
        receiver = stack.enter_context(running_receiver())
        (tmp_path / "a").mkdir()
        (tmp_path / "b").mkdir()
        first, base_a, log_a = start_server(tmp_path / "a", **env)
        second, base_b, _ = start_server(tmp_path / "b", **env)
        for process in (first, second):
            stack.callback(lambda p=process: (p.send_signal(signal.SIGTERM), p.wait(20)))
        found = re.search(r"cb_[A-Za-z0-9_-]{43}", log_a.read_text())
        assert found
        api = httpx.Client(base_url=base_a, headers={"Authorization": f"Bearer {found.group(0)}"})
        stack.callback(api.close)
        channel = api.post("/api/v1/channels", json={
            "name": "hook", "kind": "webhook", "target": receiver.url()}).json()
        policy = api.post("/api/v1/policies", json={
            "name": "hook", "steps": [{"wait": 0, "targets": [
                {"kind": "channel", "ref": channel["id"]}]}]}).json()
        api.post(f"/api/v1/policies/{policy['id']}/make-default")
        tokens = [api.post("/api/v1/heartbeats", json={"name": f"job {n}", "period": 3600})
                  .json()["token"] for n in range(HEARTBEATS)]
        stack.enter_context(_worker(url, tmp_path / "worker-1.log"))
        stack.enter_context(_worker(url, tmp_path / "worker-2.log"))

        answered = 0
        lock = threading.Lock()

        def pinger(seed: int) -> None:
            nonlocal answered
            chooser = random.Random(seed)
            with httpx.Client() as client:
                for _ in range(150):
                    base = chooser.choice((base_a, base_b))
                    token = chooser.choice(tokens)
                    if client.post(f"{base}/ping/{token}", content=b"ok").status_code == 200:
                        with lock:
                            answered += 1

        threads = [threading.Thread(target=pinger, args=(n,)) for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # Each job fails, reported through both servers at once.
        with httpx.Client() as client:
            for token in tokens:
                both = [threading.Thread(target=client.post, args=(f"{base}/ping/{token}/fail",))
                        for base in (base_a, base_b)]
                for thread in both:
                    thread.start()
                for thread in both:
                    thread.join()
        wait_for(lambda: len(receiver.requests) >= HEARTBEATS, timeout=30)
        time.sleep(1.0)  # room for a doubled delivery to show up, if there were one

        assert _count(url, "SELECT count(*) FROM pings WHERE kind = 'success'") == answered
        assert _count(url, "SELECT count(*) FROM incidents") == HEARTBEATS
        assert _count(url, "SELECT count(DISTINCT heartbeat_id) FROM incidents") == HEARTBEATS
        keys = [request.headers["idempotency-key"] for request in receiver.requests]
        assert len(keys) == HEARTBEATS
        assert len(set(keys)) == HEARTBEATS
