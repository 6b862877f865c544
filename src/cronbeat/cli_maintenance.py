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
    body: dict[str, Any] = {"name": name, "timezone": fields.pop("timezone")}
    days = fields.pop("days")
    if days:
        body["days"] = [day.strip().lower()[:3] for day in days.split(",") if day.strip()]
    body.update({key: value for key, value in fields.items() if value is not None})
    made = api.call("POST", "/maintenance-windows", body=body)
    api.show(made, lambda: say(f"created maintenance window {made['id']}: {made['name']}"))


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
