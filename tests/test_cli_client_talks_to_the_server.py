"""The client commands (`cronbeat members|channels|schedules|oncall|overrides|policies|
incidents`) against a real `cronbeat serve` process on a free port, on SQLite and PostgreSQL:
tables by default, the raw answer with --json, and every failure as one line with exit code 1.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import httpx
import pytest
from click.testing import CliRunner, Result

from cronbeat.cli_client import register
from cronbeat.db.engine import Database
from local_http_receiver import closed_port, running_receiver
from local_server import running_server


@dataclass(frozen=True)
class Server:
    url: str
    key: str

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=5,
                            headers={"Authorization": f"Bearer {self.key}"})


@pytest.fixture
def server(db: Database, database_url: str, tmp_path: Path) -> Iterator[Server]:
    """`cronbeat serve` on the test database (emptied by the `db` fixture), worker included."""
    with running_server(tmp_path, CRONBEAT_DATABASE_URL=database_url) as running:
        yield Server(running.base, running.key)


@pytest.fixture
def cronbeat() -> click.Group:
    """A `cronbeat` command with the client commands registered, as cli.py registers them."""
    group = click.Group("cronbeat")
    register(group)
    return group


def run(cronbeat: click.Group, server: Server | None, *args: str,
        key: str | None = None) -> Result:
    env = {"COLUMNS": "200", "CRONBEAT_URL": None, "CRONBEAT_API_KEY": None}
    if server is not None:
        env |= {"CRONBEAT_URL": server.url, "CRONBEAT_API_KEY": key or server.key}
    return CliRunner().invoke(cronbeat, list(args), env=env)


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def parsed(result: Result) -> Any:
    return json.loads(ok(result))


def failed(result: Result) -> str:
    """The one line a failing command prints."""
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    [line] = result.output.splitlines()
    return line


def test_members_and_their_contact_methods_are_managed_from_the_command_line(
    cronbeat: click.Group, server: Server
):
    added = parsed(run(cronbeat, server, "members", "add", "Ana", "ana@example.test",
                       "--timezone", "Europe/Riga", "--json"))
    assert (added["name"], added["timezone"]) == ("Ana", "Europe/Riga")
    said = ok(run(cronbeat, server, "members", "add", "Bo", "bo@example.test"))
    assert re.fullmatch(r"added member \d+: Bo <bo@example\.test>\n", said)

    table = ok(run(cronbeat, server, "members", "list"))
    assert "ana@example.test" in table and "Europe/Riga" in table and "bo@example.test" in table
    assert [m["email"] for m in parsed(run(cronbeat, server, "members", "list", "--json"))] == [
        "admin@localhost", "ana@example.test", "bo@example.test"]

    method = parsed(run(cronbeat, server, "members", "contact", "add", str(added["id"]),
                        "email", "ana@home.test", "--json"))
    assert (method["member_id"], method["kind"], method["target"]) == (
        added["id"], "email", "ana@home.test")
    assert "ana@home.test" in ok(run(cronbeat, server, "members", "contact", "list",
                                     str(added["id"])))

    assert ok(run(cronbeat, server, "members", "rm", str(added["id"]))) == (
        f"deleted member {added['id']}\n")
    assert failed(run(cronbeat, server, "members", "rm", str(added["id"]))) == (
        f"Error: no member with id {added['id']}")


def test_a_channel_is_added_tested_and_removed(cronbeat: click.Group, server: Server):
    with running_receiver() as receiver:
        said = ok(run(cronbeat, server, "channels", "add", "ops hook", "webhook",
                      receiver.url()))
        channel_id = int(re.search(r"added channel (\d+)", said).group(1))  # type: ignore[union-attr]
        assert re.search(r"signing secret \(shown only now\): \S{43}", said)
        assert "ops hook" in ok(run(cronbeat, server, "channels", "list"))

        queued = parsed(run(cronbeat, server, "channels", "test", str(channel_id), "--json"))
        assert queued["status"] == "pending"
        # The server's own worker delivers it.
        with server.api() as api:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                shown = api.get(f"/api/v1/notifications/{queued['notification_id']}").json()
                if shown["status"] == "sent":
                    break
                time.sleep(0.05)
        assert shown["status"] == "sent", shown
    assert [json.loads(r.body)["event"] for r in receiver.requests] == ["test"]

    ok(run(cronbeat, server, "channels", "rm", str(channel_id)))
    assert parsed(run(cronbeat, server, "channels", "list", "--json")) == []


def test_it_says_who_is_on_call_and_takes_overrides(cronbeat: click.Group, server: Server):
    ana = parsed(run(cronbeat, server, "members", "add", "Ana", "ana@example.test", "--json"))
    bo = parsed(run(cronbeat, server, "members", "add", "Bo", "bo@example.test", "--json"))
    schedule = parsed(run(
        cronbeat, server, "schedules", "add", "primary", "--member", str(ana["id"]),
        "--member", str(bo["id"]), "--timezone", "Europe/Riga", "--handoff", "09:00",
        "--shift", "1w", "--start", "2026-02-23", "--json"))
    assert (schedule["shift"], schedule["member_ids"]) == (604800, [ana["id"], bo["id"]])
    assert "09:00 Europe/Riga" in ok(run(cronbeat, server, "schedules", "list"))

    at = parsed(run(cronbeat, server, "oncall", str(schedule["id"]), "--at",
                    "2026-03-02T12:00:00Z", "--json"))
    assert at["user"]["name"] == "Bo"
    assert [(h["at"], h["user"]["name"]) for h in at["next_handoffs"][:2]] == [
        ("2026-03-09T07:00:00Z", "Ana"), ("2026-03-16T07:00:00Z", "Bo")]
    shown = ok(run(cronbeat, server, "oncall", str(schedule["id"]), "--at",
                   "2026-03-02T12:00:00Z"))
    assert f"on call at 2026-03-02T12:00:00Z: Bo ({bo['id']})" in shown
    assert "2026-03-09T07:00:00Z" in shown

    said = ok(run(cronbeat, server, "overrides", "add", str(schedule["id"]), str(ana["id"]),
                  "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z"))
    assert said.startswith("added override ")
    everywhere = parsed(run(cronbeat, server, "oncall", "--at", "2026-03-02T12:00:00Z",
                            "--json"))
    assert [(a["schedule"], a["user"]["name"]) for a in everywhere] == [("primary", "Ana")]
    assert "primary" in ok(run(cronbeat, server, "oncall"))

    naive = failed(run(cronbeat, server, "oncall", str(schedule["id"]), "--at",
                       "2026-03-02T12:00"))
    assert naive.startswith("Error: at: ")
    ok(run(cronbeat, server, "schedules", "rm", str(schedule["id"])))
    assert parsed(run(cronbeat, server, "schedules", "list", "--json")) == []


def test_policies_are_listed_and_shown(cronbeat: click.Group, server: Server):
    [default] = parsed(run(cronbeat, server, "policies", "list", "--json"))
    assert default["is_default"] is True
    assert "Default" in ok(run(cronbeat, server, "policies", "list"))

    shown = ok(run(cronbeat, server, "policies", "show", str(default["id"])))

    assert f"policy {default['id']}: Default (the team's default)" in shown
    assert "on call (first schedule)" in shown and "the whole team" in shown and "5m" in shown


def test_incidents_are_listed_acknowledged_and_resolved(cronbeat: click.Group, server: Server):
    with server.api() as api:
        heartbeat = api.post("/api/v1/heartbeats", json={"name": "backup", "period": 3600})
        assert httpx.get(heartbeat.json()["ping_url"] + "/fail").status_code == 200
    [incident] = parsed(run(cronbeat, server, "incidents", "list", "--state", "open",
                            "--json"))["items"]
    assert "failed" in ok(run(cronbeat, server, "incidents", "list"))

    assert ok(run(cronbeat, server, "incidents", "ack", str(incident["id"]))) == (
        f"incident {incident['id']} acknowledged\n")
    resolved = parsed(run(cronbeat, server, "incidents", "resolve", str(incident["id"]),
                          "--json"))

    assert (resolved["state"], resolved["resolved_by"]) == ("resolved", "API key 'first key'")
    assert failed(run(cronbeat, server, "incidents", "resolve", str(incident["id"]))) == (
        f"Error: incident {incident['id']} is already resolved")


def test_what_the_server_refuses_is_said_in_one_line(cronbeat: click.Group, server: Server):
    assert failed(run(cronbeat, server, "members", "add", "Ana", "not-an-address")) == (
        "Error: email: an e-mail address needs exactly one @ with text on both sides")
    assert failed(run(cronbeat, server, "channels", "test", "999")) == (
        "Error: no channel with id 999")
    assert failed(run(cronbeat, server, "policies", "list", key="cb_wrong")) == (
        "Error: unknown or revoked API key")


def test_a_refused_connection_says_so_and_names_the_url(cronbeat: click.Group):
    with closed_port() as port:
        result = CliRunner().invoke(cronbeat, ["members", "list", "--url",
                                               f"http://127.0.0.1:{port}/", "--api-key", "k"])

    assert failed(result) == (
        f"Error: cannot connect to cronbeat at http://127.0.0.1:{port}: connection refused "
        "(is `cronbeat serve` running?)")


def test_without_an_api_key_it_says_how_to_give_one(cronbeat: click.Group):
    result = CliRunner().invoke(cronbeat, ["incidents", "list"],
                                env={"CRONBEAT_API_KEY": None})

    assert failed(result) == "Error: no API key: pass --api-key or set CRONBEAT_API_KEY"
