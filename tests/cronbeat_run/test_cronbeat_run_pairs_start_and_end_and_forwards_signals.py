"""`cronbeat run` sends /start before the job and its end after, under one rid, so the server
knows the run time; the signals that stop a job reach it; `--token` finds the server in
CRONBEAT_URL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

import httpx

from local_server import Server, wait_for
from recorded import pings, status

WRAP = [sys.executable, "-m", "cronbeat", "run"]


def test_start_and_end_share_a_rid_and_the_end_carries_the_run_time(
    api: httpx.Client, heartbeat: dict[str, Any],
):
    result = subprocess.run([*WRAP, "--url", heartbeat["ping_url"], "--", "sleep", "0.5"],
                            capture_output=True, timeout=30, check=False)

    assert result.returncode == 0, result.stderr
    start, end = pings(api, heartbeat)
    assert start["kind"] == "start"
    assert end["rid"] == start["rid"]
    assert len(start["rid"]) == 36 and start["rid"][14] == "4"
    assert end["duration"] >= 0.5


def test_the_heartbeat_is_running_while_the_job_runs(
    api: httpx.Client, heartbeat: dict[str, Any],
):
    job = subprocess.Popen([*WRAP, "--url", heartbeat["ping_url"], "--", "sleep", "1.5"])

    wait_for(lambda: status(api, heartbeat) == "running", timeout=5)
    assert job.wait(timeout=10) == 0
    assert status(api, heartbeat) == "up"


def test_each_run_gets_its_own_rid(api: httpx.Client, heartbeat: dict[str, Any]):
    for _ in range(2):
        subprocess.run([*WRAP, "--url", heartbeat["ping_url"], "--", "true"], timeout=30,
                       check=True)

    assert len({ping["rid"] for ping in pings(api, heartbeat)}) == 2


def test_sigterm_to_the_wrapper_reaches_the_job_and_its_exit_is_reported(
    api: httpx.Client, heartbeat: dict[str, Any],
):
    # The job's `sleep` outlives it holding the output pipe; its own group lets us clean up.
    job = subprocess.Popen(
        [*WRAP, "--url", heartbeat["ping_url"], "--",
         "sh", "-c", 'trap "echo cleaning up; exit 7" TERM; echo ready; sleep 30 & wait'],
        stdout=subprocess.PIPE, start_new_session=True,
    )
    assert job.stdout is not None
    try:
        assert job.stdout.readline() == b"ready\n"
        sent = time.monotonic()
        job.send_signal(signal.SIGTERM)
        assert job.wait(timeout=10) == 7
        assert time.monotonic() - sent < 3
    finally:
        os.killpg(job.pid, signal.SIGKILL)
    end = pings(api, heartbeat)[-1]
    assert (end["kind"], end["exit_code"]) == ("fail", 7)
    assert end["body"] == "ready\ncleaning up\n"


def test_a_job_that_does_not_trap_sigterm_is_reported_killed_by_it(
    api: httpx.Client, heartbeat: dict[str, Any],
):
    job = subprocess.Popen([*WRAP, "--url", heartbeat["ping_url"], "--", "sleep", "30"])
    wait_for(lambda: status(api, heartbeat) == "running", timeout=5)

    job.send_signal(signal.SIGTERM)

    assert job.wait(timeout=10) == 128 + signal.SIGTERM
    assert pings(api, heartbeat)[-1]["exit_code"] == 143


def test_token_pings_the_server_named_in_cronbeat_url(
    server: Server, api: httpx.Client, heartbeat: dict[str, Any],
):
    result = subprocess.run([*WRAP, "--token", heartbeat["token"], "--", "true"],
                            env={**os.environ, "CRONBEAT_URL": server.base},
                            capture_output=True, timeout=30, check=False)

    assert result.returncode == 0, result.stderr
    assert [ping["kind"] for ping in pings(api, heartbeat)] == ["start", "success"]


def test_an_unknown_token_is_said_once_and_the_job_result_stands(server: Server):
    result = subprocess.run([*WRAP, "--url", f"{server.base}/api/v1/heartbeat/nope", "--",
                             "sh", "-c", "exit 4"],
                            capture_output=True, timeout=30, check=False)

    assert result.returncode == 4
    assert b"refused /start: 404" in result.stderr
