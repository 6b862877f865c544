"""How the dashboard reads durations people type and writes times and durations back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cronbeat.dashboard.formatting import ago, duration, local
from cronbeat.dashboard.forms import parse_seconds
from cronbeat.errors import Invalid

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "seconds"), [
    ("90", 90), ("90s", 90), ("5 min", 300), ("5m", 300), ("1h 30m", 5400), ("1h30m", 5400),
    ("2d", 172800), ("2 days", 172800), ("1 d 2 h", 93600), ("3 hours", 10800), ("", None),
    ("  45 sec ", 45), ("1 H", 3600),
])
def test_durations_are_read_as_people_write_them(text: str, seconds: int | None) -> None:
    assert parse_seconds("grace", text) == seconds


@pytest.mark.parametrize("text", ["soon", "5 fortnights", "1h and 5m", "-5", "1.5h", "5 min x"])
def test_a_duration_that_cannot_be_read_names_its_field(text: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_seconds("grace", text)
    assert caught.value.field == "grace"
    assert "write a duration such as" in caught.value.message


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0 s"), (45, "45 s"), (0.25, "0.2 s"), (60, "1 min"), (90, "1 min 30 s"),
    (3600, "1 h"), (5400, "1 h 30 min"), (86400, "1 d"), (93784, "1 d 2 h"), (None, ""),
])
def test_durations_are_written_with_their_two_largest_units(
    seconds: float | None, text: str
) -> None:
    assert duration(seconds) == text


def test_what_is_written_back_reads_the_same() -> None:
    for seconds in (1, 59, 60, 61, 3599, 3600, 5400, 86400, 90000):
        text = duration(seconds)
        assert parse_seconds("period", text) == seconds


@pytest.mark.parametrize(("delta", "text"), [
    (timedelta(seconds=2), "just now"), (timedelta(seconds=30), "30 s ago"),
    (timedelta(minutes=3, seconds=20), "3 min ago"), (timedelta(hours=-2), "in 2 h"),
    (timedelta(days=1, hours=3), "1 d 3 h ago"),
])
def test_instants_are_told_relative_to_now(delta: timedelta, text: str) -> None:
    assert ago(NOW - delta, NOW) == text
    assert ago(None, NOW) == "never"


def test_instants_are_shown_in_the_readers_time_zone() -> None:
    assert local(NOW, "Europe/Riga") == "2026-03-02 14:00 EET"
    summer = NOW + timedelta(days=60)
    assert local(summer, "Europe/Riga", seconds=True) == "2026-05-01 15:00:00 EEST"
    assert local(None, "UTC") == ""
