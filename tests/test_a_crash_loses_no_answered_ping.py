"""Killing `cronbeat serve` in the middle of a ping storm, with SIGKILL or SIGTERM, loses no
ping that got a 2xx answer: a 2xx means the ping is committed."""

from __future__ import annotations

import re
import signal
import sqlite3
import subprocess
import threading
from pathlib import Path

import httpx

from local_server import start_server

THREADS = 8


def _storm(url: str, answered: list[bytes], done: threading.Event) -> list[threading.Thread]:
    def pinger(number: int) -> None:
        with httpx.Client(timeout=10) as client:
            n = 0
            while not done.is_set():
                body = f"ping {number}-{n}".encode()
                n += 1
                try:
                    answer = client.post(url, content=body)
                except httpx.TransportError:
                    return  # the server is gone
                if answer.status_code == 200:
                    answered.append(body)

    threads = [threading.Thread(target=pinger, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    return threads


def _stored(data: Path) -> set[bytes]:
    database = sqlite3.connect(data / "data" / "cronbeat.db")
    try:
        return {row[0] for row in database.execute("SELECT body FROM pings")}
    finally:
        database.close()


def _heartbeat(base: str, log: Path) -> tuple[str, dict[str, object]]:
    found = re.search(r"cb_[A-Za-z0-9_-]{43}", log.read_text())
    assert found
    key = found.group(0)
    created = httpx.post(f"{base}/api/v1/heartbeats", headers={"Authorization": f"Bearer {key}"},
                         json={"name": "busy", "period": 3600}).json()
    return key, created


def _run_storm_then(process: subprocess.Popen[bytes], url: str, sig: int) -> list[bytes]:
    answered: list[bytes] = []
    done = threading.Event()
    threads = _storm(url, answered, done)
    try:
        while len(answered) < 400:
            done.wait(0.01)
        process.send_signal(sig)
        process.wait(timeout=20)
    finally:
        done.set()
        for thread in threads:
            thread.join()
    return answered


def test_sigkill_mid_storm_keeps_every_answered_ping_and_the_right_state(tmp_path: Path) -> None:
    process, base, log = start_server(tmp_path)
    key, heartbeat = _heartbeat(base, log)
    answered = _run_storm_then(process, str(heartbeat["ping_url"]), signal.SIGKILL)
    assert process.returncode == -signal.SIGKILL
    assert not set(answered) - _stored(tmp_path)

    again, base, _ = start_server(tmp_path, log_name="serve-again.log")
    try:
        shown = httpx.get(f"{base}/api/v1/heartbeats/{heartbeat['id']}",
                          headers={"Authorization": f"Bearer {key}"}).json()
        assert shown["status"] == "up"
        assert shown["last_ping_at"] is not None
        # The service goes on counting where it stopped.
        url = f"{base}/api/v1/heartbeat/{heartbeat['token']}"  # the port is a new one
        assert httpx.post(url, content=b"after the crash").status_code == 200
    finally:
        again.send_signal(signal.SIGTERM)
        again.wait(timeout=20)
    assert b"after the crash" in _stored(tmp_path)


def test_sigterm_mid_storm_commits_what_was_accepted_then_exits(tmp_path: Path) -> None:
    process, base, log = start_server(tmp_path)
    _, heartbeat = _heartbeat(base, log)
    answered = _run_storm_then(process, str(heartbeat["ping_url"]), signal.SIGTERM)
    assert process.returncode in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in log.read_text()
    assert not set(answered) - _stored(tmp_path)
