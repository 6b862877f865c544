"""Ping throughput: wrk on one heartbeat's ping URL (GET, and POST with a 1 kB body), on
random heartbeats among 10,000, and on the bare `/healthz` of the same server (no database)
as the baseline. Afterwards, the pings stored must equal the 2xx answers.

    python bench/throughput.py [--postgres URL] [--heartbeats 10000] [--seconds 10]
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
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
    tokens_and_ids,
)

from cronbeat.db.models import Ping

PING = "/api/v1/heartbeat/"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", help="run on PostgreSQL (a server URL)")
    parser.add_argument("--heartbeats", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    with fresh_database(args.postgres) as target:
        db = target.database()
        team_id, _ = on(db, first_start(db, now_utc()))
        # Up, as heartbeats of a fleet that has been pinging for a while: a first ping (which
        # also records the pending -> up flip) happens once in a heartbeat's life.
        on(db, seed_heartbeats(db, team_id, args.heartbeats, now_utc(),
                                    anchor=now_utc() - timedelta(minutes=1)))
        tokens = [token for _, token in on(db, tokens_and_ids(db))]
        tokens_file = target.data_dir / "tokens.txt"
        tokens_file.write_text("\n".join(tokens) + "\n")
        say("database", "sqlite" if target.is_sqlite else "postgresql")
        say("heartbeats", len(tokens))
        # Retention is left out here (every ping is kept) so that stored rows can be counted
        # against the 2xx answers; bench/retention.py measures its effect on the ping path.
        with running_server(target, CRONBEAT_PING_KEEP="1000000") as server:
            def wrk(path: str, **env: str) -> WrkResult:
                return run_wrk(server.base + path, seconds=args.seconds,
                               connections=args.connections, **env)

            wrk("/healthz")  # warm up
            bare = [wrk("/healthz")]
            say("bare_requests_per_s", bare[0].per_second)
            say("bare_p50_ms", bare[0].p50_ms)
            say("bare_p99_ms", bare[0].p99_ms)
            runs = {
                "ping_get_one": (PING + tokens[0], {}),
                "ping_post_1kb_one": (PING + tokens[0], {"WRK_METHOD": "POST",
                                                         "WRK_BODY_BYTES": "1024"}),
                "ping_get_random": ("/", {"WRK_TOKENS": str(tokens_file), "WRK_PREFIX": PING}),
            }
            results = {}
            for name, (path, env) in runs.items():
                db = target.database()
                before = on(db, count_rows(db, Ping))
                result = wrk(path, **env)
                after = on(db, count_rows(db, Ping))
                results[name] = (result, after - before)
            bare.append(wrk("/healthz"))
        baseline = sum(b.per_second for b in bare) / len(bare)
        say("bare_again_requests_per_s", bare[1].per_second)
        say("baseline_requests_per_s", baseline)
        for name, (result, stored) in results.items():
            say(f"{name}_pings_per_s", result.per_second)
            say(f"{name}_p50_ms", result.p50_ms)
            say(f"{name}_p99_ms", result.p99_ms)
            say(f"{name}_ratio_to_bare", result.per_second / baseline)
            say(f"{name}_2xx", result.ok)
            say(f"{name}_non_2xx", result.requests - result.ok)
            say(f"{name}_socket_errors", result.errors)
            say(f"{name}_stored", stored)
            # wrk stops with requests in flight: those may be stored yet never counted.
            say(f"{name}_lost", max(0, result.ok - stored))


if __name__ == "__main__":
    main()
