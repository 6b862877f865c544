"""`cronbeat members|channels|schedules|oncall|overrides|policies|incidents`: commands that
talk to a running server over its REST API. They parse options, call the API and print a
table (or, with --json, the raw answer); every rule lives in the server."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console

if TYPE_CHECKING:
    import httpx

DEFAULT_URL = "http://127.0.0.1:8000"
TIMEOUT = 15.0
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


@dataclass(frozen=True)
class Api:
    url: str
    key: str | None
    as_json: bool

    def call(self, method: str, path: str, *, body: Any = None,
             params: dict[str, str] | None = None) -> Any:
        import httpx  # here: it takes longer to import than all of click

        if not self.key:
            raise click.ClickException("no API key: pass --api-key or set CRONBEAT_API_KEY")
        base = self.url.rstrip("/")
        try:
            response = httpx.request(method, f"{base}/api/v1{path}", json=body, params=params,
                                     headers={"Authorization": f"Bearer {self.key}"},
                                     timeout=TIMEOUT)
        except httpx.ConnectError as exc:
            why = "connection refused" if "refused" in str(exc).lower() else str(exc)
            raise click.ClickException(
                f"cannot connect to cronbeat at {base}: {why} (is `cronbeat serve` running?)"
            ) from None
        except httpx.TimeoutException:
            raise click.ClickException(f"cronbeat at {base} did not answer in time") from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise click.ClickException(f"cannot reach cronbeat at {base}: {exc}") from None
        if response.status_code >= 400:
            raise click.ClickException(_error_message(response))
        if response.status_code == 204:
            return None
        try:
            return response.json()
        except ValueError:
            raise click.ClickException(
                f"{base} answered something that is not cronbeat's JSON") from None

    def show(self, data: Any, render: Callable[[], None]) -> None:
        if self.as_json:
            click.echo(json.dumps(data, indent=2))
        else:
            render()


def _error_message(response: httpx.Response) -> str:
    try:
        message = response.json()["error"]["message"]
    except (ValueError, KeyError, TypeError):
        message = " ".join(response.text.split())[:200] or response.reason_phrase
    return str(message)


def with_api(command: Callable[..., None]) -> Callable[..., None]:
    """Adds --url, --api-key and --json, and passes the command an Api."""

    @click.option("--json", "as_json", is_flag=True, help="Print the raw JSON answer")
    @click.option("--api-key", envvar="CRONBEAT_API_KEY",
                  help="API key [env CRONBEAT_API_KEY]")
    @click.option("--url", envvar="CRONBEAT_URL", default=DEFAULT_URL, show_default=True,
                  help="The cronbeat server [env CRONBEAT_URL]")
    @functools.wraps(command)
    def wrapper(url: str, api_key: str | None, as_json: bool, **kwargs: Any) -> None:
        command(Api(url, api_key, as_json), **kwargs)

    return wrapper


def table(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    from rich.table import Table

    table = Table(*columns)
    for row in rows:
        table.add_row(*("" if cell is None else str(cell) for cell in row))
    Console().print(table)


def say(text: str) -> None:
    Console(highlight=False).print(text, markup=False, soft_wrap=True)


def duration_text(seconds: int) -> str:
    for unit in ("w", "d", "h", "m"):
        if seconds and seconds % UNITS[unit] == 0:
            return f"{seconds // UNITS[unit]}{unit}"
    return f"{seconds}s"


def parse_duration(text: str) -> int:
    text = text.strip().lower()
    unit = text[-1:] if text[-1:] in UNITS else "s"
    number = text[:-1] if text[-1:] in UNITS else text
    if not number.isascii() or not number.isdigit():
        raise click.BadParameter(f"{text!r}: give seconds, or a number and s, m, h, d or w")
    return int(number) * UNITS[unit]


# members


@click.group()
def members() -> None:
    """Members of the team and how to reach them."""


@members.command("list")
@with_api
def members_list(api: Api) -> None:
    """List the team's members."""
    found = api.call("GET", "/members")
    api.show(found, lambda: table(
        ["ID", "Name", "Email", "Time zone", "Admin"],
        [(m["id"], m["name"], m["email"], m["timezone"], "yes" if m["is_admin"] else "")
         for m in found]))


