"""What the benches share: a prepared database, a real `cronbeat serve` on 127.0.0.1, bulk
seeding with the rows the services would make, wrk, percentiles, RSS and database size.

Every bench prints plain `name: value` lines; figures that depend on the machine's speed are
printed beside a baseline measured in the same run, and as a ratio to it.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Coroutine, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url

from cronbeat.db.engine import Database, normalize_url
from cronbeat.db.migrate import upgrade
from cronbeat.db.models import Heartbeat, Ping
from cronbeat.enums import PingKind, Status
from cronbeat.services.teams import bootstrap
from cronbeat.tokens import new_ping_token

BENCH = Path(__file__).resolve().parent
T = TypeVar("T")
WRK = shutil.which("wrk") or "/usr/bin/wrk"
# A directory: every server a bench starts is profiled by py-spy into it (collapsed stacks,
# which bench/profile_summary.py turns into a table, or flamegraph tools into a picture).
PROFILE = os.environ.get("BENCH_PROFILE")


def say(name: str, value: object) -> None:
    """One figure, as a plain `name: value` line."""
    if isinstance(value, float):
        value = f"{value:.3f}" if abs(value) < 100 else f"{value:.0f}"
    print(f"{name}: {value}", flush=True)


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of unsorted values."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def rss_mb(pid: int) -> float:
    """Resident memory of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- databases ---------------------------------------------------------------------------------

@dataclass
class Target:
    """A database a bench runs on: an SQLite file in a temporary directory, or a fresh
    PostgreSQL database made on the server given (and dropped afterwards)."""

    url: str
    data_dir: Path
    postgres_admin: str | None = None
    name: str | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.postgres_admin is None

    def database(self) -> Database:
        return Database(self.url)


