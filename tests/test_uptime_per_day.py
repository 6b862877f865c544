"""The 90-day uptime bar's figures, from flips, with exact instants."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from cronbeat.enums import Status
from cronbeat.uptime import daily

UP, DOWN, PAUSED, LATE = Status.UP, Status.DOWN, Status.PAUSED, Status.LATE


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_a_heartbeat_up_all_along_is_up_every_day_and_today_counts_until_now() -> None:
    days = daily(UP, [], at("2026-03-03T06:00"), 3, "UTC")
    assert [d.day for d in days] == [date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)]
    assert [(d.watched, d.down) for d in days] == [(86400, 0), (86400, 0), (21600, 0)]
    assert [d.ratio for d in days] == [1, 1, 1]


def test_down_time_is_split_at_midnight() -> None:
    flips = [(at("2026-03-01T23:00"), DOWN), (at("2026-03-02T01:00"), UP)]
    days = daily(UP, flips, at("2026-03-02T12:00"), 2, "UTC")
    assert [d.down for d in days] == [3600, 3600]
    assert days[1].watched == 12 * 3600


@pytest.mark.parametrize(("status", "watched", "down"), [
    (PAUSED, 0, 0), (None, 0, 0), (LATE, 86400, 0), (DOWN, 86400, 86400),
])
def test_what_counts_as_watched_and_down(
    status: Status | None, watched: float, down: float
) -> None:
    full = daily(status, [], at("2026-03-03T00:00"), 2, "UTC")[0]
    assert (full.watched, full.down) == (watched, down)
    assert full.ratio is None if watched == 0 else full.ratio == 1 - down / watched


def test_days_follow_the_readers_time_zone_across_a_dst_change() -> None:
    # Riga moved to summer time on 2026-03-29: that local day has 23 hours.
    days = daily(UP, [], at("2026-03-30T12:00"), 3, "Europe/Riga")
    assert [d.day for d in days] == [date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30)]
    assert [d.watched for d in days[:2]] == [86400, 23 * 3600]


def test_a_day_half_down_has_ratio_one_half() -> None:
    flips = [(at("2026-03-01T00:00"), DOWN), (at("2026-03-01T12:00"), UP)]
    (day, _) = daily(PAUSED, flips, at("2026-03-02T00:00"), 2, "UTC")
    assert day.ratio == 0.5
