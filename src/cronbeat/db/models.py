"""The tables. Every change is a row: pings, flips and incident events are append-only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from cronbeat.db.types import UTCDateTime
from cronbeat.enums import EventKind, IncidentReason, IncidentState, PingKind, Status

# Named constraints, so that migrations can refer to them on both databases.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Bigger ids on PostgreSQL, the plain rowid alias on SQLite (which only autoincrements INTEGER).
Id = BigInteger().with_variant(Integer(), "sqlite")


def _enum(cls: type[Any]) -> Enum:
    return Enum(cls, values_callable=lambda e: [m.value for m in e], native_enum=False, length=20)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012 (SQLAlchemy's own hook)


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    password_hash: Mapped[str | None] = mapped_column(String(200))
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
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    token: Mapped[str] = mapped_column(String(64), unique=True)

    period: Mapped[int | None] = mapped_column(Integer)
    schedule: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    grace: Mapped[int] = mapped_column(Integer)
    max_runtime: Mapped[int | None] = mapped_column(Integer)

    status: Mapped[Status] = mapped_column(_enum(Status))
    last_ping_at: Mapped[datetime | None]
    # Where the current period starts: the last start, success or failure, or a manual resolve.
    anchor_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    started_rid: Mapped[str | None] = mapped_column(String(64))
    deadline: Mapped[datetime | None]
    # The incident not yet resolved, if any (no foreign key: the two tables point at each other).
    incident_id: Mapped[int | None] = mapped_column(Id)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


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
    opened_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(200))


class IncidentEvent(Base):
    __tablename__ = "incident_events"
    __table_args__ = (Index("ix_incident_events_incident_id_id", "incident_id", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    kind: Mapped[EventKind] = mapped_column(_enum(EventKind))
    actor: Mapped[str] = mapped_column(String(200), default="cronbeat")
    detail: Mapped[str] = mapped_column(Text, default="")
