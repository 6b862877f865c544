"""What alerts say, in plain words. Pure: facts in, a `Message` out, for every channel kind.

The webhook payload is versioned (`schema`); docs/notifications.md documents it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cronbeat.enums import IncidentReason
from cronbeat.notifiers import Message

SCHEMA = "cronbeat.notification/v1"
OUTPUT_SNIPPET = 1000  # characters of the last output quoted in an alert


@dataclass(frozen=True)
class IncidentFacts:
    incident_id: int
    heartbeat_id: int
    heartbeat_name: str
    tags: tuple[str, ...]
    reason: IncidentReason
    exit_code: int | None
    output: str
    opened_at: datetime
    last_ping_at: datetime | None
    max_runtime: int | None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    detail: str = ""  # e.g. "finished in 2 s, expected at least 5 min"


@dataclass(frozen=True)
class Links:
    acknowledge: str  # the signed page that shows the incident and acknowledges it
    incident: str | None = None  # the incident in the dashboard, where there is one


def alert(facts: IncidentFacts, links: Links, now: datetime, key: str) -> Message:
    reason = reason_text(facts)
    down_for = duration_text((now - facts.opened_at).total_seconds())
    subject = f"[cronbeat] DOWN: {facts.heartbeat_name} ({reason})"
    lines = [
        f"{facts.heartbeat_name} is DOWN: {reason}.",
        f"Down since {_when(facts.opened_at)} ({down_for}).",
    ]
    snippet = output_snippet(facts.output)
    if snippet:
        lines += ["", "Last output:", snippet]
    lines += ["", f"Acknowledge: {links.acknowledge}"]
    if links.incident:
        lines.append(f"Incident: {links.incident}")
    return _message(subject, lines, "incident.alert", facts, links, key,
                    action=("Acknowledge", links.acknowledge))


def recovery(facts: IncidentFacts, links: Links, key: str) -> Message:
    assert facts.resolved_at is not None
    down_for = duration_text((facts.resolved_at - facts.opened_at).total_seconds())
    who = "a successful ping" if facts.resolved_by in (None, "cronbeat") else facts.resolved_by
    subject = f"[cronbeat] RESOLVED: {facts.heartbeat_name}"
    lines = [
        f"{facts.heartbeat_name} is resolved, by {who}, at {_when(facts.resolved_at)}.",
        f"It was down for {down_for} ({reason_text(facts)}).",
    ]
    if links.incident:
        lines += ["", f"Incident: {links.incident}"]
    return _message(subject, lines, "incident.resolved", facts, links, key, action=None)


def test_message(recipient: str, key: str) -> Message:
    subject = "[cronbeat] Test notification"
    text = f"This is a test notification from cronbeat to {recipient}. It arrived: all is well."
    return Message(subject=subject, text=text, html=f"<p>{html.escape(text)}</p>",
                   payload={"schema": SCHEMA, "event": "test", "id": key, "text": text},
                   idempotency_key=key)


def reason_text(facts: IncidentFacts) -> str:
    if facts.reason is IncidentReason.MISSED:
        since = "" if facts.last_ping_at is None else f" since {_when(facts.last_ping_at)}"
        return f"no ping{since}"
    if facts.reason is IncidentReason.TIMED_OUT:
        limit = "" if facts.max_runtime is None else f" of {duration_text(facts.max_runtime)}"
        return f"ran longer than its maximum run time{limit}"
    if facts.reason is IncidentReason.TOO_SHORT:
        return facts.detail or "finished sooner than its minimum run time"
    if facts.reason is IncidentReason.TOO_EARLY:
        return facts.detail or "ran too early"
    code = "" if facts.exit_code is None else f" with exit code {facts.exit_code}"
    return f"failed{code}"


def output_snippet(output: str) -> str:
    output = output.strip()
    return output if len(output) <= OUTPUT_SNIPPET else "…" + output[-OUTPUT_SNIPPET:]


def duration_text(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} second" + ("s" if seconds != 1 else "")
    parts = []
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {unit}" + ("s" if count != 1 else ""))
    return " ".join(parts[:2])


def _when(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%d %H:%M:%S UTC")


def _message(
    subject: str, lines: list[str], event: str, facts: IncidentFacts, links: Links, key: str,
    *, action: tuple[str, str] | None,
) -> Message:
    text = "\n".join(lines) + "\n"
    body = "".join(f"<p>{html.escape(line)}</p>" if line else "" for line in lines[:2])
    snippet = output_snippet(facts.output)
    if snippet:
        body += f"<pre>{html.escape(snippet)}</pre>"
    if action is not None:
        body += f'<p><a href="{html.escape(action[1])}">{html.escape(action[0])}</a></p>'
    if links.incident:
        body += f'<p><a href="{html.escape(links.incident)}">View the incident</a></p>'
    return Message(subject=subject, text=text, html=body,
                   payload=_payload(event, facts, links, key, text), idempotency_key=key)


def _payload(event: str, facts: IncidentFacts, links: Links, key: str, text: str) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "event": event,
        "id": key,
        "text": text,
        "heartbeat": {"id": facts.heartbeat_id, "name": facts.heartbeat_name,
                      "tags": list(facts.tags)},
        "incident": {
            "id": facts.incident_id, "reason": facts.reason.value, "detail": facts.detail,
            "exit_code": facts.exit_code,
            "output": output_snippet(facts.output), "opened_at": facts.opened_at.isoformat(),
            "resolved_at": None if facts.resolved_at is None else facts.resolved_at.isoformat(),
        },
        "links": {"acknowledge": links.acknowledge, "incident": links.incident},
    }
