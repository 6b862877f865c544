"""`cronbeat heartbeats ...` and `cronbeat import-crontab`: heartbeats from the terminal,
against a running server's REST API."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cronbeat.cli_client import Api, parse_duration, say, table, with_api

if TYPE_CHECKING:
    from datetime import datetime

SYSTEM_CRONTABS = ("/etc/crontab", "/etc/cron.d/")
CRONTAB_TAG = "crontab"


def rule_options(command: Any) -> Any:
    """The per-heartbeat alerting options `add` and `edit` share."""
    options = [
        click.option("--failure-threshold", type=click.IntRange(1, 100),
                     help="Page on this many failures or misses in a row [default: 1]"),
        click.option("--recovery-threshold", type=click.IntRange(1, 100),
                     help="Resolve on this many successes in a row [default: 1]"),
        click.option("--output-rule", "output_rules", multiple=True,
                     metavar="ACTION:MATCH:PATTERN",
                     help="e.g. fail:keyword:ERROR or succeed:regex:'^0 errors$'; repeatable, "
                     "tried in the order given, the first match decides; on edit the list "
                     "replaces the old one"),
        click.option("--no-output-rules", is_flag=True, default=None,
                     help="Remove every output rule"),
        click.option("--min-runtime", help="A run (/start to success) shorter than this "
                     "fails, e.g. 5m; 'off' for none"),
        click.option("--early-tolerance", help="A run begun more than this before its "
                     "scheduled time is flagged too early, e.g. 1h; 'off' for never"),
        click.option("--early-fails/--early-flags", default=None,
                     help="A run begun too early fails, or is only flagged [default: flagged]"),
        click.option("--depends-on", help="Id of a heartbeat this one depends on (its "
                     "incidents page nobody while that one is down); 'off' for none"),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def rule_fields(rules: dict[str, Any]) -> dict[str, Any]:
    """The API fields of the options that were given."""
    fields = {name: value for name, value in rules.items()
              if value is not None and name not in ("output_rules", "no_output_rules")}
    for name in ("min_runtime", "early_tolerance"):
        if name in fields:
            fields[name] = None if fields[name] == "off" else parse_duration(fields[name])
    if "depends_on" in fields:
        fields["depends_on"] = None if fields["depends_on"] == "off" else _id(fields["depends_on"])
    if rules.get("no_output_rules"):
        fields["output_rules"] = []
    elif rules.get("output_rules"):
        fields["output_rules"] = [_output_rule(text) for text in rules["output_rules"]]
    return fields


def _id(text: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise click.BadParameter(f"{text!r}: give a heartbeat id or 'off'",
                                 param_hint="--depends-on")
    return int(text)


def _output_rule(text: str) -> dict[str, str]:
    action, _, rest = text.partition(":")
    match, _, pattern = rest.partition(":")
    if action not in ("fail", "succeed") or match not in ("keyword", "regex") or not pattern:
        raise click.BadParameter(f"{text!r}: use ACTION:MATCH:PATTERN, ACTION fail or succeed, "
                                 "MATCH keyword or regex", param_hint="--output-rule")
    return {"action": action, "match": match, "pattern": pattern}


def status_text(hb: dict[str, Any]) -> str:
    """The status, with "failing 2 of 3" and the like when a threshold is being counted."""
    streak = hb.get("streak_text")
    return f"{hb['status']} ({streak})" if streak else str(hb["status"])


@click.group()
def heartbeats() -> None:
    """Heartbeats on a running server."""


@heartbeats.command("list")
@click.option("--status", help="Only this status (up, late, down, running, paused, pending)")
@click.option("--tag", help="Only heartbeats with this tag")
@with_api
def heartbeats_list(api: Api, status: str | None, tag: str | None) -> None:
    """List heartbeats."""
    params = {k: v for k, v in (("status", status), ("tag", tag)) if v}
    items = all_heartbeats(api, params)
    api.show(items, lambda: table(
        ("ID", "Name", "Status", "Schedule", "Last ping", "Next due", "Tags"),
        ((hb["id"], hb["name"], status_text(hb), hb["schedule_text"], _when(hb["last_ping_at"]),
          _when(hb["next_due_at"]), ", ".join(hb["tags"])) for hb in items),
    ))


@heartbeats.command("add")
@click.argument("name")
@click.option("--period", help="Expected time between pings: seconds, or 30m, 1h, 1d...")
@click.option("--schedule", help="Cron expression or nickname, e.g. '30 2 * * *' or @daily")
@click.option("--oncalendar", help="systemd OnCalendar expression, e.g. 'Mon..Fri 02:30'")
@click.option("--timezone", default="UTC", show_default=True,
              help="IANA time zone of --schedule or --oncalendar")
@click.option("--grace", default="5m", show_default=True, help="Allowed lateness")
@click.option("--max-runtime", help="Longest run after a /start ping")
@click.option("--tag", "tags", multiple=True, help="A tag (repeatable)")
@rule_options
@with_api
def heartbeats_add(api: Api, name: str, period: str | None, schedule: str | None,
                   oncalendar: str | None, timezone: str, grace: str, max_runtime: str | None,
                   tags: tuple[str, ...], **rules: Any) -> None:
    """Create a heartbeat and print its ping URL."""
    body: dict[str, Any] = {"name": name, "grace": parse_duration(grace), "tags": list(tags)}
    body.update(rule_fields(rules))
    if period:
        body["period"] = parse_duration(period)
    if schedule:
        body.update(schedule=schedule, timezone=timezone)
    if oncalendar:
        body.update(oncalendar=oncalendar, timezone=timezone)
    if max_runtime:
        body["max_runtime"] = parse_duration(max_runtime)
    made = api.call("POST", "/heartbeats", body=body)
    api.show(made, lambda: say(f"created heartbeat {made['id']}: {made['ping_url']}"))


@heartbeats.command("edit")
@click.argument("heartbeat_id", type=int)
@rule_options
@with_api
def heartbeats_edit(api: Api, heartbeat_id: int, **rules: Any) -> None:
    """Change a heartbeat's alerting rules; what is not given stays as it is."""
    body = rule_fields(rules)
    if not body:
        raise click.UsageError("nothing to change: give at least one option")
    hb = api.call("PATCH", f"/heartbeats/{heartbeat_id}", body=body)
    api.show(hb, lambda: say(f"{hb['name']} (id {hb['id']}): {status_text(hb)}"))


