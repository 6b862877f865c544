"""The daily digest, pure: when it is next due, at exact instants (across DST and midnight),
and what its message says."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from cronbeat.digest import (
    LISTED,
    Digest,
    DownEntry,
    next_digest_at,
    parse_time,
    render,
    worth_sending,
)
from cronbeat.enums import IncidentState


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("at", "zone", "after", "expected"),
    [
        # Berlin is UTC+1 in winter: 09:00 there is 08:00 UTC.
        ("09:00", "Europe/Berlin", utc(2026, 3, 2, 7, 59, 59), utc(2026, 3, 2, 8, 0)),
        ("09:00", "Europe/Berlin", utc(2026, 3, 2, 8, 0), utc(2026, 3, 3, 8, 0)),  # strictly after
        ("09:00", "Europe/Berlin", utc(2026, 3, 2, 12, 0), utc(2026, 3, 3, 8, 0)),
        # Clocks go forward on 29 March: 09:00 is 07:00 UTC from that day on.
        ("09:00", "Europe/Berlin", utc(2026, 3, 28, 8, 0), utc(2026, 3, 29, 7, 0)),
        # 02:30 does not exist on 29 March: sent an hour later, at 03:30 CEST.
        ("02:30", "Europe/Berlin", utc(2026, 3, 28, 2, 0), utc(2026, 3, 29, 1, 30)),
        # 02:30 happens twice on 25 October: sent the first time only ...
        ("02:30", "Europe/Berlin", utc(2026, 10, 24, 12, 0), utc(2026, 10, 25, 0, 30)),
        # ... and the next one is the day after, not an hour later.
        ("02:30", "Europe/Berlin", utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)),
        # Midnight in New York (UTC-5 in winter) is 05:00 UTC, on the next UTC day's date.
        ("00:00", "America/New_York", utc(2026, 3, 2, 4, 59), utc(2026, 3, 2, 5, 0)),
        ("00:00", "America/New_York", utc(2026, 3, 2, 5, 0), utc(2026, 3, 3, 5, 0)),
        ("23:59", "UTC", utc(2026, 12, 31, 23, 59, 30), utc(2027, 1, 1, 23, 59)),
        ("09:00", "Asia/Kolkata", utc(2026, 3, 2, 0, 0), utc(2026, 3, 2, 3, 30)),
        # A worker stopped for three days sends one digest on catching up, then the next
        # day's at its time: the next one is counted from now, not from the missed one.
        ("09:00", "UTC", utc(2026, 3, 5, 10, 0), utc(2026, 3, 6, 9, 0)),
    ],
)
def test_the_next_digest_is_the_next_time_the_local_clock_shows_its_time(
    at: str, zone: str, after: datetime, expected: datetime
) -> None:
    assert next_digest_at(parse_time(at), zone, after) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("09:00", time(9, 0)), ("9:05", time(9, 5)), (" 23:59 ", time(23, 59)), ("00:00", time(0)),
])
def test_times_of_day_are_read_as_hh_mm(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["24:00", "09:60", "0900", "09:5", "", "ab:cd", "9", "-1:00",
                                  "09:00:00", "\u00b9:00", "\u0660\u0669:\u0660\u0660"])
def test_anything_else_is_refused_with_the_form_to_use(text: str) -> None:
    with pytest.raises(ValueError, match=r"HH:MM|hours 00-23"):
        parse_time(text)


NOW = utc(2026, 3, 2, 8, 0)


def entry(number: int, *, since: datetime | None, **extra: object) -> DownEntry:
    values: dict[str, object] = {
        "heartbeat_id": number, "name": f"job-{number}", "tags": ("prod",), "since": since,
        "reason": "no ping since 2026-03-01 06:00:00 UTC", "incident_id": 100 + number,
        "state": IncidentState.OPEN,
    }
    values.update(extra)
    return DownEntry(**values)  # type: ignore[arg-type]


def test_the_digest_lists_each_heartbeat_down_with_how_long_and_who_acknowledged() -> None:
    digest = Digest(team_id=1, team_name="Ops", at=NOW, timezone="Europe/Berlin", watched=12,
                    down=[
                        entry(1, since=NOW - timedelta(days=2, hours=3),
                              state=IncidentState.ACKNOWLEDGED, acknowledged_by="Ana"),
                        entry(2, since=NOW - timedelta(minutes=90),
                              reason="failed with exit code 2"),
                        entry(3, since=NOW - timedelta(hours=1), suppressed=True),
                    ])
    message = render(digest, "https://cron.example", "key-1")

    assert message.subject == "[cronbeat] Daily digest: 3 heartbeats still down"
    assert message.text == (
        "3 heartbeats of Ops still down at 2026-03-02 09:00 Europe/Berlin:\n"
        "\n"
        "- job-1: down for 2 days 3 hours, no ping since 2026-03-01 06:00:00 UTC, "
        "acknowledged by Ana\n"
        "  https://cron.example/incidents/101\n"
        "- job-2: down for 1 hour 30 minutes, failed with exit code 2, not acknowledged\n"
        "  https://cron.example/incidents/102\n"
        "- job-3: down for 1 hour, no ping since 2026-03-01 06:00:00 UTC, not paged: the "
        "heartbeat it depends on is down\n"
        "  https://cron.example/incidents/103\n"
        "\n"
        "Dashboard: https://cron.example/heartbeats?status=down\n"
    )
    assert message.idempotency_key == "key-1"
    payload = message.payload
    assert payload["event"] == "digest" and payload["id"] == "key-1"
    assert payload["schema"] == "cronbeat.notification/v1"
    assert payload["team"] == {"id": 1, "name": "Ops"}
    assert payload["down_count"] == 3
    assert payload["down"][0] == {
        "heartbeat": {"id": 1, "name": "job-1", "tags": ["prod"]},
        "since": "2026-02-28T05:00:00+00:00",
        "reason": "no ping since 2026-03-01 06:00:00 UTC",
        "incident": {"id": 101, "state": "acknowledged", "acknowledged_by": "Ana",
                     "suppressed": False},
        "maintenance_until": None,
        "link": "https://cron.example/incidents/101",
    }
    assert payload["down"][2]["incident"]["suppressed"] is True


def test_names_are_escaped_in_the_html_part() -> None:
    digest = Digest(team_id=1, team_name="Ops", at=NOW, timezone="UTC", watched=1,
                    down=[entry(1, since=NOW, name="<script>x</script>")])
    html = render(digest, "https://cron.example", "k").html
    assert html is not None
    assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert '<a href="https://cron.example/incidents/101">' in html


def test_a_long_digest_names_the_first_hundred_and_counts_the_rest() -> None:
    down = [entry(n, since=NOW - timedelta(hours=n)) for n in range(1, LISTED + 8)]
    digest = Digest(team_id=1, team_name="Ops", at=NOW, timezone="UTC", watched=500, down=down)
    message = render(digest, "https://cron.example", "k")
    assert message.subject == f"[cronbeat] Daily digest: {LISTED + 7} heartbeats still down"
    assert message.text.count("\n- ") == LISTED
    assert "… and 7 more." in message.text
    assert len(message.payload["down"]) == LISTED and message.payload["down_count"] == LISTED + 7


def test_a_heartbeat_down_without_an_incident_links_to_itself() -> None:
    digest = Digest(team_id=1, team_name="Ops", at=NOW, timezone="UTC", watched=1,
                    down=[entry(7, since=None, incident_id=None, state=None, reason="down")])
    assert render(digest, "https://c", "k").text.splitlines()[2:4] == [
        "- job-7: down", "  https://c/heartbeats/7"]


def test_a_digest_sent_by_hand_with_nothing_down_says_so() -> None:
    digest = Digest(team_id=1, team_name="Ops", at=NOW, timezone="UTC", watched=1, down=[])
    message = render(digest, "https://c", "k")
    assert message.subject == "[cronbeat] Daily digest: nothing is down"
    assert message.text.startswith(
        "Nothing of Ops is down at 2026-03-02 08:00 UTC (1 heartbeat watched).")
    assert message.payload["down"] == [] and message.payload["down_count"] == 0


def test_a_heartbeat_inside_a_maintenance_window_says_until_when() -> None:
    until = NOW + timedelta(hours=2)
    digest = Digest(team_id=1, team_name="Ops", at=NOW, timezone="UTC", watched=2,
                    down=[entry(1, since=NOW - timedelta(hours=1), maintenance_until=until)])
    message = render(digest, "https://c", "k")
    assert message.text.splitlines()[2] == (
        "- job-1: down for 1 hour, no ping since 2026-03-01 06:00:00 UTC, not acknowledged, "
        "in maintenance until 2026-03-02 10:00 UTC")
    assert message.payload["down"][0]["maintenance_until"] == "2026-03-02T10:00:00+00:00"


def test_a_scheduled_digest_is_worth_sending_only_for_something_down_outside_maintenance(
) -> None:
    inside = entry(1, since=NOW, maintenance_until=NOW + timedelta(hours=1))
    outside = entry(2, since=NOW)

    def of(*down: DownEntry) -> Digest:
        return Digest(team_id=1, team_name="Ops", at=NOW, timezone="UTC", watched=3, down=down)

    assert not worth_sending(of())
    assert not worth_sending(of(inside))
    assert worth_sending(of(inside, outside))
