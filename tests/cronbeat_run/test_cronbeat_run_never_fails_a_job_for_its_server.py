"""A server that cannot be reached never fails, holds up or changes the job `cronbeat run`
wraps: it retries briefly, says so in one line per ping, and exits with the job's code."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from local_server import free_port

WRAP = [sys.executable, "-m", "cronbeat", "run"]


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield int(listener.getsockname()[1])


def test_the_job_runs_and_its_exit_code_stands_when_nothing_listens():
    url = f"http://127.0.0.1:{free_port()}/api/v1/heartbeat/x"
    began = time.monotonic()

    result = subprocess.run(
        [*WRAP, "--url", url, "--timeout", "1", "--", "sh", "-c", "echo still ran; exit 3"],
        capture_output=True, timeout=30, check=False,
    )

    assert result.returncode == 3
    assert result.stdout == b"still ran\n"
    assert time.monotonic() - began < 10
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 2  # one for /start, one for /3
    assert all(line.startswith("cronbeat: could not reach 127.0.0.1:") for line in lines)


def test_a_server_that_never_answers_delays_the_job_start_by_at_most_a_second(
    silent_port: int,
):
    url = f"http://127.0.0.1:{silent_port}/api/v1/heartbeat/x"
    began = time.monotonic()
    job = subprocess.Popen(
        [*WRAP, "--url", url, "--timeout", "2", "--retries", "0", "--", "sh", "-c", "echo go"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert job.stdout is not None
    first_line = job.stdout.readline()
    job_started = time.monotonic() - began
    _, stderr = job.communicate(timeout=30)

    assert first_line == b"go\n"
    assert job_started < 1.0 + 1.5  # the grace, plus the interpreter's own start on a busy CI
    assert job.returncode == 0
    assert stderr.count(b"could not reach") == 2


def test_retries_reach_a_server_that_comes_up_a_moment_late():
    port = free_port()
    received: list[bytes] = []

    def late_server() -> None:
        time.sleep(0.3)
        with socket.socket() as listener:
            listener.bind(("127.0.0.1", port))
            listener.listen(4)
            for _ in range(2):
                connection, _ = listener.accept()
                with connection:
                    received.append(connection.recv(65536).split(b"\r\n", 1)[0])
                    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
                                       b"Connection: close\r\n\r\nOK\n")

    server = threading.Thread(target=late_server, daemon=True)
    server.start()
    result = subprocess.run(
        [*WRAP, "--url", f"http://127.0.0.1:{port}/hb", "--", "true"],
        capture_output=True, timeout=30, check=False,
    )
    server.join(timeout=10)

    assert result.returncode == 0
    assert result.stderr == b""
    assert [line.split(b"?")[0] for line in received] == [b"POST /hb/start", b"POST /hb/0"]