@heartbeats.command("show")
@click.argument("heartbeat_id", type=int)
@with_api
def heartbeats_show(api: Api, heartbeat_id: int) -> None:
    """Show a heartbeat and its recent pings."""
    hb = api.call("GET", f"/heartbeats/{heartbeat_id}")
    pings = api.call("GET", f"/heartbeats/{heartbeat_id}/pings", params={"limit": "10"})

    def render() -> None:
        say(f"{hb['name']} (id {hb['id']}): {status_text(hb)}")
        say(f"schedule: {hb['schedule_text']}, grace {hb['grace']} s")
        say(f"page after {hb['failure_threshold']} failure(s) in a row, resolve after "
            f"{hb['recovery_threshold']} success(es) in a row")
        bounds = [f"at least {hb['min_runtime']} s" if hb["min_runtime"] else "",
                  f"at most {hb['max_runtime']} s" if hb["max_runtime"] else ""]
        if any(bounds):
            say("run time: " + ", ".join(b for b in bounds if b))
        if hb["depends_on"] is not None:
            say(f"depends on heartbeat {hb['depends_on']}")
        if hb["early_tolerance"] is not None:
            say(f"too early: more than {hb['early_tolerance']} s before its time "
                f"({'fails' if hb['early_fails'] else 'flagged'})")
        for number, rule in enumerate(hb["output_rules"], 1):
            say(f"output rule #{number}: {rule['match']} {rule['pattern']!r} → {rule['action']}")
        say(f"ping URL: {hb['ping_url']}")
        say(f"last ping: {_when(hb['last_ping_at'])}, next due: {_when(hb['next_due_at'])}")
        if hb["incident"]:
            say(f"incident {hb['incident']['id']}: {hb['incident']['reason']}, "
                f"{hb['incident']['state']}"
                + (", suppressed (a heartbeat it depends on is down)"
                   if hb["incident"]["suppressed"] else ""))
        table(("Received", "Kind", "Exit code", "Duration", "Rule", "Output"),
              ((_when(p["received_at"]), p["kind"], p["exit_code"], p["duration"],
                (p["rule"] or "").split(" ")[0], " ".join(p["body"].split())[:60])
               for p in pings))

    api.show({"heartbeat": hb, "pings": pings}, render)


@heartbeats.command("pause")
@click.argument("heartbeat_id", type=int)
@with_api
def heartbeats_pause(api: Api, heartbeat_id: int) -> None:
    """Pause: pings are recorded, nothing alerts."""
    hb = api.call("POST", f"/heartbeats/{heartbeat_id}/pause")
    api.show(hb, lambda: say(f"{hb['name']} is paused"))


@heartbeats.command("resume")
@click.argument("heartbeat_id", type=int)
@with_api
def heartbeats_resume(api: Api, heartbeat_id: int) -> None:
    """Resume monitoring, with a fresh period from now."""
    hb = api.call("POST", f"/heartbeats/{heartbeat_id}/resume")
    api.show(hb, lambda: say(f"{hb['name']} is {hb['status']}"))


@heartbeats.command("rm")
@click.argument("heartbeat_id", type=int)
@with_api
def heartbeats_rm(api: Api, heartbeat_id: int) -> None:
    """Delete a heartbeat with its pings and incidents."""
    api.call("DELETE", f"/heartbeats/{heartbeat_id}")
    api.show({"deleted": heartbeat_id}, lambda: say(f"deleted heartbeat {heartbeat_id}"))


@click.command("import-crontab")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--system", is_flag=True,
              help="The file has a user column (as /etc/crontab and /etc/cron.d do)")