@contextmanager
def fresh_database(postgres: str | None = None) -> Iterator[Target]:
    data = Path(tempfile.mkdtemp(prefix="cronbeat-bench-"))
    try:
        if postgres is None:
            target = Target(f"sqlite:///{data / 'cronbeat.db'}", data)
            upgrade(target.url)
            yield target
            return
        name = f"cronbeat_bench_{uuid.uuid4().hex[:10]}"
        asyncio.run(_pg_admin(postgres, f'CREATE DATABASE "{name}"'))
        url = make_url(postgres).set(database=name).render_as_string(hide_password=False)
        try:
            upgrade(url)
            yield Target(url, data, postgres, name)
        finally:
            asyncio.run(_pg_admin(postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        shutil.rmtree(data, ignore_errors=True)


async def _pg_admin(url: str, sql: str) -> None:
    server = make_url(url)
    conn = await asyncpg.connect(host=server.host, port=server.port or 5432,
                                 user=server.username, password=server.password,
                                 database=server.database or "postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def on(db: Database, work: Coroutine[Any, Any, T]) -> T:
    """Run `work` on `db` in an event loop of its own, then close the connections: pooled
    connections belong to the loop that opened them (asyncpg refuses any other)."""
    async def run() -> T:
        try:
            return await work
        finally:
            await db.dispose()

    return asyncio.run(run())


async def first_start(db: Database, now: datetime) -> tuple[int, str]:
    """What `cronbeat serve` does on its first start: a team, its admin, an API key."""
    async with db.write() as session:
        first = await bootstrap(session, now, admin_email="bench@localhost")
    assert first is not None, "the bench needs an empty database"
    return first.team.id, first.api_key


def heartbeat_row(team_id: int, number: int, now: datetime, *, period: int = 86400,
                  grace: int = 3600, anchor: datetime | None = None) -> dict[str, Any]:
    """A heartbeat as `create_heartbeat` and a first ping leave it: up, with its deadline at
    the end of its period (`anchor` + `period`), or pending when `anchor` is None."""
    name = f"job {number:07d}"
    status = Status.PENDING if anchor is None else Status.UP
    return {
        "team_id": team_id, "name": name, "name_folded": name.casefold(), "description": "",
        "tags": [], "token": new_ping_token(), "slug": None, "period": period, "schedule": None,
        "timezone": "UTC", "grace": grace, "max_runtime": None, "policy_id": None,
        "status": status, "last_ping_at": anchor, "anchor_at": anchor, "started_at": None,
        "started_rid": None,
        "deadline": None if anchor is None else anchor + timedelta(seconds=period),
        "incident_id": None, "created_at": now, "updated_at": now,
    }


async def insert_rows(db: Database, table: Any, rows: Sequence[dict[str, Any]],
                      chunk: int = 5000) -> None:
    for start in range(0, len(rows), chunk):
        async with db.write() as session:
            await session.execute(insert(table), list(rows[start:start + chunk]))


async def seed_heartbeats(db: Database, team_id: int, count: int, now: datetime,
                          **row: Any) -> None:
    """`count` heartbeats, inserted in bulk (the API would take minutes for 1M)."""
    chunk = 20_000
    for start in range(0, count, chunk):
        rows = [heartbeat_row(team_id, n, now, **row)
                for n in range(start, min(count, start + chunk))]
        await insert_rows(db, Heartbeat, rows)


async def seed_pings(db: Database, heartbeat_ids: Sequence[int], per_heartbeat: int,
                     now: datetime, body: bytes = b"") -> None:
    """Pings as `record_ping` stores them: `per_heartbeat` successes a minute apart."""
    rows = [
        {"heartbeat_id": hb, "received_at": now - timedelta(minutes=per_heartbeat - i),
         "kind": PingKind.SUCCESS, "exit_code": None, "rid": None, "duration": None,
         "body": body, "body_size": len(body), "truncated": False, "method": "GET",
         "source_ip": "127.0.0.1", "user_agent": "curl/8.0"}
        for hb in heartbeat_ids for i in range(per_heartbeat)
    ]
    await insert_rows(db, Ping, rows)


async def tokens_and_ids(db: Database, limit: int | None = None) -> list[tuple[int, str]]:
    async with db.read() as session:
        query = select(Heartbeat.id, Heartbeat.token).order_by(Heartbeat.id)
        rows = await session.execute(query if limit is None else query.limit(limit))
        return [(hb_id, token) for hb_id, token in rows]


async def count_rows(db: Database, table: Any) -> int:
    async with db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def database_bytes(target: Target, db: Database) -> int:
    """The size on disk: the SQLite file and its WAL, or the PostgreSQL database."""
    if target.is_sqlite:
        path = Path(make_url(normalize_url(target.url)).database or "")
        _sqlite(path, "PRAGMA wal_checkpoint(TRUNCATE)")
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    async with db.read() as session:
        await session.execute(text("CHECKPOINT"))
        return int(await session.scalar(text("SELECT pg_database_size(current_database())")))


def _sqlite(path: Path, sql: str) -> None:
    """A statement outside any transaction, which the engines' BEGIN IMMEDIATE would open."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute(sql)
    finally:
        connection.close()


async def vacuum_analyze(target: Target, db: Database) -> None:
    """Fresh planner statistics, as a database that has been running a while would have."""
    engine = db.write_engine
    if target.is_sqlite:
        _sqlite(Path(make_url(normalize_url(target.url)).database or ""), "ANALYZE")
        return
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.exec_driver_sql("VACUUM ANALYZE")


# -- the server --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Server:
    base: str
    pid: int
    log: Path


@contextmanager
def running_server(target: Target, **env: str) -> Iterator[Server]:
    """`cronbeat serve` on a free port of 127.0.0.1 on `target`, until the block ends."""
    port = free_port()
    environment = {**os.environ, "CRONBEAT_DATA_DIR": str(target.data_dir),
                   "CRONBEAT_DATABASE_URL": target.url, "CRONBEAT_PORT": str(port),
                   "CRONBEAT_LOG_LEVEL": "warning",
                   # The throughput bench floods one URL on purpose: no per-URL limit.
                   "CRONBEAT_PING_RATE_LIMIT": "0", **env}
    log_path = target.data_dir / f"serve-{port}.log"
    with log_path.open("w+") as log:
        process = subprocess.Popen([sys.executable, "-m", "cronbeat", "serve"],
                                   env=environment, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        spy = None
        try:
            _wait_until_up(base, process, log_path)
            if PROFILE:
                # Samples the whole life of the server; written when it exits.
                out = Path(PROFILE) / f"serve-{port}.txt"
                spy = subprocess.Popen(
                    [str(Path(sys.executable).parent / "py-spy"), "record", "-p",
                     str(process.pid), "-f", "raw", "-o", str(out), "-r", "50"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            yield Server(base, process.pid, log_path)
        finally:
            process.send_signal(signal.SIGTERM)
            if spy is not None:
                spy.wait(timeout=60)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_up(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"cronbeat serve exited:\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"cronbeat serve did not start:\n{log.read_text()}")


def timed_get(url: str, key: str, repeat: int = 20,
              cookies: dict[str, str] | None = None) -> tuple[float, float]:
    """p50 and max, in milliseconds, of `repeat` GETs of `url` with the API key (and, for
    dashboard pages, a session's cookies)."""
    times = []
    with httpx.Client(headers={"Authorization": f"Bearer {key}"}, timeout=30,
                      cookies=cookies) as client:
        client.get(url).raise_for_status()  # warm up: connection, caches
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(url).raise_for_status()
            times.append((time.perf_counter() - started) * 1000)
    return percentile(times, 50), max(times)


async def give_password(db: Database, email: str, password: str) -> None:
    from cronbeat.services.accounts import set_password, user_by_email

    async with db.write() as session:
        user = await user_by_email(session, email)
        assert user is not None
        await set_password(session, user, password)


def dashboard_session(base: str, email: str, password: str) -> dict[str, str]:
    """Log in through the dashboard's form; the session's cookies."""
    with httpx.Client(base_url=base, timeout=30) as client:
        form = client.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token, "the login form has a CSRF token"
        answer = client.post("/login", data={"csrf_token": token.group(1), "email": email,
                                             "password": password})
        assert answer.status_code == 303, answer.text[:200]
        return dict(client.cookies)


# -- wrk ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class WrkResult:
    requests: int
    ok: int  # 2xx answers
    per_second: float
    p50_ms: float
    p99_ms: float
    errors: int  # connect, read, write and timeout errors


def run_wrk(url: str, *, threads: int = 2, connections: int = 32, seconds: int = 10,
            **env: str) -> WrkResult:
    """wrk with bench/wrk.lua, which counts 2xx answers and prints its figures as
    `wrk_<name> <value>` lines. `env` configures the script (WRK_METHOD, WRK_BODY_BYTES,
    WRK_TOKENS, WRK_PREFIX)."""
    command = [WRK, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
               "-s", str(BENCH / "wrk.lua"), url]
    out = subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True,
                         check=True, timeout=seconds + 60).stdout
    figures = dict(re.findall(r"^wrk_(\w+) ([\d.]+)$", out, re.MULTILINE))
    return WrkResult(
        requests=int(figures["requests"]), ok=int(figures["ok"]),
        per_second=float(figures["requests"]) / (float(figures["duration_us"]) / 1e6),
        p50_ms=float(figures["p50_us"]) / 1000, p99_ms=float(figures["p99_us"]) / 1000,
        errors=int(figures["errors"]),
    )


def now_utc() -> datetime:
    return datetime.now(UTC)


# -- a webhook receiver ------------------------------------------------------------------------

class Receiver:
    """An HTTP server on 127.0.0.1, in its own thread and event loop, that answers every POST
    with 200 at once and records when each arrived (wall clock) with its JSON body."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, dict[str, Any]]] = []
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> Receiver:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *_: object) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _serve(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        server = loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", 0, backlog=1024))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        loop.run_forever()
        server.close()
        loop.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))  # type: ignore[union-attr]
                body = await reader.readexactly(length)
                self.arrivals.append((time.time(), json.loads(body)))
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
