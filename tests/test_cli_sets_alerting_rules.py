"""`cronbeat heartbeats add|edit` set a heartbeat's alerting rules on a real server."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import click
import httpx
import pytest
from click.testing import CliRunner, Result

from cronbeat.cli_heartbeats import register
from local_server import Server, running_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("server")) as running:
        yield running


@pytest.fixture
def cli(server: Server):  # type: ignore[no-untyped-def]
    group = click.Group()
    register(group)
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(group, list(args), env={
            "CRONBEAT_URL": server.base, "CRONBEAT_API_KEY": server.key})

    return run


def test_thresholds_are_set_on_add_changed_on_edit_and_shown_while_counting(cli):
    added = cli("heartbeats", "add", "flaky sync", "--period", "5m", "--failure-threshold", "3",
                "--json")
    assert added.exit_code == 0, added.output
    made = json.loads(added.output)
    assert (made["failure_threshold"], made["recovery_threshold"]) == (3, 1)

    edited = cli("heartbeats", "edit", str(made["id"]), "--recovery-threshold", "2")
    assert edited.exit_code == 0, edited.output
    assert "flaky sync" in edited.output

    assert httpx.get(made["ping_url"] + "/fail").status_code == 200
    shown = cli("heartbeats", "show", str(made["id"]))
    assert "up (failing 1 of 3)" in shown.output
    assert "page after 3 failure(s) in a row, resolve after 2 success(es)" in shown.output
    listed = json.loads(cli("heartbeats", "list", "--json").output)
    assert [hb["streak_text"] for hb in listed] == ["failing 1 of 3"]


def test_a_threshold_out_of_range_is_refused_before_any_request(cli):
    refused = cli("heartbeats", "add", "bad", "--period", "5m", "--failure-threshold", "0")
    assert refused.exit_code == 2
    assert "--failure-threshold" in refused.output


def test_edit_without_options_says_there_is_nothing_to_change(cli):
    refused = cli("heartbeats", "edit", "1")
    assert refused.exit_code == 2
    assert "nothing to change" in refused.output


def test_output_rules_are_set_in_the_order_given_and_the_matching_one_is_shown(cli):
    added = cli("heartbeats", "add", "etl", "--period", "1h",
                "--output-rule", "succeed:regex:^0 errors$", "--output-rule", "fail:keyword:ERROR",
                "--json")
    assert added.exit_code == 0, added.output
    made = json.loads(added.output)
    assert made["output_rules"] == [
        {"match": "regex", "pattern": "^0 errors$", "action": "succeed"},
        {"match": "keyword", "pattern": "ERROR", "action": "fail"},
    ]
    assert httpx.post(made["ping_url"], content=b"ERROR: no input").status_code == 200
    shown = cli("heartbeats", "show", str(made["id"]))
    assert "output rule #2: keyword 'ERROR' → fail" in shown.output
    assert "#2" in shown.output.split("Rule")[1]

    cleared = cli("heartbeats", "edit", str(made["id"]), "--no-output-rules", "--json")
    assert json.loads(cleared.output)["output_rules"] == []


def test_a_malformed_output_rule_is_refused_with_its_expected_form(cli):
    refused = cli("heartbeats", "add", "etl", "--period", "1h", "--output-rule", "ERROR")
    assert refused.exit_code == 2
    assert "ACTION:MATCH:PATTERN" in refused.output


def test_an_invalid_regular_expression_is_reported_by_the_server_in_one_line(cli):
    refused = cli("heartbeats", "add", "etl", "--period", "1h", "--output-rule",
                  "fail:regex:(unclosed")
    assert refused.exit_code == 1
    assert "output_rules.0.pattern: not a valid regular expression" in refused.output
    assert "Traceback" not in refused.output


def test_run_time_bounds_are_set_shown_and_switched_off(cli):
    added = cli("heartbeats", "add", "nightly", "--schedule", "30 2 * * *", "--min-runtime",
                "5m", "--max-runtime", "2h", "--early-tolerance", "1h", "--early-fails", "--json")
    assert added.exit_code == 0, added.output
    made = json.loads(added.output)
    assert (made["min_runtime"], made["early_tolerance"], made["early_fails"]) == (
        300, 3600, True)
    shown = cli("heartbeats", "show", str(made["id"]))
    assert "run time: at least 300 s, at most 7200 s" in shown.output
    assert "too early: more than 3600 s before its time (fails)" in shown.output

    edited = cli("heartbeats", "edit", str(made["id"]), "--min-runtime", "off",
                 "--early-tolerance", "off", "--early-flags", "--json")
    assert edited.exit_code == 0, edited.output
    changed = json.loads(edited.output)
    assert (changed["min_runtime"], changed["early_tolerance"], changed["early_fails"]) == (
        None, None, False)


def test_maintenance_windows_are_added_listed_and_removed(server: Server):
    from cronbeat.cli import main

    runner = CliRunner()
    env = {"CRONBEAT_URL": server.base, "CRONBEAT_API_KEY": server.key}
    added = runner.invoke(main, ["maintenance", "add", "sunday upgrades", "--tag", "db",
                                 "--days", "sat,Sunday", "--from", "23:00", "--to", "01:00",
                                 "--timezone", "Europe/Riga", "--json"], env=env)
    assert added.exit_code == 0, added.output
    made = json.loads(added.output)
    assert (made["days"], made["start_time"], made["end_time"]) == (["sat", "sun"], "23:00",
                                                                    "01:00")
    once = runner.invoke(main, ["maintenance", "add", "migration", "--tag", "db",
                                "--starts-at", "2026-03-01T02:00:00Z",
                                "--ends-at", "2026-03-01T04:00:00Z"], env=env)
    assert once.exit_code == 0, once.output
    listed = runner.invoke(main, ["maintenance", "list", "--json"], env=env)
    assert [w["name"] for w in json.loads(listed.output)] == ["sunday upgrades", "migration"]
    edited = runner.invoke(main, ["maintenance", "edit", str(made["id"]), "--name", "upgrades",
                                  "--to", "02:30", "--json"], env=env)
    assert edited.exit_code == 0, edited.output
    changed = json.loads(edited.output)
    assert (changed["name"], changed["days"], changed["start_time"], changed["end_time"],
            changed["timezone"]) == ("upgrades", ["sat", "sun"], "23:00", "02:30", "Europe/Riga")
    said = runner.invoke(main, ["maintenance", "edit", str(made["id"]), "--starts-at",
                                "2026-03-01T02:00:00Z", "--ends-at", "2026-03-01T03:00:00Z"],
                         env=env)
    assert said.exit_code == 0, said.output
    assert said.output.startswith(f"changed maintenance window {made['id']}: upgrades, "
                                  "2026-03-01T02:00:00Z to 2026-03-01T03:00:00Z")
    nothing = runner.invoke(main, ["maintenance", "edit", str(made["id"])], env=env)
    assert nothing.exit_code == 2 and "give at least one option" in nothing.output
    # Now one-off: a start time alone would make it recurring, but on no day.
    refused = runner.invoke(main, ["maintenance", "edit", str(made["id"]), "--from", "09:00"],
                            env=env)
    assert refused.exit_code == 1
    assert refused.output == "Error: days: give the days the window starts on, Monday to Sunday\n"
    removed = runner.invoke(main, ["maintenance", "rm", str(made["id"])], env=env)
    assert removed.exit_code == 0 and "deleted maintenance window" in removed.output
    bad = runner.invoke(main, ["maintenance", "add", "x", "--tag", "db", "--days", "mon",
                               "--from", "25:00", "--to", "01:00"], env=env)
    assert bad.exit_code == 1 and "start_time" in bad.output


def test_a_dependency_is_set_shown_and_cleared(cli):
    parent = json.loads(cli("heartbeats", "add", "db-host-alive", "--period", "1m",
                            "--json").output)
    child = cli("heartbeats", "add", "backup", "--period", "1h", "--depends-on",
                str(parent["id"]), "--json")
    assert child.exit_code == 0, child.output
    made = json.loads(child.output)
    assert made["depends_on"] == parent["id"]
    assert f"depends on heartbeat {parent['id']}" in cli("heartbeats", "show",
                                                         str(made["id"])).output
    cleared = cli("heartbeats", "edit", str(made["id"]), "--depends-on", "off", "--json")
    assert json.loads(cleared.output)["depends_on"] is None
    assert cli("heartbeats", "edit", str(made["id"]), "--depends-on", "x").exit_code == 2


def test_an_oncalendar_heartbeat_is_added_from_the_terminal(cli):
    added = cli("heartbeats", "add", "timer", "--oncalendar", "Mon..Fri 02:30", "--timezone",
                "Europe/Riga", "--json")
    assert added.exit_code == 0, added.output
    made = json.loads(added.output)
    assert (made["oncalendar"], made["schedule_text"]) == (
        "Mon..Fri 02:30", "OnCalendar Mon..Fri 02:30 (Europe/Riga)")


def test_the_daily_digest_is_set_shown_sent_and_turned_off(server: Server):
    from cronbeat.cli import main

    runner = CliRunner()
    env = {"CRONBEAT_URL": server.base, "CRONBEAT_API_KEY": server.key, "COLUMNS": "200"}

    def run(*args: str) -> Result:
        return runner.invoke(main, ["digest", *args], env=env)

    made = run("set", "09:00", "--timezone", "Europe/Berlin", "--to", "team", "--json")
    assert made.exit_code == 0, made.output
    setting = json.loads(made.output)
    assert (setting["time"], setting["timezone"], setting["targets"]) == (
        "09:00", "Europe/Berlin", [{"kind": "team", "ref": None}])
    assert setting["next_at"] is not None
    shown = run("show")
    assert shown.exit_code == 0
    assert shown.output.startswith("daily digest at 09:00 Europe/Berlin to the whole team; next at")

    sent = run("send")
    assert sent.exit_code == 0, sent.output
    # The server is shared with the tests above: some of their heartbeats may be down.
    assert re.fullmatch(r"digest queued \(\d+ down\): notification \d+\n", sent.output)

    bad_time = run("set", "25:00")
    assert bad_time.exit_code == 1 and "time: '25:00' is not a time of day" in bad_time.output
    for wrong in ("everyone", "channel:¹"):
        bad_to = run("set", "09:00", "--to", wrong)
        assert bad_to.exit_code == 2 and "use team, oncall" in bad_to.output
    missing = run("set", "09:00", "--to", "channel:999")
    assert missing.exit_code == 1 and "no channel with id 999" in missing.output

    off = run("off")
    assert off.exit_code == 0
    assert off.output.strip() == "the daily digest is off (recipients kept: the whole team)"
    assert json.loads(run("show", "--json").output)["next_at"] is None
