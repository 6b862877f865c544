"""The benches in bench/ are not run by CI (too slow, too noisy), but their smallest
configuration is, so that their seeding and measuring cannot silently rot."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import alert_latency
from harness import fresh_database


def test_the_alert_latency_bench_measures_every_alert_of_a_small_crowd():
    with fresh_database() as target:
        result = alert_latency.measure(target, count=20, window=1.0, lead=1.0, patience=20.0)
    assert len(result.crowd) == 20
    assert result.baseline is not None
    assert len(result.opened) == len(result.sent) == 21
    assert all(delay >= 0 for delay in result.crowd)
    assert result.rss_mb > 0
