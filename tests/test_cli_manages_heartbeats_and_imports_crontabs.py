"""`cronbeat heartbeats ...` and `cronbeat import-crontab` against a real server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import click
import httpx
import pytest
from click.testing import CliRunner

from cronbeat.cli_heartbeats import grace_for, register
from local_server import Server, running_server

CRONTABS = Path(__file__).parent / "crontabs"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("server")) as running:
        yield running


@pytest.fixture
def cli(server: Server):  # type: ignore[no-untyped-def]
    group = click.Group()
    register(group)
    runner = CliRunner()

    def run(*args: str) -> click.testing.Result:
        return runner.invoke(group, list(args), env={
            "CRONBEAT_URL": server.base, "CRONBEAT_API_KEY": server.key})

    return run


def test_heartbeats_can_be_added_listed_shown_paused_resumed_and_removed(cli, server: Server):
    added = cli("heartbeats", "add", "cli job", "--period", "1h", "--grace", "10m",
                "--tag", "cli", "--json")
    assert added.exit_code == 0, added.output
    made = json.loads(added.output)
    assert (made["period"], made["grace"], made["tags"]) == (3600, 600, ["cli"])
    assert httpx.get(made["ping_url"]).status_code == 200

    listed = cli("heartbeats", "list", "--tag", "cli")
    assert listed.exit_code == 0 and "cli job" in listed.output and "up" in listed.output
    shown = cli("heartbeats", "show", str(made["id"]))
    assert "every 1 hour" in shown.output and "success" in shown.output
    assert "is paused" in cli("heartbeats", "pause", str(made["id"])).output
    assert "cli job is up" in cli("heartbeats", "resume", str(made["id"])).output
    assert cli("heartbeats", "rm", str(made["id"])).exit_code == 0
    gone = cli("heartbeats", "show", str(made["id"]))
    assert gone.exit_code == 1
    assert f"no heartbeat with id {made['id']}" in gone.output


def test_a_bad_schedule_is_reported_in_one_line_without_a_traceback(cli):
    result = cli("heartbeats", "add", "bad", "--schedule", "61 * * * *")
    assert result.exit_code == 1
    assert "schedule: invalid cron expression '61 * * * *'" in result.output
    assert "Traceback" not in result.output


def test_importing_a_crontab_creates_each_job_once_and_rewrites_it(cli, server: Server):
    dry = cli("import-crontab", str(CRONTABS / "user.txt"), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "would create: nightly backup (30 2 * * *, Europe/Riga)" in dry.output
    assert "run --url <ping-url> -- sh -c" in dry.output

    first = cli("import-crontab", str(CRONTABS / "user.txt"))
    assert first.exit_code == 0, first.output
    assert first.output.count("created:") == 4
    assert "line 8: skipped: @reboot runs once at boot" in first.output
    assert "line 11: skipped: a cron line needs 5 time fields" in first.output
    headers = {"Authorization": f"Bearer {server.key}"}
    listed = httpx.get(f"{server.base}/api/v1/heartbeats", params={"tag": "crontab"},
                       headers=headers).json()["items"]
    by_name = {hb["name"]: hb for hb in listed}
    backup = by_name["nightly backup"]
    assert (backup["schedule"], backup["timezone"], backup["grace"]) == (
        "30 2 * * *", "Europe/Riga", 3600)
    assert by_name["/usr/local/bin/weekly-report"]["timezone"] == "America/New_York"
    assert by_name["/usr/local/bin/sync-orders | logger -t sync"]["grace"] == 300
    assert f"run --url {backup['ping_url']} -- sh -c" in first.output
    assert "MAILTO=ops@example.com" in first.output

    again = cli("import-crontab", str(CRONTABS / "user.txt"))
    assert "created:" not in again.output and again.output.count("exists:") == 4
    after = httpx.get(f"{server.base}/api/v1/heartbeats", params={"tag": "crontab"},
                      headers=headers).json()["items"]
    assert len(after) == 4


def test_a_missing_crontab_file_is_a_clear_error(cli, tmp_path: Path):
    result = cli("import-crontab", str(tmp_path / "nope"))
    assert result.exit_code != 0
    assert "nope" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(("schedule", "grace"), [
    ("* * * * *", 300), ("0 * * * *", 360), ("@daily", 3600), ("*/30 * * * *", 300)])
def test_the_grace_is_a_tenth_of_the_interval_within_five_minutes_and_an_hour(schedule, grace):
    assert grace_for(schedule, "UTC", datetime(2026, 3, 2, 12, 0, tzinfo=UTC)) == grace


@pytest.mark.parametrize("now", [
    datetime(2026, 3, 2, 15, 40, tzinfo=UTC),  # 17:40 in Riga: next run 17:45, then 09:00
    datetime(2026, 3, 6, 15, 50, tzinfo=UTC),  # Friday 17:50: next runs on Monday
    datetime(2026, 3, 7, 12, 0, tzinfo=UTC),  # Saturday
])
def test_the_grace_follows_the_shortest_interval_whenever_it_is_imported(now):
    # This test once failed in CI at 17:4x Riga time, when the next interval was overnight.
    assert grace_for("*/15 9-17 * * 1-5", "Europe/Riga", now) == 300
