"""Scale: the same measures at growing numbers of heartbeats, to show the costs stay flat.

For each size: the worker's cost to find due work (nothing due; the nearest deadline), one
page of the heartbeats API (the first, and one deep in the list), the server's RSS, and the
database size per heartbeat and per stored ping. Times are also printed as a ratio to the
smallest size of the same run, and pages as a ratio to the bare `/healthz`.

    python bench/scale.py                               # SQLite: 10k and 100k heartbeats
    python bench/scale.py --postgres URL                # PostgreSQL: 10k, 100k and 1M
    python bench/scale.py --sizes 1000,10000

More pages are timed by adding them to `PAGES` below: each is a name and a path, `{after}`
being an id half-way down the list; `dashboard_` pages are fetched with a logged-in session.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    Target,
    dashboard_session,
    database_bytes,
    first_start,
    fresh_database,
    give_password,
    heartbeat_row,
    insert_rows,
    now_utc,
    on,
    percentile,
    rss_mb,
    running_server,
    say,
    seed_pings,
    timed_get,
    tokens_and_ids,
    vacuum_analyze,
)

from cronbeat.db.engine import Database
from cronbeat.db.models import Heartbeat
from cronbeat.services.sweep import nearest_deadline, process_due

PAGES = {
    "healthz": "/healthz",  # the baseline: no database
    "api_page_first": "/api/v1/heartbeats?limit=50",
    "api_page_deep": "/api/v1/heartbeats?limit=50&after={after}",
    "dashboard_page_first": "/heartbeats",
    "dashboard_page_deep": "/heartbeats?after={after}",
}
PASSWORD = "bench password"
PINGED = 1000  # heartbeats given pings, to measure the size of a ping
PINGS_EACH = 100


@dataclass
class Figures:
    size: int
    times_ms: dict[str, float] = field(default_factory=dict)
    rss_mb: float = 0.0
    bytes_per_heartbeat: float = 0.0
    bytes_per_ping: float = 0.0


async def seed(db: Database, team_id: int, count: int, now: datetime) -> None:
    """Heartbeats up, with deadlines spread over the next day (none due during the run)."""
    rng = random.Random(count)
    chunk = 20_000
    for start in range(0, count, chunk):
        rows = [heartbeat_row(team_id, n, now,
                              anchor=now - timedelta(seconds=rng.uniform(0, 80_000)))
                for n in range(start, min(count, start + chunk))]
        await insert_rows(db, Heartbeat, rows)


async def find_due_ms(db: Database, now: datetime, repeat: int = 30) -> float:
    """What a worker pass costs when nothing is due: the claim and the nearest deadline."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        async with db.write() as session:
            assert await process_due(session, now) == 0
        async with db.read() as session:
            await nearest_deadline(session)
        times.append((time.perf_counter() - started) * 1000)
    return percentile(times, 50)


def measure(target: Target, size: int) -> Figures:
    figures = Figures(size)
    db = target.database()
    now = now_utc()
    team_id, key = on(db, first_start(db, now))
    empty = on(db, database_bytes(target, db))
    on(db, seed(db, team_id, size, now))
    with_heartbeats = on(db, database_bytes(target, db))
    ids = [hb_id for hb_id, _ in on(db, tokens_and_ids(db, limit=PINGED))]
    on(db, seed_pings(db, ids, PINGS_EACH, now))
    with_pings = on(db, database_bytes(target, db))
    figures.bytes_per_heartbeat = (with_heartbeats - empty) / size
    figures.bytes_per_ping = (with_pings - with_heartbeats) / (len(ids) * PINGS_EACH)
    on(db, vacuum_analyze(target, db))
    figures.times_ms["find_due_work"] = on(db, find_due_ms(db, now))
    on(db, give_password(db, "bench@localhost", PASSWORD))
    with running_server(target) as server:
        cookies = dashboard_session(server.base, "bench@localhost", PASSWORD)
        for name, path in PAGES.items():
            url = server.base + path.format(after=size // 2)
            figures.times_ms[name], _ = timed_get(
                url, key, cookies=cookies if name.startswith("dashboard_") else None)
        figures.rss_mb = rss_mb(server.pid)
    return figures


def report(all_figures: list[Figures]) -> None:
    first = all_figures[0]
    for figures in all_figures:
        n = figures.size
        for name, ms in figures.times_ms.items():
            say(f"{n}_{name}_p50_ms", ms)
            if figures is not first:
                say(f"{n}_{name}_ratio_to_{first.size}", ms / first.times_ms[name])
            if name.startswith("api_"):
                say(f"{n}_{name}_ratio_to_healthz", ms / figures.times_ms["healthz"])
        say(f"{n}_server_rss_mb", figures.rss_mb)
        say(f"{n}_db_bytes_per_heartbeat", figures.bytes_per_heartbeat)
        say(f"{n}_db_bytes_per_ping", figures.bytes_per_ping)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", help="run on PostgreSQL (a server URL)")
    parser.add_argument("--sizes", help="comma-separated numbers of heartbeats")
    args = parser.parse_args()
    default = "10000,100000,1000000" if args.postgres else "10000,100000"
    sizes = [int(size) for size in (args.sizes or default).split(",")]
    say("database", "postgresql" if args.postgres else "sqlite")
    results = []
    for size in sizes:
        with fresh_database(args.postgres) as target:
            results.append(measure(target, size))
    report(results)


if __name__ == "__main__":
    main()