@members.command("add")
@click.argument("name")
@click.argument("email")
@click.option("--timezone", default="UTC", show_default=True, help="IANA time zone")
@with_api
def members_add(api: Api, name: str, email: str, timezone: str) -> None:
    """Add a member."""
    made = api.call("POST", "/members", body={"name": name, "email": email,
                                              "timezone": timezone})
    api.show(made, lambda: say(f"added member {made['id']}: {made['name']} <{made['email']}>"))


@members.command("rm")
@click.argument("member_id", type=int)
@with_api
def members_rm(api: Api, member_id: int) -> None:
    """Delete a member (they leave every rotation)."""
    api.call("DELETE", f"/members/{member_id}")
    api.show({"deleted": member_id}, lambda: say(f"deleted member {member_id}"))


@members.group("contact")
def contact() -> None:
    """A member's contact methods (email or apprise URL)."""


@contact.command("add")
@click.argument("member_id", type=int)
@click.argument("kind", type=click.Choice(["email", "apprise"]))
@click.argument("target")
@click.option("--label", default="", help="e.g. work, phone")
@with_api
def contact_add(api: Api, member_id: int, kind: str, target: str, label: str) -> None:
    """Add a way to reach a member."""
    made = api.call("POST", f"/members/{member_id}/contact-methods",
                    body={"kind": kind, "target": target, "label": label})
    api.show(made, lambda: say(
        f"added contact method {made['id']} to member {member_id}: {kind} {made['target']}"))


@contact.command("list")
@click.argument("member_id", type=int)
@with_api
def contact_list(api: Api, member_id: int) -> None:
    """List a member's contact methods."""
    found = api.call("GET", f"/members/{member_id}/contact-methods")
    api.show(found, lambda: table(["ID", "Kind", "Target", "Label"],
                                   [(m["id"], m["kind"], m["target"], m["label"])
                                    for m in found]))


# channels


@click.group()
def channels() -> None:
    """Team channels: webhooks, email lists, chat via apprise."""


@channels.command("list")
@with_api
def channels_list(api: Api) -> None:
    """List the team's channels."""
    found = api.call("GET", "/channels")
    api.show(found, lambda: table(
        ["ID", "Name", "Kind", "Target", "Signed"],
        [(c["id"], c["name"], c["kind"], c["target"], "yes" if c["signed"] else "")
         for c in found]))


@channels.command("add")
@click.argument("name")
@click.argument("kind", type=click.Choice(["email", "webhook", "apprise"]))
@click.argument("target")
@with_api
def channels_add(api: Api, name: str, kind: str, target: str) -> None:
    """Add a channel; a webhook's signing secret is printed once."""
    made = api.call("POST", "/channels", body={"name": name, "kind": kind, "target": target})

    def render() -> None:
        say(f"added channel {made['id']}: {made['name']} ({made['kind']} {made['target']})")
        if made.get("secret"):
            say(f"signing secret (shown only now): {made['secret']}")

    api.show(made, render)


@channels.command("rm")
@click.argument("channel_id", type=int)
@with_api
def channels_rm(api: Api, channel_id: int) -> None:
    """Delete a channel."""
    api.call("DELETE", f"/channels/{channel_id}")
    api.show({"deleted": channel_id}, lambda: say(f"deleted channel {channel_id}"))


@channels.command("test")
@click.argument("channel_id", type=int)
@with_api
def channels_test(api: Api, channel_id: int) -> None:
    """Queue a test notification to the channel."""
    queued = api.call("POST", f"/channels/{channel_id}/test")
    api.show(queued, lambda: say(
        f"test notification {queued['notification_id']} queued ({queued['status']}); follow "
        f"it at {api.url.rstrip('/')}/api/v1/notifications/{queued['notification_id']}"))


# schedules, on call, overrides


@click.group()
def schedules() -> None:
    """On-call schedules (rotations)."""


