"""Reading the heartbeat form: durations as people write them, and the spec the service takes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from cronbeat.dashboard.formatting import duration
from cronbeat.db.models import Heartbeat
from cronbeat.enums import RuleAction, RuleMatch
from cronbeat.errors import Invalid
from cronbeat.output_rules import MAX_RULES, OutputRule, rules_of
from cronbeat.services.heartbeats import HeartbeatSpec

# Longer unit names first: the regex takes the first alternative that matches.
_PART = re.compile(
    r"(\d+)\s*(days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)?\s*", re.IGNORECASE
)
_SIZES = {"d": 86400, "h": 3600, "m": 60, "s": 1}
MAX_SECONDS = 10 ** 10  # far beyond any schedule's limit: the service gives the real message
EMPTY_ROWS = 2  # blank output rule rows under the existing ones, to add rules
MAX_ROWS = MAX_RULES + EMPTY_ROWS  # one more rule than allowed gets the service's message


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


def heartbeat_spec(form: Mapping[str, str], base: HeartbeatSpec | None = None) -> HeartbeatSpec:
    """The spec to hand to the service, which validates the rest; `Invalid` names the field.

    Every field of the spec is on the form; still, an edit starts from the heartbeat's own
    spec (`base`) so that a setting the form does not show yet is kept, never reset."""
    kind = form.get("kind", "period")
    period = parse_seconds("period", form.get("period", "")) if kind == "period" else None
    if kind == "period" and period is None:
        raise Invalid("period", "say how often the job runs, e.g. 1h or 1d")
    schedule = form.get("schedule", "").strip() if kind == "cron" else None
    if kind == "cron" and not schedule:
        raise Invalid("schedule", "write a cron expression, e.g. 30 2 * * *")
    oncalendar = form.get("oncalendar", "").strip() if kind == "oncalendar" else None
    if kind == "oncalendar" and not oncalendar:
        raise Invalid("oncalendar", "write an OnCalendar expression, e.g. Mon..Fri 02:30")
    return replace(
        base or HeartbeatSpec(name=""),
        name=form.get("name", ""), period=period, schedule=schedule, oncalendar=oncalendar,
        timezone=form.get("timezone", "").strip() or "UTC",
        grace=parse_seconds("grace", form.get("grace", "")) or 0,
        max_runtime=parse_seconds("max_runtime", form.get("max_runtime", "")),
        tags=tuple(tag.strip() for tag in form.get("tags", "").split(",") if tag.strip()),
        description=form.get("description", ""),
        policy_id=_id("policy_id", form.get("policy_id", ""), "choose a policy from the list"),
        slug=form.get("slug", "").strip() or None,
        failure_threshold=_count("failure_threshold", form.get("failure_threshold", "")),
        recovery_threshold=_count("recovery_threshold", form.get("recovery_threshold", "")),
        output_rules=output_rules(form),
        min_runtime=parse_seconds("min_runtime", form.get("min_runtime", "")),
        early_tolerance=parse_seconds("early_tolerance", form.get("early_tolerance", "")),
        early_fails=bool(form.get("early_fails")),
        depends_on=_id("depends_on", form.get("depends_on", "").strip().lstrip("#"),
                       "give the id of another heartbeat of the team, e.g. 42"),
    )


def output_rules(form: Mapping[str, str]) -> tuple[OutputRule, ...]:
    """The rule rows in order; a row without a pattern is left out. Rows are numbered from 0
    after `compact`, so that the service's `output_rules.N` names row N."""
    rules = []
    kept = [row for row in rule_rows(form) if row[1]]
    for number, (match, pattern, action) in enumerate(kept):
        try:
            rules.append(OutputRule(RuleMatch(match), pattern, RuleAction(action)))
        except ValueError:
            raise Invalid(f"output_rules.{number}", "match is keyword or regex; action is "
                          "fail or succeed") from None
    return tuple(rules)


def rule_rows(values: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """(match, pattern, action) of each numbered row the form sent or shows."""
    rows = []
    for number in range(MAX_ROWS):
        pattern = values.get(f"rule-{number}-pattern")
        if pattern is None:
            break
        rows.append((values.get(f"rule-{number}-match", "keyword"), pattern,
                     values.get(f"rule-{number}-action", "fail")))
    return rows


def compact(form: Mapping[str, str]) -> dict[str, str]:
    """The form as sent, with the empty rule rows taken out (and two empty ones at the end):
    shown again after an error, row N is the rule the service calls `output_rules.N`."""
    values = {key: value for key, value in form.items() if not key.startswith("rule-")}
    kept = [row for row in rule_rows(form) if row[1]]
    return values | _rule_fields(kept)


def form_values(heartbeat: Heartbeat | None) -> dict[str, str]:
    """What the form shows: a heartbeat's settings, or the defaults for a new one."""
    if heartbeat is None:
        return {"kind": "period", "period": "1 d", "timezone": "UTC", "grace": "1 h",
                "failure_threshold": "1", "recovery_threshold": "1"} | _rule_fields([])
    kind = "cron" if heartbeat.schedule else "oncalendar" if heartbeat.oncalendar else "period"
    values = {
        "name": heartbeat.name, "kind": kind,
        "period": duration(heartbeat.period) if heartbeat.period else "",
        "schedule": heartbeat.schedule or "", "oncalendar": heartbeat.oncalendar or "",
        "timezone": heartbeat.timezone,
        "grace": duration(heartbeat.grace) if heartbeat.grace else "0",
        "max_runtime": _optional(heartbeat.max_runtime),
        "tags": ", ".join(heartbeat.tags), "description": heartbeat.description,
        "policy_id": str(heartbeat.policy_id or ""), "slug": heartbeat.slug or "",
        "failure_threshold": str(heartbeat.failure_threshold),
        "recovery_threshold": str(heartbeat.recovery_threshold),
        "min_runtime": _optional(heartbeat.min_runtime),
        "early_tolerance": _optional(heartbeat.early_tolerance),
        "depends_on": str(heartbeat.depends_on_id or ""),
    }
    if heartbeat.early_fails:
        values["early_fails"] = "on"
    rules = rules_of(heartbeat.output_rules)
    return values | _rule_fields([(r.match.value, r.pattern, r.action.value) for r in rules])


def _rule_fields(rows: list[tuple[str, str, str]]) -> dict[str, str]:
    rows = rows + [("keyword", "", "fail")] * EMPTY_ROWS
    fields: dict[str, str] = {}
    for number, (match, pattern, action) in enumerate(rows[:MAX_ROWS]):
        fields |= {f"rule-{number}-match": match, f"rule-{number}-pattern": pattern,
                   f"rule-{number}-action": action}
    return fields


def _optional(seconds: int | None) -> str:
    """A duration that may be unset: `0` stays `0` (a bound), None is an empty field."""
    if seconds is None:
        return ""
    return duration(seconds) if seconds else "0"


def _count(field: str, text: str) -> int:
    text = text.strip()
    if not text:
        return 1
    if not (text.isascii() and text.isdigit()) or len(text) > 6:
        raise Invalid(field, "write a whole number, e.g. 3")
    return int(text)


def _id(field: str, text: str, message: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise Invalid(field, message)
    return int(text)
