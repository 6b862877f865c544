"""`cronbeat maintenance ...`: maintenance windows on a running server."""

from __future__ import annotations

from typing import Any

import click

from cronbeat.cli_client import Api, say, table, with_api


@click.group()
def maintenance() -> None:
    """Maintenance windows: failures are recorded, nobody is paged until the window ends."""


@maintenance.command("list")
@with_api
def maintenance_list(api: Api) -> None:
    """List maintenance windows."""
    items = api.call("GET", "/maintenance-windows")
    api.show(items, lambda: table(
        ("ID", "Name", "For", "When", "On now until"),
        ((w["id"], w["name"], _for(w), _when(w), w["active_until"] or "") for w in items),
    ))


@maintenance.command("add")
@click.argument("name")
@click.option("--heartbeat", "heartbeat_id", type=int, help="For this heartbeat (its id)")
@click.option("--tag", help="For every heartbeat with this tag")
@click.option("--days", help="Recurring: days it starts on, e.g. sat,sun")
@click.option("--from", "start_time", metavar="HH:MM", help="Recurring: local start time")
@click.option("--to", "end_time", metavar="HH:MM",
              help="Recurring: local end time (not after --from: the next day)")
@click.option("--timezone", default="UTC", show_default=True, help="IANA time zone of the times")
@click.option("--starts-at", help="One-off: from, e.g. 2026-03-01T02:00:00Z")
@click.option("--ends-at", help="One-off: until, e.g. 2026-03-01T04:00:00Z")
@with_api
def maintenance_add(api: Api, name: str, **fields: Any) -> None:
    """Create a maintenance window, recurring or one-off."""
    made = api.call("POST", "/maintenance-windows", body=_body(name=name, **fields))
    api.show(made, lambda: say(f"created maintenance window {made['id']}: {made['name']}"))


@maintenance.command("edit")
@click.argument("window_id", type=int)
@click.option("--name", help="A new name")
@click.option("--heartbeat", "heartbeat_id", type=int, help="For this heartbeat instead")
@click.option("--tag", help="For every heartbeat with this tag instead")
@click.option("--days", help="Recurring: days it starts on, e.g. sat,sun")
@click.option("--from", "start_time", metavar="HH:MM", help="Recurring: local start time")
@click.option("--to", "end_time", metavar="HH:MM", help="Recurring: local end time")
@click.option("--timezone", help="IANA time zone of the times")
@click.option("--starts-at", help="One-off: from, e.g. 2026-03-01T02:00:00Z")
@click.option("--ends-at", help="One-off: until (cut a window that is on short: pages it "
              "held go then)")
@with_api
def maintenance_edit(api: Api, window_id: int, **fields: Any) -> None:
    """Change a maintenance window: only the options given. Recurring options make a one-off
    window recurring, and the other way."""
    body = _body(**fields)
    if not body:
        raise click.UsageError("give at least one option to change")
    changed = api.call("PATCH", f"/maintenance-windows/{window_id}", body=body)
    api.show(changed, lambda: say(f"changed maintenance window {changed['id']}: "
                                  f"{changed['name']}, {_when(changed)}"))


def _body(**fields: Any) -> dict[str, Any]:
    """The options given, as the API names them (`--days sat,Sunday` -> ["sat", "sun"])."""
    body = {key: value for key, value in fields.items() if value is not None}
    if "days" in body:
        body["days"] = [day.strip().lower()[:3] for day in body["days"].split(",")
                        if day.strip()]
    return body


@maintenance.command("rm")
@click.argument("window_id", type=int)
@with_api
def maintenance_rm(api: Api, window_id: int) -> None:
    """Delete a maintenance window."""
    api.call("DELETE", f"/maintenance-windows/{window_id}")
    api.show({"deleted": window_id}, lambda: say(f"deleted maintenance window {window_id}"))


def _for(window: dict[str, Any]) -> str:
    if window["heartbeat_id"] is not None:
        return f"heartbeat {window['heartbeat_id']}"
    return f"tag {window['tag']}"


def _when(window: dict[str, Any]) -> str:
    if window["starts_at"]:
        return f"{window['starts_at']} to {window['ends_at']}"
    return (f"{','.join(window['days'])} {window['start_time']}-{window['end_time']} "
            f"{window['timezone']}")


COMMANDS = (maintenance,)
