"""People and paging: contact methods, team channels, rotations, overrides, policies."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cronbeat.db.base import Base, Id


class ContactMethod(Base):
    """How to reach one person: an email address or an apprise URL."""

    __tablename__ = "contact_methods"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(String(2000))
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]


class Channel(Base):
    """A team-wide destination: a webhook, an email list, a Slack channel via apprise."""

    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(String(2000))
    # Signs webhook requests (HMAC-SHA256).
    secret: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]


class OnCallSchedule(Base):
    """A rotation: members in order, each on call for one shift, handing off at a local time."""

    __tablename__ = "oncall_schedules"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    handoff: Mapped[str] = mapped_column(String(5))  # HH:MM local
    shift_seconds: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    member_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]


class Override(Base):
    __tablename__ = "oncall_overrides"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    schedule_id: Mapped[int] = mapped_column(
        ForeignKey("oncall_schedules.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    created_at: Mapped[datetime]


class Policy(Base):
    """An escalation policy: ordered steps, each a wait and its targets, repeated as a whole."""

    __tablename__ = "policies"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    repeat: Mapped[int] = mapped_column(Integer, default=0)
    repeat_delay: Mapped[int] = mapped_column(Integer, default=0)
    realert_every: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime]