@schedules.command("list")
@with_api
def schedules_list(api: Api) -> None:
    """List the on-call schedules."""
    found = api.call("GET", "/schedules")
    api.show(found, lambda: table(
        ["ID", "Name", "Members", "Hand-off", "Shift", "Since"],
        [(s["id"], s["name"], ", ".join(str(m) for m in s["member_ids"]),
          f"{s['handoff']} {s['timezone']}", duration_text(s["shift"]), s["start_date"])
         for s in found]))


@schedules.command("add")
@click.argument("name")
@click.option("--member", "member_ids", type=int, multiple=True,
              help="A member id; repeat in rotation order")
@click.option("--timezone", default="UTC", show_default=True, help="IANA time zone")
@click.option("--handoff", default="09:00", show_default=True, help="Local time, HH:MM")
@click.option("--shift", default="1w", show_default=True, help="e.g. 1w, 1d, 12h, 3600")
@click.option("--start", help="Date of the first hand-off, YYYY-MM-DD [default: today]")
@with_api
def schedules_add(api: Api, name: str, member_ids: tuple[int, ...], timezone: str,
                  handoff: str, shift: str, start: str | None) -> None:
    """Add a schedule: members take turns, handing off at a local time."""
    body: dict[str, Any] = {"name": name, "member_ids": list(member_ids),
                            "timezone": timezone, "handoff": handoff,
                            "shift": parse_duration(shift)}
    if start is not None:
        body["start_date"] = start
    made = api.call("POST", "/schedules", body=body)
    api.show(made, lambda: say(f"added schedule {made['id']}: {made['name']}"))


@schedules.command("rm")
@click.argument("schedule_id", type=int)
@with_api
def schedules_rm(api: Api, schedule_id: int) -> None:
    """Delete a schedule and its overrides."""
    api.call("DELETE", f"/schedules/{schedule_id}")
    api.show({"deleted": schedule_id}, lambda: say(f"deleted schedule {schedule_id}"))


@click.command("oncall")
@click.argument("schedule_id", type=int, required=False)
@click.option("--at", help="An instant with its offset, e.g. 2026-03-02T12:00Z [default: now]")
@with_api
def oncall(api: Api, schedule_id: int | None, at: str | None) -> None:
    """Who is on call now (or --at an instant), and the next hand-offs."""
    params = {} if at is None else {"at": at}
    if schedule_id is not None:
        answer = api.call("GET", f"/schedules/{schedule_id}/oncall", params=params)
        api.show(answer, lambda: _show_handoffs(answer))
        return
    answers = [api.call("GET", f"/schedules/{s['id']}/oncall", params=params) | {
        "schedule": s["name"]} for s in api.call("GET", "/schedules")]
    api.show(answers, lambda: table(
        ["Schedule", "On call", "Until", "Then"],
        [(f"{a['schedule']} ({a['schedule_id']})", _who(a["user"]),
          a["next_handoffs"][0]["at"] if a["next_handoffs"] else "",
          _who(a["next_handoffs"][0]["user"]) if a["next_handoffs"] else "")
         for a in answers]))


def _who(user: dict[str, Any] | None) -> str:
    return "nobody" if user is None else f"{user['name']} ({user['id']})"


def _show_handoffs(answer: dict[str, Any]) -> None:
    say(f"on call at {answer['at']}: {_who(answer['user'])}")
    table(["From", "On call"], [(h["at"], _who(h["user"])) for h in answer["next_handoffs"]])


@click.group()
def overrides() -> None:
    """Overrides: someone else on call for a while."""


@overrides.command("add")
@click.argument("schedule_id", type=int)
@click.argument("member_id", type=int)
@click.argument("starts")
@click.argument("ends")
@with_api
def overrides_add(api: Api, schedule_id: int, member_id: int, starts: str, ends: str) -> None:
    """Put a member on call from STARTS to ENDS, instants with their offset such as
    2026-03-02T09:00+02:00."""
    made = api.call("POST", f"/schedules/{schedule_id}/overrides",
                    body={"member_id": member_id, "starts_at": starts, "ends_at": ends})
    api.show(made, lambda: say(
        f"added override {made['id']}: member {member_id} on call from {made['starts_at']} "
        f"to {made['ends_at']}"))


