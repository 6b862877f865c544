"""Request and response bodies of the REST API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from cronbeat.enums import (
    EventKind,
    IncidentReason,
    IncidentState,
    NotificationPurpose,
    NotificationStatus,
    PingKind,
    RuleAction,
    RuleMatch,
    Status,
)

Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
# Strict: JSON true or "60" is not a number of seconds.
Seconds = Annotated[int, Field(ge=0, le=10**9, strict=True)]
MAX_ID = 2**63 - 1  # ids are 64-bit on both databases; larger numbers cannot name anything
PolicyRef = Annotated[int, Field(ge=1, le=MAX_ID, strict=True)]
# Validated by the service (1 to 100), so that the API and the dashboard say the same.
Threshold = Annotated[int, Field(strict=True)]
HeartbeatId = Annotated[int, Path(ge=1, le=MAX_ID, description="Heartbeat id")]
IncidentId = Annotated[int, Path(ge=1, le=MAX_ID, description="Incident id")]


def cursor(description: str) -> Any:
    return Query(ge=1, le=MAX_ID, description=description)


class _Input(BaseModel):
    # Unknown fields are refused, so that a typo ("perod") is not silently ignored.
    model_config = ConfigDict(extra="forbid")


class OutputRuleIn(_Input):
    match: RuleMatch = Field(description="keyword: the exact text (case-sensitive) anywhere in "
                             "the output; regex: a regular expression searched in its last "
                             "10,000 characters")
    pattern: str = Field(description="The keyword or regular expression (1 to 200 characters)")
    action: RuleAction = Field(description="What a ping whose output matches counts as")


class OutputRuleOut(BaseModel):
    match: RuleMatch
    pattern: str
    action: RuleAction


class HeartbeatCreate(_Input):
    name: Name
    period: Seconds | None = Field(None, description="Expected seconds between pings")
    schedule: str | None = Field(
        None, max_length=200, description="Cron expression or nickname such as @daily"
    )
    oncalendar: str | None = Field(
        None, max_length=200, description="systemd OnCalendar expression, e.g. "
        "'Mon..Fri 02:30' (instead of `period` or `schedule`)")
    timezone: str = Field("UTC", max_length=64, description="IANA time zone of `schedule` or "
                          "`oncalendar`")
    grace: Seconds = Field(300, description="Seconds allowed after the due time")
    max_runtime: Seconds | None = Field(None, description="Longest run after a /start ping")
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    description: str = Field("", max_length=5000)
    policy_id: PolicyRef | None = Field(None, description="Escalation policy; null: the "
                                        "team's default")
    slug: str | None = Field(None, max_length=100, description="Names it in /ping/<ping-key>/"
                             "<slug>: lowercase letters, digits and '-', unique in the team")
    token: str | None = Field(None, max_length=64, description="Keep an existing ping URL "
                              "(e.g. a healthchecks.io UUID); default: a new random token")
    failure_threshold: Threshold = Field(1, description="Open the incident on this many "
                                         "failures or misses in a row (1 to 100)")
    recovery_threshold: Threshold = Field(1, description="Resolve it on this many successes "
                                          "in a row (1 to 100)")
    output_rules: list[OutputRuleIn] = Field(
        default_factory=list, description="Tried in order on the output of each success or "
        "failure ping; the first that matches decides what the ping counts as (at most 10)")
    min_runtime: Seconds | None = Field(None, description="A run (/start to success) shorter "
                                        "than this many seconds is a failure")
    early_tolerance: Seconds | None = Field(None, description="A run that begins more than "
                                            "this many seconds before its scheduled time is "
                                            "flagged as too early; null: never")
    early_fails: bool = Field(False, strict=True, description="A run flagged too early is a "
                              "failure, not only flagged (needs early_tolerance)")
    depends_on: PolicyRef | None = Field(None, description="Id of a heartbeat this one depends "
                                         "on: while it is down, this one's incidents are "
                                         "opened suppressed and page nobody")


class HeartbeatUpdate(_Input):
    """Only the fields sent change. Sending `period`, `schedule` or `oncalendar` switches to a
    period, cron or OnCalendar schedule."""

    name: Name | None = None
    period: Seconds | None = None
    schedule: str | None = Field(None, max_length=200)
    oncalendar: str | None = Field(None, max_length=200)
    timezone: str | None = Field(None, max_length=64)
    grace: Seconds | None = None
    max_runtime: Seconds | None = None
    tags: list[Tag] | None = Field(None, max_length=20)
    description: str | None = Field(None, max_length=5000)
    policy_id: PolicyRef | None = Field(None, description="null: back to the team's default")
    slug: str | None = Field(None, max_length=100, description="null: no slug")
    failure_threshold: Threshold | None = None
    recovery_threshold: Threshold | None = None
    output_rules: list[OutputRuleIn] | None = Field(None, description="Replaces the list; [] "
                                                    "removes every rule")
    min_runtime: Seconds | None = Field(None, description="null: no minimum")
    early_tolerance: Seconds | None = Field(None, description="null: never too early")
    early_fails: bool | None = Field(None, strict=True)
    depends_on: PolicyRef | None = Field(None, description="null: depends on nothing")


class IncidentSummary(BaseModel):
    id: int
    state: IncidentState
    reason: IncidentReason
    opened_at: datetime
    suppressed: bool = Field(description="Opened while a heartbeat this one depends on was "
                             "down: nobody paged until that one recovers")


class HeartbeatOut(BaseModel):
    id: int
    name: str
    description: str
    tags: list[str]
    status: Status
    token: str
    ping_url: str
    previous_token_until: datetime | None = Field(
        None, description="After a token rotation: the old ping URL works until then")
    slug: str | None = Field(description="Pings also reach it at /ping/<ping-key>/<slug>")
    period: int | None
    schedule: str | None
    oncalendar: str | None
    timezone: str
    schedule_text: str = Field(description="The schedule in words")
    grace: int
    max_runtime: int | None
    policy_id: int | None = Field(description="Escalation policy; null: the team's default")
    failure_threshold: int = Field(description="Failures or misses in a row that open an "
                                   "incident")
    recovery_threshold: int = Field(description="Successes in a row that resolve it")
    failure_streak: int = Field(description="Failures in a row counted so far")
    success_streak: int = Field(description="Successes in a row counted while down")
    streak_text: str | None = Field(description='"failing 2 of 3" or "recovering 1 of 2" '
                                    "while a threshold is being counted towards")
    output_rules: list[OutputRuleOut] = Field(description="In the order they are tried")
    min_runtime: int | None
    early_tolerance: int | None
    early_fails: bool
    depends_on: int | None = Field(description="The heartbeat this one depends on")
    last_ping_at: datetime | None
    next_due_at: datetime | None = Field(description="When the next ping is expected")
    started_at: datetime | None = Field(description="Start of the run in progress, if any")
    incident: IncidentSummary | None
    created_at: datetime
    updated_at: datetime


class HeartbeatList(BaseModel):
    items: list[HeartbeatOut]
    next_cursor: int | None = Field(description="Pass as `after` to get the next page")


class PingOut(BaseModel):
    id: int
    kind: PingKind
    received_at: datetime
    exit_code: int | None
    rid: str | None
    duration: float | None = Field(description="Seconds since the matching /start")
    method: str
    source_ip: str | None
    user_agent: str | None
    body: str = Field(description="Output sent with the ping (invalid UTF-8 replaced)")
    body_size: int = Field(description="Size of the body as sent, in bytes")
    truncated: bool
    rule: str | None = Field(description="The rules that decided what the ping counts as "
                             "(`kind`) or flagged it, e.g. '#1 keyword \'ERROR\' → fail' or "
                             "'finished in 2 s, expected at least 5 min'; null: none")


class FlipOut(BaseModel):
    id: int
    at: datetime
    old_status: Status
    new_status: Status
    reason: str


class EventOut(BaseModel):
    id: int
    at: datetime
    kind: EventKind
    actor: str
    detail: str


class NotificationSummary(BaseModel):
    id: int
    purpose: NotificationPurpose
    kind: str = Field(description="email, webhook or apprise")
    recipient: str
    status: NotificationStatus
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


class IncidentOut(BaseModel):
    id: int
    heartbeat_id: int
    state: IncidentState
    reason: IncidentReason
    exit_code: int | None
    output: str
    detail: str = Field(description="What the reason alone does not say, e.g. 'finished in "
                        "2 s, expected at least 5 min'")
    suppressed_by: int | None = Field(description="The incident of the heartbeat this one "
                                      "depends on, which was open when this one opened")
    suppressed: bool = Field(description="Nobody paged yet: waiting for `suppressed_by` to end")
    opened_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    timeline: list[EventOut] | None = Field(None, description="Only on a single incident")
    notifications: list[NotificationSummary] | None = Field(
        None, description="Who was notified and how delivery went; only on a single incident"
    )


class IncidentList(BaseModel):
    items: list[IncidentOut]
    next_cursor: int | None = Field(description="Pass as `before` to get the next page")
