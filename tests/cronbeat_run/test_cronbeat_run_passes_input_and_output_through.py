"""`cronbeat run` is invisible to the job's input and output: stdout and stderr arrive byte
for byte, stdin reaches the job, and the server gets the end of the combined output, cut to
--max-output with a marker saying how much was left out."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import httpx


def wrap(heartbeat: dict[str, Any], command: list[str], *options: str,
         stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "cronbeat", "run", "--url", heartbeat["ping_url"], *options,
         "--", *command],
        input=stdin, capture_output=True, timeout=30, check=False,
    )


def last_ping(api: httpx.Client, heartbeat: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = api.get(f"/api/v1/heartbeats/{heartbeat['id']}/pings").json()[0]
    return found


def test_stdout_and_stderr_pass_through_byte_for_byte_and_both_reach_the_server(
    api: httpx.Client, heartbeat: dict[str, Any],
):
    binary = "\\377\\000\\r\\n"
    result = wrap(heartbeat, ["sh", "-c", f'printf "a\\nb"; printf "err" >&2; printf "{binary}"'])

    assert result.returncode == 0
    assert result.stdout == b"a\nb\xff\x00\r\n"
    assert result.stderr == b"err"
    ping = last_ping(api, heartbeat)
    # The two streams interleave in the order they came; each keeps its own order.
    assert ping["body_size"] == len(result.stdout) + len(result.stderr)
    assert ping["body"].replace("err", "", 1) == "a\nb\ufffd\ufffd\r\n"


def test_output_is_passed_on_as_it_comes_not_when_the_job_ends(heartbeat: dict[str, Any]):
    wrapper = subprocess.Popen(
        [sys.executable, "-m", "cronbeat", "run", "--url", heartbeat["ping_url"], "--",
         "sh", "-c", "echo first; sleep 5; echo second"],
        stdout=subprocess.PIPE,
    )
    assert wrapper.stdout is not None
    try:
        assert wrapper.stdout.readline() == b"first\n"
        assert wrapper.poll() is None
    finally:
        wrapper.terminate()
        wrapper.wait(timeout=10)


def test_stdin_reaches_the_job(api: httpx.Client, heartbeat: dict[str, Any]):
    result = wrap(heartbeat, ["cat"], stdin=b"hello")

    assert result.returncode == 0
    assert result.stdout == b"hello"
    assert last_ping(api, heartbeat)["body"] == "hello"


def test_long_output_is_cut_to_its_last_bytes_under_a_marker(
    api: httpx.Client, heartbeat: dict[str, Any],
):
    lines = "".join(f"line {n:05}\n" for n in range(5000))  # 55,000 bytes
    result = wrap(heartbeat, ["python3", "-c", f"print({lines!r}, end='')"],
                  "--max-output", "1000")

    assert result.stdout == lines.encode()
    ping = last_ping(api, heartbeat)
    body: str = ping["body"]
    assert ping["body_size"] == len(body.encode()) == 1000
    marker, kept = body.split("\n", 1)
    assert marker == f"[... {len(lines) - len(kept)} bytes cut ...]"
    assert lines.endswith(kept)
    assert kept.endswith("line 04999\n")


def test_output_that_fits_is_sent_whole_without_a_marker(
    api: httpx.Client, heartbeat: dict[str, Any],
):
    wrap(heartbeat, ["printf", "x" * 1000], "--max-output", "1000")

    assert last_ping(api, heartbeat)["body"] == "x" * 1000


def test_the_cut_never_starts_inside_a_utf8_character(
    api: httpx.Client, heartbeat: dict[str, Any],
):
    wrap(heartbeat, ["python3", "-c", "print('é' * 1000, end='')"], "--max-output", "101")

    body: str = last_ping(api, heartbeat)["body"]
    assert "\ufffd" not in body
    assert body.split("\n", 1)[1] == "é" * ((101 - len(body.split("\n")[0]) - 1) // 2)