@click.option("--timezone", help="Time zone of entries without CRON_TZ [default: this machine's]")
@click.option("--dry-run", is_flag=True, help="Show what would be created; create nothing")
@with_api
def import_crontab(api: Api, file: Path | None, system: bool, timezone: str | None,
                   dry_run: bool) -> None:
    """Create one heartbeat per crontab job and print the crontab rewritten to run each job
    under `cronbeat run`. FILE defaults to the current user's crontab. Running it again
    creates nothing twice."""
    from cronbeat.crontab import parse, rewrite

    text = _read_crontab(file)
    system = system or (file is not None and str(file.resolve()).startswith(SYSTEM_CRONTABS))
    crontab = parse(text, system=system, timezone=timezone or machine_timezone())
    for problem in crontab.problems:
        click.echo(f"line {problem.line}: skipped: {problem.reason}: {problem.text}", err=True)
    existing = {} if dry_run and not api.key else {
        hb["name"]: hb for hb in all_heartbeats(api, {"tag": CRONTAB_TAG})}
    urls: dict[int, str] = {}
    for entry in crontab.entries:
        if entry.ping_url is not None:
            click.echo(f"line {entry.line}: already monitored: {entry.name}", err=True)
        elif entry.name in existing:
            urls[entry.line] = existing[entry.name]["ping_url"]
            click.echo(f"line {entry.line}: exists: {entry.name}", err=True)
        elif dry_run:
            urls[entry.line] = "<ping-url>"
            click.echo(f"line {entry.line}: would create: {entry.name} ({entry.schedule}, "
                       f"{entry.timezone})", err=True)
        else:
            made = api.call("POST", "/heartbeats", body=_heartbeat_for(entry))
            urls[entry.line] = made["ping_url"]
            click.echo(f"line {entry.line}: created: {entry.name} (id {made['id']})", err=True)
    click.echo(rewrite(crontab, urls, program=_program()), nl=False)


def all_heartbeats(api: Api, params: dict[str, str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    after: int | None = None
    while True:
        page = api.call("GET", "/heartbeats", params={
            **params, "limit": "500", **({"after": str(after)} if after else {})})
        items += page["items"]
        after = page["next_cursor"]
        if after is None:
            return items


def machine_timezone() -> str:
    """This machine's IANA time zone, as cron would use it; UTC when it cannot be told."""
    if os.environ.get("TZ", "").strip(":"):
        return os.environ["TZ"].strip(":")
    try:
        return Path("/etc/timezone").read_text().strip() or "UTC"
    except OSError:
        pass
    target = os.path.realpath("/etc/localtime")
    return target.split("zoneinfo/", 1)[1] if "zoneinfo/" in target else "UTC"


def _heartbeat_for(entry: Any) -> dict[str, Any]:
    from cronbeat.clock import SystemClock

    grace = grace_for(entry.schedule, entry.timezone, SystemClock().now())
    body = {"name": entry.name, "schedule": entry.schedule, "timezone": entry.timezone,
            "grace": grace, "tags": [CRONTAB_TAG],
            "description": f"imported from crontab: {entry.command}"[:5000]}
    if entry.user:
        body["tags"].append(f"user:{entry.user}"[:50])
    return body


GRACE_RUNS = 32  # upcoming runs looked at for the shortest interval


def grace_for(schedule: str, timezone: str, now: datetime) -> int:
    """A tenth of the shortest interval between the coming runs, at least 5 minutes and at
    most an hour: late enough not to cry wolf over a slow start, early enough to matter. The
    shortest, not the next: `*/15 9-17 * * 1-5` imported at 17:50 would otherwise get the
    overnight gap's hour of grace for its every-15-minutes runs."""
    from cronbeat.schedules import ScheduleError, parse_cron, upcoming

    try:
        runs = upcoming(parse_cron(schedule, timezone, now), now, GRACE_RUNS)
    except ScheduleError:
        return 3600  # the server will say what is wrong with the schedule
    shortest = min((later - earlier).total_seconds() for earlier, later in pairwise(runs))
    return int(min(max(shortest / 10, 300), 3600))


def _read_crontab(file: Path | None) -> str:
    if file is not None:
        try:
            return file.read_text()
        except OSError as exc:
            raise click.ClickException(f"cannot read {file}: {exc.strerror}") from None
    try:
        done = subprocess.run(["crontab", "-l"], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise click.ClickException("no `crontab` program here: pass the crontab FILE") from None
    if done.returncode != 0:
        raise click.ClickException(done.stderr.strip() or "crontab -l failed")
    return done.stdout


def _program() -> str:
    """The absolute path of this cronbeat, as shell text, for lines cron runs with a short
    PATH."""
    found = shutil.which("cronbeat")
    return shlex.quote(found) if found else f"{shlex.quote(sys.executable)} -m cronbeat"


def _when(value: str | None) -> str:
    return "" if value is None else value.replace("T", " ").split(".")[0].rstrip("Z") + " UTC"


COMMANDS = (heartbeats, import_crontab)


def register(main: click.Group) -> None:
    for command in COMMANDS:
        main.add_command(command)
