"""The core tables. Every change is a row: pings, flips and incident events are append-only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from cronbeat.db.base import Base, Id
from cronbeat.db.base import enum_column as _enum
from cronbeat.enums import EventKind, IncidentReason, IncidentState, PingKind, Status
from cronbeat.tokens import new_ping_key


class Team(Base):
    __tablename__ = "teams"
    __table_args__ = (Index("uq_teams_ping_key", "ping_key", unique=True),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # The secret half of slug ping URLs (`/ping/<ping-key>/<slug>`); made with every team.
    ping_key: Mapped[str] = mapped_column(String(22), default=new_ping_key)
    # The policy of heartbeats that name none (no foreign key: the tables point at each other).
    default_policy_id: Mapped[int | None] = mapped_column(Id)
    # The daily digest of what is still down: its local time `HH:MM` (None: no digest), the
    # zone of that time, whom it goes to (escalation targets), and when it is next due.
    digest_time: Mapped[str | None] = mapped_column(String(5))
    digest_timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    digest_targets: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list,
                                                                 server_default="[]")
    next_digest_at: Mapped[datetime | None] = mapped_column(index=True)
    created_at: Mapped[datetime]


class InstanceState(Base):
    """Instants the instance keeps about itself: `alive`, when a worker last said so."""

    __tablename__ = "instance_state"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    at: Mapped[datetime]


class Outage(Base):
    """A time when cronbeat itself was not running: pings sent then could not be heard."""

    __tablename__ = "outages"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    started_at: Mapped[datetime]  # the last sign of life before it
    ended_at: Mapped[datetime]  # when a worker started again
    held: Mapped[int] = mapped_column(Integer, default=0)  # heartbeats given a fresh grace


class InstanceSecret(Base):
    """Secrets the instance makes for itself, e.g. the key that signs acknowledge links."""

    __tablename__ = "instance_secrets"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime]


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # The first characters of the key, to tell keys apart in listings; the rest is only hashed.
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    read_only: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class Heartbeat(Base):
    __tablename__ = "heartbeats"
    __table_args__ = (
        # The worker's queue: the nearest deadlines first, whatever the number of heartbeats.
        Index("ix_heartbeats_deadline", "deadline"),
        Index("ix_heartbeats_team_id_id", "team_id", "id"),
        # The dashboard's counts by status, and a list filtered by status, read only this.
        Index("ix_heartbeats_team_id_status_id", "team_id", "status", "id"),
        # A slug names at most one heartbeat of a team (NULLs, no slug, never clash).
        Index("uq_heartbeats_team_id_slug", "team_id", "slug", unique=True),
        Index("uq_heartbeats_previous_token", "previous_token", unique=True),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    # The name case-folded in Python, so that search ignores case alike on both databases.
    name_folded: Mapped[str] = mapped_column(Text, server_default="")  # folding can lengthen
    description: Mapped[str] = mapped_column(Text, default="")
    # Shown as given; heartbeat_tags holds the same tags for filtering by index.
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    # After a rotation, the old token still counts until `previous_token_until`, so that jobs
    # already running with it do not break.
    previous_token: Mapped[str | None] = mapped_column(String(64))
    previous_token_until: Mapped[datetime | None]
    slug: Mapped[str | None] = mapped_column(String(100))

    period: Mapped[int | None] = mapped_column(Integer)
    schedule: Mapped[str | None] = mapped_column(String(200))
    oncalendar: Mapped[str | None] = mapped_column(String(200))  # systemd OnCalendar=
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    grace: Mapped[int] = mapped_column(Integer)
    max_runtime: Mapped[int | None] = mapped_column(Integer)
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("policies.id", ondelete="SET NULL"))
    failure_threshold: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    recovery_threshold: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # The heartbeat this one depends on: while it is down, this one's incidents page nobody.
    depends_on_id: Mapped[int | None] = mapped_column(
        ForeignKey("heartbeats.id", ondelete="SET NULL"))
    min_runtime: Mapped[int | None] = mapped_column(Integer)
    early_tolerance: Mapped[int | None] = mapped_column(Integer)
    early_fails: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # [{"match": "keyword"|"regex", "pattern": ..., "action": "fail"|"succeed"}], in order.
    output_rules: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list,
                                                               server_default="[]")

    status: Mapped[Status] = mapped_column(_enum(Status))
    last_ping_at: Mapped[datetime | None]
    # Where the current period starts: the last start, success or failure, or a manual resolve.
    anchor_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    started_rid: Mapped[str | None] = mapped_column(String(64))
    started_early: Mapped[bool] = mapped_column(Boolean, default=False,
                                                server_default=text("false"))
    # Failures in a row counted below the failure threshold; successes in a row while down.
    failure_streak: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    success_streak: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    deadline: Mapped[datetime | None]
    # cronbeat itself was down when this heartbeat's ping was due: not down before this.
    hold_until: Mapped[datetime | None]
    # The incident not yet resolved, if any (no foreign key: the two tables point at each other).
    incident_id: Mapped[int | None] = mapped_column(Id)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class HeartbeatTag(Base):
    __tablename__ = "heartbeat_tags"
    __table_args__ = (Index("ix_heartbeat_tags_tag_heartbeat_id", "tag", "heartbeat_id"),)

    heartbeat_id: Mapped[int] = mapped_column(
        ForeignKey("heartbeats.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(50), primary_key=True)


class Ping(Base):
    __tablename__ = "pings"
    __table_args__ = (
        Index("ix_pings_heartbeat_id_id", "heartbeat_id", "id"),
        Index("ix_pings_heartbeat_id_rid", "heartbeat_id", "rid"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    heartbeat_id: Mapped[int] = mapped_column(ForeignKey("heartbeats.id", ondelete="CASCADE"))
    received_at: Mapped[datetime]
    kind: Mapped[PingKind] = mapped_column(_enum(PingKind))
    exit_code: Mapped[int | None] = mapped_column(Integer)
    rid: Mapped[str | None] = mapped_column(String(64))
    duration: Mapped[float | None] = mapped_column(Float)
    body: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    body_size: Mapped[int] = mapped_column(BigInteger, default=0)
    truncated: Mapped[bool] = mapped_column(Boolean, default=False)
    method: Mapped[str] = mapped_column(String(8))
    source_ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    # The rules that decided what the ping counts as (`kind` is the decision) or flagged it: an
    # output rule, a run shorter than its minimum, a run begun too early.
    rule: Mapped[str | None] = mapped_column(String(300))


class Flip(Base):
    __tablename__ = "flips"
    __table_args__ = (Index("ix_flips_heartbeat_id_id", "heartbeat_id", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    heartbeat_id: Mapped[int] = mapped_column(ForeignKey("heartbeats.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    old_status: Mapped[Status] = mapped_column(_enum(Status))
    new_status: Mapped[Status] = mapped_column(_enum(Status))
    reason: Mapped[str] = mapped_column(String(40), default="")


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (
        Index("ix_incidents_team_id_state", "team_id", "state"),
        # At most one unresolved incident per heartbeat, enforced by the database itself.
        Index(
            "uq_incidents_one_open_per_heartbeat",
            "heartbeat_id",
            unique=True,
            sqlite_where=text("resolved_at IS NULL"),
            postgresql_where=text("resolved_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    heartbeat_id: Mapped[int] = mapped_column(ForeignKey("heartbeats.id", ondelete="CASCADE"))
    state: Mapped[IncidentState] = mapped_column(_enum(IncidentState))
    reason: Mapped[IncidentReason] = mapped_column(_enum(IncidentReason))
    exit_code: Mapped[int | None] = mapped_column(Integer)
    output: Mapped[str] = mapped_column(Text, default="")
    # What the reason alone does not say, e.g. "finished in 2 s, expected at least 5 min".
    detail: Mapped[str] = mapped_column(Text, default="", server_default="")
    opened_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    # The incident of the heartbeat this one depends on, open when this one opened: this one
    # pages nobody until that one resolves (no foreign key: it may be deleted).
    suppressed_by: Mapped[int | None] = mapped_column(Id, index=True)
    # The policy as it was when the incident opened: editing the policy changes nothing here.
    policy: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    escalation_step: Mapped[int] = mapped_column(Integer, default=0)
    escalation_cycle: Mapped[int] = mapped_column(Integer, default=0)
    next_escalation_at: Mapped[datetime | None] = mapped_column(index=True)
    # The next re-alert to everyone paged so far (the policy's `realert_every`), while open.
    next_realert_at: Mapped[datetime | None] = mapped_column(index=True)


class IncidentEvent(Base):
    __tablename__ = "incident_events"
    __table_args__ = (Index("ix_incident_events_incident_id_id", "incident_id", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    kind: Mapped[EventKind] = mapped_column(_enum(EventKind))
    actor: Mapped[str] = mapped_column(String(200), default="cronbeat")
    detail: Mapped[str] = mapped_column(Text, default="")


# The other tables, so that importing this module registers every table with the metadata.
from cronbeat.db import maintenance_models as maintenance_models  # noqa: E402
from cronbeat.db import oncall_models as oncall_models  # noqa: E402
from cronbeat.db import outbox_models as outbox_models  # noqa: E402
