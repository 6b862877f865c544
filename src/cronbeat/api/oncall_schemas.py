"""Request and response bodies for people, channels, schedules, policies and notifications."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import Path
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from cronbeat import escalation
from cronbeat.api.schemas import MAX_ID, Name, Seconds
from cronbeat.enums import NotificationPurpose, NotificationStatus
from cronbeat.escalation import TargetKind
from cronbeat.notifiers import ChannelKind

MemberId = Annotated[int, Path(ge=1, le=MAX_ID, description="Member id")]
ContactMethodId = Annotated[int, Path(ge=1, le=MAX_ID, description="Contact method id")]
ChannelId = Annotated[int, Path(ge=1, le=MAX_ID, description="Channel id")]
ScheduleId = Annotated[int, Path(ge=1, le=MAX_ID, description="Schedule id")]
OverrideId = Annotated[int, Path(ge=1, le=MAX_ID, description="Override id")]
PolicyId = Annotated[int, Path(ge=1, le=MAX_ID, description="Policy id")]
NotificationId = Annotated[int, Path(ge=1, le=MAX_ID, description="Notification id")]
# An id inside a body: strict, so that "3" or true is not taken for a member.
RefId = Annotated[int, Field(ge=1, le=MAX_ID, strict=True)]
Email = Annotated[str, Field(min_length=1, max_length=320)]
TimeZone = Annotated[str, Field(min_length=1, max_length=64, description="IANA time zone")]
Target = Annotated[str, Field(min_length=1, max_length=2000,
                              description="An e-mail address, webhook URL or apprise URL")]
Wait = Annotated[int, Field(ge=0, le=escalation.MAX_WAIT, strict=True)]


class _Input(BaseModel):
    # Unknown fields are refused, so that a typo is not silently ignored.
    model_config = ConfigDict(extra="forbid")


# Members and contact methods


class MemberCreate(_Input):
    name: Name
    email: Email
    timezone: TimeZone = "UTC"


class MemberUpdate(_Input):
    name: Name | None = None
    email: Email | None = None
    timezone: TimeZone | None = None


class MemberOut(BaseModel):
    id: int
    name: str
    email: str
    timezone: str
    is_admin: bool
    created_at: datetime


class ContactMethodCreate(_Input):
    kind: ChannelKind = Field(description="email or apprise (webhooks are team channels)")
    target: Target
    label: str = Field("", max_length=200)


class ContactMethodOut(BaseModel):
    id: int
    member_id: int
    kind: ChannelKind
    target: str
    label: str
    created_at: datetime


# Channels


class ChannelCreate(_Input):
    name: Name
    kind: ChannelKind
    target: Target


class ChannelUpdate(_Input):
    name: Name | None = None
    target: Target | None = None


class ChannelOut(BaseModel):
    id: int
    name: str
    kind: ChannelKind
    target: str
    signed: bool = Field(description="Webhook requests carry an X-Cronbeat-Signature")
    created_at: datetime


class ChannelCreated(ChannelOut):
    secret: str | None = Field(description="The webhook signing secret, shown only now")


class SecretOut(BaseModel):
    channel_id: int
    secret: str = Field(description="The new signing secret, shown only now")


# Test notifications


class QueuedOut(BaseModel):
    notification_id: int
    status: NotificationStatus


class AttemptOut(BaseModel):
    at: datetime
    ok: bool
    permanent: bool
    error: str
    elapsed: float = Field(description="Seconds the attempt took")


class NotificationOut(BaseModel):
    id: int
    incident_id: int | None
    purpose: NotificationPurpose
    kind: ChannelKind
    recipient: str
    status: NotificationStatus
    attempts: int = Field(description="How many attempts were made")
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    sent_at: datetime | None
    attempt_log: list[AttemptOut] = Field(description="Every recorded attempt, oldest first")


# Schedules and overrides


class ScheduleCreate(_Input):
    name: Name
    timezone: TimeZone = "UTC"
    handoff: str = Field("09:00", max_length=5, description="Local time of hand-offs, HH:MM")
    shift: Seconds = Field(7 * 86400, description="Seconds each member is on call (>= 3600)")
    start_date: date | None = Field(None, description="Local date of the first hand-off; "
                                                      "default: today in `timezone`")
    member_ids: list[RefId] = Field(default_factory=list, max_length=100,
                                    description="Members in rotation order")


class ScheduleUpdate(_Input):
    name: Name | None = None
    timezone: TimeZone | None = None
    handoff: str | None = Field(None, max_length=5)
    shift: Seconds | None = None
    start_date: date | None = None
    member_ids: list[RefId] | None = Field(None, max_length=100)


class ScheduleOut(BaseModel):
    id: int
    name: str
    timezone: str
    handoff: str
    shift: int
    start_date: date
    member_ids: list[int]
    created_at: datetime


class OverrideCreate(_Input):
    member_id: RefId
    starts_at: AwareDatetime
    ends_at: AwareDatetime


class OverrideOut(BaseModel):
    id: int
    schedule_id: int
    member_id: int
    starts_at: datetime
    ends_at: datetime
    created_at: datetime


class HandoffOut(BaseModel):
    at: datetime
    user: MemberOut | None = Field(description="On call from `at`; null: nobody")


class OnCallOut(BaseModel):
    schedule_id: int
    at: datetime
    user: MemberOut | None = Field(description="On call at `at`; null: nobody")
    next_handoffs: list[HandoffOut]


# Policies


class TargetIn(_Input):
    kind: TargetKind
    ref: RefId | None = Field(None, description="Member, channel or schedule id")


class StepIn(_Input):
    wait: Wait = Field(description="Seconds after the previous step (or the incident opening)")
    targets: list[TargetIn] = Field(min_length=1, max_length=escalation.MAX_TARGETS)


class PolicyCreate(_Input):
    name: Name
    steps: list[StepIn] = Field(min_length=1, max_length=escalation.MAX_STEPS)
    repeat: int = Field(0, ge=0, le=escalation.MAX_REPEAT, strict=True)
    repeat_delay: Wait = 0
    realert_every: Wait = Field(0, description="Seconds between re-alerts to everyone paged "
                                "so far while the incident stays open and unacknowledged "
                                "(60 or more; 0: never)")


class PolicyUpdate(_Input):
    name: Name | None = None
    steps: list[StepIn] | None = Field(None, min_length=1, max_length=escalation.MAX_STEPS)
    repeat: int | None = Field(None, ge=0, le=escalation.MAX_REPEAT, strict=True)
    repeat_delay: Wait | None = None
    realert_every: Wait | None = None


class TargetOut(BaseModel):
    kind: TargetKind
    ref: int | None


class StepOut(BaseModel):
    wait: int
    targets: list[TargetOut]


class PolicyOut(BaseModel):
    id: int
    name: str
    steps: list[StepOut]
    repeat: int
    repeat_delay: int
    realert_every: int = Field(description="Seconds between re-alerts; 0: never")
    is_default: bool = Field(description="Used by heartbeats that name no policy")
    created_at: datetime
