"""Reading the heartbeat form: durations as people write them, and the spec the service takes."""

from __future__ import annotations

import re
from collections.abc import Mapping

from cronbeat.dashboard.formatting import duration
from cronbeat.db.models import Heartbeat
from cronbeat.errors import Invalid
from cronbeat.services.heartbeats import HeartbeatSpec

# Longer unit names first: the regex takes the first alternative that matches.
_PART = re.compile(
    r"(\d+)\s*(days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)?\s*", re.IGNORECASE
)
_SIZES = {"d": 86400, "h": 3600, "m": 60, "s": 1}
MAX_SECONDS = 10 ** 10  # far beyond any schedule's limit: the service gives the real message


def parse_seconds(field: str, text: str) -> int | None:
    """`90`, `90s`, `5 min`, `1h 30m`, `2 d`: seconds, or None for an empty field."""
    text = text.strip()
    if not text:
        return None
    total, position = 0, 0
    for match in _PART.finditer(text):
        if match.start() != position:
            break
        unit = (match.group(2) or "s").lower()
        total += int(match.group(1)) * _SIZES[unit[0]]
        position = match.end()
    if position != len(text) or total > MAX_SECONDS:
        raise Invalid(field, f"write a duration such as 90s, 5 min, 1h 30m or 2d (not {text!r})")
    return total


def heartbeat_spec(form: Mapping[str, str]) -> HeartbeatSpec:
    """The spec to hand to the service, which validates the rest; `Invalid` names the field."""
    kind = form.get("kind", "period")
    period = parse_seconds("period", form.get("period", "")) if kind == "period" else None
    if kind == "period" and period is None:
        raise Invalid("period", "say how often the job runs, e.g. 1h or 1d")
    schedule = form.get("schedule", "").strip() if kind == "cron" else None
    if kind == "cron" and not schedule:
        raise Invalid("schedule", "write a cron expression, e.g. 30 2 * * *")
    policy = form.get("policy_id", "").strip()
    if policy and not policy.isdigit():
        raise Invalid("policy_id", "choose a policy from the list")
    return HeartbeatSpec(
        name=form.get("name", ""), period=period, schedule=schedule,
        timezone=form.get("timezone", "").strip() or "UTC",
        grace=parse_seconds("grace", form.get("grace", "")) or 0,
        max_runtime=parse_seconds("max_runtime", form.get("max_runtime", "")),
        tags=tuple(tag.strip() for tag in form.get("tags", "").split(",") if tag.strip()),
        description=form.get("description", ""),
        policy_id=int(policy) if policy else None,
        slug=form.get("slug", "").strip() or None,
    )


def form_values(heartbeat: Heartbeat | None) -> dict[str, str]:
    """What the form shows: a heartbeat's settings, or the defaults for a new one."""
    if heartbeat is None:
        return {"kind": "period", "period": "1 d", "timezone": "UTC", "grace": "1 h"}
    return {
        "name": heartbeat.name, "kind": "cron" if heartbeat.schedule else "period",
        "period": duration(heartbeat.period) if heartbeat.period else "",
        "schedule": heartbeat.schedule or "", "timezone": heartbeat.timezone,
        "grace": duration(heartbeat.grace) if heartbeat.grace else "0",
        "max_runtime": duration(heartbeat.max_runtime) if heartbeat.max_runtime else "",
        "tags": ", ".join(heartbeat.tags), "description": heartbeat.description,
        "policy_id": str(heartbeat.policy_id or ""), "slug": heartbeat.slug or "",
    }
