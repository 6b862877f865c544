"""`cronbeat digest ...`: the team's daily digest of what is still down, on a running server."""

from __future__ import annotations

from typing import Any

import click

from cronbeat.cli_client import Api, say, target_text, with_api

RECIPIENT_HELP = ("Who receives it (repeatable): team, oncall, oncall:SCHEDULE_ID, "
                  "member:ID or channel:ID  [default: team]")


@click.group()
def digest() -> None:
    """The daily digest: once a day, every heartbeat still down, in one message."""


@digest.command("show")
@with_api
def digest_show(api: Api) -> None:
    """Show when the digest goes out, and to whom."""
    setting = api.call("GET", "/team/digest")
    api.show(setting, lambda: _describe(setting))


@digest.command("set")
@click.argument("time", metavar="HH:MM")
@click.option("--timezone", default="UTC", show_default=True, help="IANA time zone of TIME")
@click.option("--to", "recipients", multiple=True, metavar="RECIPIENT", help=RECIPIENT_HELP)
@with_api
def digest_set(api: Api, time: str, timezone: str, recipients: tuple[str, ...]) -> None:
    """Send the digest every day at TIME (nothing is sent on a day when nothing is down)."""
    body = {"time": time, "timezone": timezone,
            "targets": [_target(text) for text in recipients or ("team",)]}
    setting = api.call("PUT", "/team/digest", body=body)
    api.show(setting, lambda: _describe(setting))


@digest.command("off")
@with_api
def digest_off(api: Api) -> None:
    """Stop sending the digest (its recipients are kept for `digest send`)."""
    current = api.call("GET", "/team/digest")
    setting = api.call("PUT", "/team/digest", body={
        "time": None, "timezone": current["timezone"], "targets": current["targets"]})
    api.show(setting, lambda: _describe(setting))


@digest.command("send")
@with_api
def digest_send(api: Api) -> None:
    """Send the digest now, even if nothing is down: to try it out."""
    sent = api.call("POST", "/team/digest/send")
    ids = ", ".join(str(n["notification_id"]) for n in sent["notifications"]) or "none"
    api.show(sent, lambda: say(f"digest queued ({sent['down']} down): notification {ids}"))


def _describe(setting: dict[str, Any]) -> None:
    to = ", ".join(target_text(t) for t in setting["targets"]) or "nobody"
    if setting["time"] is None:
        say(f"the daily digest is off (recipients kept: {to})")
        return
    say(f"daily digest at {setting['time']} {setting['timezone']} to {to}; "
        f"next at {setting['next_at']}")


def _target(text: str) -> dict[str, Any]:
    kind, _, ref = text.strip().lower().partition(":")
    kind = {"member": "user"}.get(kind, kind)
    number = ref.isascii() and ref.isdigit()  # isascii: int() refuses "¹", a digit to isdigit
    if kind not in ("team", "oncall", "user", "channel") or (ref and not number):
        raise click.BadParameter(
            f"{text!r}: use team, oncall, oncall:SCHEDULE_ID, member:ID or channel:ID",
            param_hint="--to")
    return {"kind": kind, "ref": int(ref) if ref else None}


COMMANDS = (digest,)
