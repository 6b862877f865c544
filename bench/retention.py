"""Retention's effect on the ping path: wrk on random heartbeats that already hold their 100
pings, with the pruner passing every 5 seconds (every new ping makes one to delete),
against the same server configuration with nothing pruned, and the bare `/healthz`.

    python bench/retention.py [--postgres URL] [--heartbeats 10000] [--seconds 10]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    Target,
    WrkResult,
    count_rows,
    first_start,
    fresh_database,
    now_utc,
    on,
    run_wrk,
    running_server,
    say,
    seed_heartbeats,
    seed_pings,
    tokens_and_ids,
)

from cronbeat.db.models import Ping

KEEP = 100
SETTLE = 30  # seconds
PING = "/api/v1/heartbeat/"


def run(target: Target, tokens: Path, seconds: int, **env: str) -> tuple[WrkResult, WrkResult]:
    with running_server(target, **env) as server:
        # The pruner's first pass after a start walks every heartbeat once (it cannot know
        # what arrived while it was stopped); the steady state is what is measured here.
        time.sleep(SETTLE)
        run_wrk(server.base + "/healthz", seconds=2)  # warm up
        bare = run_wrk(server.base + "/healthz", seconds=seconds)
        pings = run_wrk(server.base + "/", seconds=seconds, WRK_TOKENS=str(tokens),
                        WRK_PREFIX=PING)
    return bare, pings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", help="run on PostgreSQL (a server URL)")
    parser.add_argument("--heartbeats", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--every", default="5", help="seconds between pruner passes "
                        "(the default of the server is 60: use --seconds 65 to see one)")
    args = parser.parse_args()
    with fresh_database(args.postgres) as target:
        db = target.database()
        now = now_utc()
        team_id, _ = on(db, first_start(db, now))
        on(db, seed_heartbeats(db, team_id, args.heartbeats, now,
                                    anchor=now - timedelta(minutes=1)))
        rows = on(db, tokens_and_ids(db))
        on(db, seed_pings(db, [hb_id for hb_id, _ in rows], KEEP, now))
        tokens = target.data_dir / "tokens.txt"
        tokens.write_text("\n".join(token for _, token in rows) + "\n")
        say("database", "sqlite" if target.is_sqlite else "postgresql")
        say("heartbeats", len(rows))
        say("pings_per_heartbeat_before", KEEP)
        say("prune_every_s", args.every)
        results = {
            "kept": run(target, tokens, args.seconds, CRONBEAT_PING_KEEP="1000000",
                        CRONBEAT_PING_PRUNE_EVERY="3600"),
            "pruned": run(target, tokens, args.seconds, CRONBEAT_PING_KEEP=str(KEEP),
                          CRONBEAT_PING_PRUNE_EVERY=args.every),
        }
        db = target.database()
        left = on(db, count_rows(db, Ping))
    for name, (bare, pings) in results.items():
        say(f"{name}_bare_requests_per_s", bare.per_second)
        say(f"{name}_pings_per_s", pings.per_second)
        say(f"{name}_p50_ms", pings.p50_ms)
        say(f"{name}_p99_ms", pings.p99_ms)
        say(f"{name}_ratio_to_bare", pings.per_second / bare.per_second)
    kept, pruned = results["kept"][1], results["pruned"][1]
    say("pruned_over_kept_pings_per_s", pruned.per_second / kept.per_second)
    say("pruned_over_kept_p99", pruned.p99_ms / kept.p99_ms)
    # The pings of the run without pruning, pruned by the next server: all back to 100 each
    # (give or take the last seconds, not yet pruned when the server stopped).
    say("pings_left_per_heartbeat", left / len(rows))


if __name__ == "__main__":
    main()