@overrides.command("list")
@click.argument("schedule_id", type=int)
@with_api
def overrides_list(api: Api, schedule_id: int) -> None:
    """List a schedule's overrides, oldest first."""
    found = api.call("GET", f"/schedules/{schedule_id}/overrides")
    api.show(found, lambda: table(["ID", "Member", "From", "To"], [
        (o["id"], o["member_id"], o["starts_at"], o["ends_at"]) for o in found]))


@overrides.command("rm")
@click.argument("schedule_id", type=int)
@click.argument("override_id", type=int)
@with_api
def overrides_rm(api: Api, schedule_id: int, override_id: int) -> None:
    """Delete an override."""
    api.call("DELETE", f"/schedules/{schedule_id}/overrides/{override_id}")
    api.show({"deleted": override_id}, lambda: say(f"deleted override {override_id}"))


# policies


@click.group()
def policies() -> None:
    """Escalation policies."""


@policies.command("list")
@with_api
def policies_list(api: Api) -> None:
    """List the escalation policies."""
    found = api.call("GET", "/policies")
    api.show(found, lambda: table(
        ["ID", "Name", "Steps", "Repeat", "Default"],
        [(p["id"], p["name"], len(p["steps"]), p["repeat"], "yes" if p["is_default"] else "")
         for p in found]))


@policies.command("show")
@click.argument("policy_id", type=int)
@with_api
def policies_show(api: Api, policy_id: int) -> None:
    """Show a policy's steps."""
    policy = api.call("GET", f"/policies/{policy_id}")

    def render() -> None:
        default = " (the team's default)" if policy["is_default"] else ""
        say(f"policy {policy['id']}: {policy['name']}{default}")
        table(["Step", "After", "Pages"], [
            (n, duration_text(step["wait"]), ", ".join(target_text(t) for t in step["targets"]))
            for n, step in enumerate(policy["steps"], start=1)])
        if policy["repeat"]:
            say(f"then again {policy['repeat']} times, "
                 f"{duration_text(policy['repeat_delay'])} after the last step")
        if policy.get("realert_every"):
            say(f"re-alert every {duration_text(policy['realert_every'])} while open and "
                "unacknowledged")

    api.show(policy, render)


def target_text(target: dict[str, Any]) -> str:
    kind, ref = target["kind"], target["ref"]
    if kind == "team":
        return "the whole team"
    if kind == "oncall":
        return "on call (first schedule)" if ref is None else f"on call (schedule {ref})"
    return f"{'member' if kind == 'user' else kind} {ref}"


# incidents


@click.group()
def incidents() -> None:
    """Incidents: list, acknowledge, resolve."""


@incidents.command("list")
@click.option("--state", type=click.Choice(["open", "acknowledged", "resolved"]))
@with_api
def incidents_list(api: Api, state: str | None) -> None:
    """List incidents, newest first."""
    found = api.call("GET", "/incidents", params={} if state is None else {"state": state})
    api.show(found, lambda: table(
        ["ID", "Heartbeat", "State", "Reason", "Opened", "By"],
        [(i["id"], i["heartbeat_id"], i["state"], i["reason"], i["opened_at"],
          i["resolved_by"] or i["acknowledged_by"]) for i in found["items"]]))


@incidents.command("ack")
@click.argument("incident_id", type=int)
@with_api
def incidents_ack(api: Api, incident_id: int) -> None:
    """Acknowledge an incident: its escalation stops."""
    done = api.call("POST", f"/incidents/{incident_id}/acknowledge")
    api.show(done, lambda: say(f"incident {incident_id} acknowledged"))


@incidents.command("resolve")
@click.argument("incident_id", type=int)
@with_api
def incidents_resolve(api: Api, incident_id: int) -> None:
    """Resolve an incident by hand."""
    done = api.call("POST", f"/incidents/{incident_id}/resolve")
    api.show(done, lambda: say(f"incident {incident_id} resolved"))


COMMANDS = (members, channels, schedules, oncall, overrides, policies, incidents)


def register(main: click.Group) -> None:
    """Add the client commands to the `cronbeat` command."""
    for command in COMMANDS:
        main.add_command(command)
