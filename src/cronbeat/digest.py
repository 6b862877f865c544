"""The daily digest: once a day, at a team's chosen local time, one message listing every
heartbeat that is still down. Pure: when the next digest is due, and what it says.

Alerts and re-alerts stop once someone acknowledges; the digest is the reminder that outlives
them, for the incidents acknowledged and then forgotten.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from cronbeat.enums import IncidentState
from cronbeat.messages import SCHEMA, duration_text
from cronbeat.notifiers import Message

LISTED = 100  # heartbeats named in one digest; the rest are counted


def parse_time(text: str) -> time:
    """`HH:MM`, 24-hour, as typed in the API, CLI and dashboard."""
    hours, sep, minutes = text.strip().partition(":")
    digits = (hours + minutes).isascii() and hours.isdigit() and minutes.isdigit()
    if not sep or not digits or len(minutes) != 2:
        raise ValueError(f"{text!r} is not a time of day: use HH:MM, e.g. 09:00")
    value = int(hours), int(minutes)
    if not (0 <= value[0] <= 23 and 0 <= value[1] <= 59):
        raise ValueError(f"{text!r} is not a time of day: hours 00-23, minutes 00-59")
    return time(*value)


def next_digest_at(at: time, timezone: str, after: datetime) -> datetime:
    """The first instant strictly after `after` when the wall clock in `timezone` shows `at`.

    On the day clocks go forward, a time in the skipped hour is sent as much later as the
    jump (02:30 becomes 03:30); on the day they go back, a time that happens twice is sent
    once, the first time. A worker that was stopped past a digest sends one on catching up
    (at its start), and then goes on from the next day's time, never a burst.
    """
    zone = ZoneInfo(timezone)
    day = after.astimezone(zone).date()
    for offset in range(3):  # today, tomorrow, or (after a backward jump) the day after
        local = datetime.combine(day + timedelta(days=offset), at, tzinfo=zone)
        instant = local.astimezone(UTC)
        if instant > after:
            return instant
    raise AssertionError("a wall-clock time recurs within three days")  # pragma: no cover


@dataclass(frozen=True)
class DownEntry:
    """One heartbeat still down, as the digest tells it."""

    heartbeat_id: int
    name: str
    tags: tuple[str, ...]
    since: datetime | None  # when it went down
    reason: str  # in words, e.g. "no ping since ..."
    incident_id: int | None
    state: IncidentState | None
    acknowledged_by: str | None = None
    suppressed: bool = False  # opened while the heartbeat it depends on was down
    maintenance_until: datetime | None = None  # a maintenance window covers it until then


@dataclass(frozen=True)
class Digest:
    team_id: int
    team_name: str
    at: datetime
    timezone: str
    down: Sequence[DownEntry]  # the longest down first
    watched: int  # heartbeats of the team not paused


def worth_sending(digest: Digest) -> bool:
    """A scheduled digest goes out when something is down outside maintenance: during a
    window nobody is paged, and a digest of only those would be a page."""
    return any(entry.maintenance_until is None for entry in digest.down)


def render(digest: Digest, base_url: str, key: str) -> Message:
    count = len(digest.down)
    local = digest.at.astimezone(ZoneInfo(digest.timezone))
    when = f"{local:%Y-%m-%d %H:%M} {digest.timezone}"
    if count:
        subject = f"[cronbeat] Daily digest: {_heartbeats(count)} still down"
        head = f"{_heartbeats(count)} of {digest.team_name} still down at {when}:"
    else:
        subject = "[cronbeat] Daily digest: nothing is down"
        head = (f"Nothing of {digest.team_name} is down at {when} "
                f"({_heartbeats(digest.watched)} watched).")
    listed = digest.down[:LISTED]
    items = [(entry, _line(entry, digest.at), _link(base_url, entry)) for entry in listed]
    lines = [head, ""]
    for _, line, link in items:
        lines += [f"- {line}", f"  {link}"]
    if count > LISTED:
        lines.append(f"… and {count - LISTED} more.")
    dashboard = f"{base_url}/heartbeats?status=down"
    lines += ["", f"Dashboard: {dashboard}"]
    text = "\n".join(lines) + "\n"
    body = f"<p>{html.escape(head)}</p>"
    if items:
        body += "<ul>" + "".join(
            f'<li><a href="{html.escape(link)}">{html.escape(entry.name)}</a>: '
            f"{html.escape(line.removeprefix(entry.name + ': '))}</li>"
            for entry, line, link in items) + "</ul>"
    if count > LISTED:
        body += f"<p>… and {count - LISTED} more.</p>"
    body += f'<p><a href="{html.escape(dashboard)}">Open the dashboard</a></p>'
    return Message(subject=subject, text=text, html=body,
                   payload=_payload(digest, base_url, key, text), idempotency_key=key)


def _heartbeats(count: int) -> str:
    return f"{count} heartbeat" + ("" if count == 1 else "s")


def _line(entry: DownEntry, now: datetime) -> str:
    parts = [entry.reason]
    if entry.since is not None:
        parts.insert(0, f"down for {duration_text((now - entry.since).total_seconds())}")
    if entry.suppressed:
        parts.append("not paged: the heartbeat it depends on is down")
    elif entry.state is IncidentState.ACKNOWLEDGED:
        parts.append(f"acknowledged by {entry.acknowledged_by or 'someone'}")
    elif entry.state is IncidentState.OPEN:
        parts.append("not acknowledged")
    if entry.maintenance_until is not None:
        parts.append(f"in maintenance until {entry.maintenance_until:%Y-%m-%d %H:%M} UTC")
    return f"{entry.name}: " + ", ".join(parts)


def _link(base_url: str, entry: DownEntry) -> str:
    if entry.incident_id is not None:
        return f"{base_url}/incidents/{entry.incident_id}"
    return f"{base_url}/heartbeats/{entry.heartbeat_id}"


def _payload(digest: Digest, base_url: str, key: str, text: str) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "event": "digest",
        "id": key,
        "text": text,
        "team": {"id": digest.team_id, "name": digest.team_name},
        "at": digest.at.isoformat(),
        "down_count": len(digest.down),
        "down": [
            {
                "heartbeat": {"id": e.heartbeat_id, "name": e.name, "tags": list(e.tags)},
                "since": None if e.since is None else e.since.isoformat(),
                "reason": e.reason,
                "incident": None if e.incident_id is None else {
                    "id": e.incident_id, "state": None if e.state is None else e.state.value,
                    "acknowledged_by": e.acknowledged_by, "suppressed": e.suppressed,
                },
                "maintenance_until": None if e.maintenance_until is None
                else e.maintenance_until.isoformat(),
                "link": _link(base_url, e),
            }
            for e in digest.down[:LISTED]
        ],
        "links": {"dashboard": f"{base_url}/heartbeats?status=down"},
    }
