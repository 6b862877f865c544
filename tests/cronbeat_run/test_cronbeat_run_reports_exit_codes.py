"""`cronbeat run` reports the job's exit code to a real `cronbeat serve` and exits with it:
success, failure with its output, a job killed by a signal, a command that cannot run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from recorded import pings, status


def wrap(heartbeat: dict[str, Any], *command: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "cronbeat", "run", "--url", heartbeat["ping_url"], "--", *command],
        capture_output=True, timeout=30, check=False,
    )


def open_incidents(api: httpx.Client, heartbeat: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = api.get(
        "/api/v1/incidents", params={"state": "open", "heartbeat_id": heartbeat["id"]}
    ).json()["items"]
    return found


def test_a_job_that_succeeds_is_reported_up_and_the_wrapper_exits_0_quietly(
    api: httpx.Client, heartbeat: dict[str, Any],
):
    result = wrap(heartbeat, "sh", "-c", "echo all good")

    assert result.returncode == 0
    assert result.stdout == b"all good\n"
    assert result.stderr == b""
    start, end = pings(api, heartbeat)
    assert (start["kind"], end["kind"], end["exit_code"]) == ("start", "success", 0)
    assert end["body"] == "all good\n"
    assert status(api, heartbeat) == "up"


def test_a_job_that_fails_opens_an_incident_with_its_exit_code_and_output(
    api: httpx.Client, heartbeat: dict[str, Any],
):
    result = wrap(heartbeat, "sh", "-c", "echo disk full >&2; exit 1")

    assert result.returncode == 1
    assert result.stderr == b"disk full\n"
    end = pings(api, heartbeat)[-1]
    assert (end["kind"], end["exit_code"], end["body"]) == ("fail", 1, "disk full\n")
    assert status(api, heartbeat) == "down"
    [incident] = open_incidents(api, heartbeat)
    assert (incident["reason"], incident["exit_code"]) == ("failed", 1)
    assert "disk full" in incident["output"]


def test_a_job_killed_by_a_signal_exits_and_is_reported_as_128_plus_the_signal(
    api: httpx.Client, heartbeat: dict[str, Any],
):
    result = wrap(heartbeat, "sh", "-c", "echo before; kill -9 $$")

    assert result.returncode == 137
    end = pings(api, heartbeat)[-1]
    assert (end["kind"], end["exit_code"], end["body"]) == ("fail", 137, "before\n")
    [incident] = open_incidents(api, heartbeat)
    assert incident["exit_code"] == 137


def test_a_command_that_does_not_exist_is_reported_as_127_with_the_error(
    api: httpx.Client, heartbeat: dict[str, Any],
):
    result = wrap(heartbeat, "./no-such-backup.sh", "--full")

    assert result.returncode == 127
    message = "cronbeat: cannot run ./no-such-backup.sh: No such file or directory\n"
    assert result.stderr.decode() == message
    start, end = pings(api, heartbeat)
    assert (start["kind"], end["exit_code"], end["body"]) == ("start", 127, message)


def test_a_command_that_is_not_executable_is_reported_as_126(
    api: httpx.Client, heartbeat: dict[str, Any], tmp_path: Path,
):
    script = tmp_path / "backup.sh"
    script.write_text("#!/bin/sh\necho hi\n")

    result = wrap(heartbeat, str(script))

    assert result.returncode == 126
    assert b"Permission denied" in result.stderr
    assert pings(api, heartbeat)[-1]["exit_code"] == 126
