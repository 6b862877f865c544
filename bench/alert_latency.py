"""Alert latency: heartbeats whose deadlines fall inside the same minute, a webhook channel
pointing at a receiver on 127.0.0.1, and the delay from each deadline to the webhook's
arrival. One heartbeat falls due alone a few seconds earlier: its delay is the baseline.

    python bench/alert_latency.py [--postgres URL] [--heartbeats 10000] [--window 60]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    Receiver,
    Target,
    first_start,
    fresh_database,
    heartbeat_row,
    insert_rows,
    now_utc,
    on,
    percentile,
    rss_mb,
    running_server,
    say,
)
from sqlalchemy import select

from cronbeat.db.engine import Database
from cronbeat.db.models import Heartbeat, Incident, Team
from cronbeat.db.oncall_models import Channel, Policy
from cronbeat.db.outbox_models import Notification
from cronbeat.tokens import new_ping_token

PERIOD = 3600
BASELINE_BEFORE = 4.0  # seconds between the lone heartbeat's deadline and the crowd's


@dataclass(frozen=True)
class Delays:
    baseline: float | None  # seconds, the lone heartbeat's
    crowd: list[float]  # seconds, one per alert received for the crowd
    expected: int
    rss_mb: float
    opened: list[float]  # seconds from each deadline to its incident opening (the worker)
    sent: list[float]  # seconds from each incident opening to its webhook sent (the deliverer)


async def webhook_policy(db: Database, team_id: int, url: str, now: datetime) -> None:
    """A webhook channel and a team default policy that alerts it at once, as the channels
    and policies API would store them."""
    async with db.write() as session:
        channel = Channel(team_id=team_id, name="bench receiver", kind="webhook", target=url,
                          secret=new_ping_token(), created_at=now)
        session.add(channel)
        await session.flush()
        policy = Policy(team_id=team_id, name="webhook at once", repeat=0, repeat_delay=0,
                        steps=[{"wait": 0, "targets": [{"kind": "channel", "ref": channel.id}]}],
                        created_at=now)
        session.add(policy)
        await session.flush()
        team = await session.get_one(Team, team_id)
        team.default_policy_id = policy.id


async def seed(db: Database, team_id: int, deadlines: list[datetime], now: datetime) -> None:
    """Heartbeats that are up, with no grace: each goes down (and alerts) at its deadline."""
    rows = [heartbeat_row(team_id, n, now, period=PERIOD, grace=0,
                          anchor=deadline - timedelta(seconds=PERIOD))
            for n, deadline in enumerate(deadlines)]
    await insert_rows(db, Heartbeat, rows)


async def deadlines_by_id(db: Database) -> dict[int, float]:
    async with db.read() as session:
        rows = await session.execute(select(Heartbeat.id, Heartbeat.deadline))
        return {hb_id: deadline.timestamp() for hb_id, deadline in rows}


def measure(target: Target, count: int, window: float, lead: float = 15.0,
            patience: float = 600.0) -> Delays:
    """Seed `count` heartbeats due within `window` seconds starting `lead` seconds from now
    (plus the lone one before them), run the server, and collect the webhook arrivals,
    waiting up to `patience` seconds after the last deadline for them all."""
    db = target.database()
    now = now_utc()
    team_id, _ = on(db, first_start(db, now))
    start = now + timedelta(seconds=lead)
    rng = random.Random(7)
    crowd = sorted(start + timedelta(seconds=rng.uniform(0, window)) for _ in range(count))
    with Receiver() as receiver:
        on(db, webhook_policy(db, team_id, receiver.url(), now))
        lone = start - timedelta(seconds=BASELINE_BEFORE)
        on(db, seed(db, team_id, [lone, *crowd], now))
        due = on(db, deadlines_by_id(db))
        lone_id = min(due)
        with running_server(target) as server:
            end = start.timestamp() + window + patience
            while len(receiver.arrivals) < count + 1 and time.time() < end:
                time.sleep(0.2)
            memory = rss_mb(server.pid)
        opened, sent = asyncio.run(stages(target.database(), due))
    baseline = None
    delays = []
    for arrived, payload in receiver.arrivals:
        hb_id = payload["heartbeat"]["id"]
        if hb_id == lone_id:
            baseline = arrived - due[hb_id]
        else:
            delays.append(arrived - due[hb_id])
    return Delays(baseline, delays, count, memory, opened, sent)


async def stages(db: Database, due: dict[int, float]) -> tuple[list[float], list[float]]:
    """Where the delay went, from the rows: deadline -> incident opened -> webhook sent."""
    async with db.read() as session:
        rows = (await session.execute(
            select(Incident.heartbeat_id, Incident.opened_at, Notification.sent_at)
            .join(Notification, Notification.incident_id == Incident.id)
        )).all()
    await db.dispose()
    opened = [at.timestamp() - due[hb_id] for hb_id, at, _ in rows]
    sent = [(done - at).total_seconds() for _, at, done in rows if done is not None]
    return opened, sent


def report(result: Delays) -> None:
    say("alerts_expected", result.expected)
    say("alerts_received", len(result.crowd))
    say("alerts_missing", result.expected - len(result.crowd))
    if result.baseline is not None:
        say("baseline_lone_alert_delay_s", result.baseline)
    if result.crowd:
        p99 = percentile(result.crowd, 99)
        say("alert_delay_p50_s", percentile(result.crowd, 50))
        say("alert_delay_p99_s", p99)
        say("alert_delay_max_s", max(result.crowd))
        if result.baseline:
            say("alert_delay_p99_ratio_to_lone", p99 / result.baseline)
    if result.opened:
        say("worker_delay_p99_s", percentile(result.opened, 99))
    if result.sent:
        say("delivery_delay_p99_s", percentile(result.sent, 99))
    say("server_rss_mb", result.rss_mb)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", help="run on PostgreSQL (a server URL)")
    parser.add_argument("--heartbeats", type=int, default=10_000)
    parser.add_argument("--window", type=float, default=60.0,
                        help="seconds over which the deadlines are spread")
    args = parser.parse_args()
    with fresh_database(args.postgres) as target:
        say("database", "sqlite" if target.is_sqlite else "postgresql")
        say("heartbeats", args.heartbeats)
        say("window_s", args.window)
        report(measure(target, args.heartbeats, args.window))


if __name__ == "__main__":
    main()
