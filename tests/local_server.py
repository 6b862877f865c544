"""The real `cronbeat serve` process on a free port of 127.0.0.1, with a temporary data
directory; yields its base URL and the API key its first start printed."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


@dataclass(frozen=True)
class Server:
    base: str
    key: str
    log: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(data: Path, **env: str) -> Iterator[Server]:
    process, base, log_path = start_server(data, **env)
    try:
        match = re.search(r"cb_[A-Za-z0-9_-]{43}", log_path.read_text())
        assert match, "the first start prints an API key"
        yield Server(base, match.group(0), log_path)
    finally:
        process.send_signal(signal.SIGTERM)
        # uvicorn shuts down gracefully, then re-raises the signal it caught.
        assert process.wait(timeout=15) in (0, -signal.SIGTERM)
        assert "Application shutdown complete" in log_path.read_text()


def start_server(
    data: Path, *, port: int | None = None, log_name: str = "serve.log", **env: str
) -> tuple[subprocess.Popen[bytes], str, Path]:
    """Start `cronbeat serve` and wait until it answers; the caller stops it."""
    port = port or free_port()
    environment = {**os.environ, "CRONBEAT_DATA_DIR": str(data / "data"),
                   "CRONBEAT_PORT": str(port)}
    environment.pop("CRONBEAT_DATABASE_URL", None)  # SQLite in `data`, unless `env` says
    environment.update(env)
    log_path = data / log_name
    with log_path.open("w+") as log:
        process = subprocess.Popen([sys.executable, "-m", "cronbeat", "serve"],
                                   env=environment, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process, log_path)
    except BaseException:
        process.kill()
        process.wait()
        raise
    return process, base, log_path


def _wait_until_up(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"cronbeat serve exited:\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"cronbeat serve did not start:\n{log.read_text()}")


def wait_for(predicate, timeout: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")
