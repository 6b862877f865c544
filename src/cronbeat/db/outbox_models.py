"""The notification outbox and the record of every delivery attempt."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cronbeat.db.base import Base, Id
from cronbeat.db.base import enum_column as _enum
from cronbeat.enums import NotificationPurpose, NotificationStatus


class Notification(Base):
    """The outbox: written in the transaction that decides to notify, delivered by the worker."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_notifications_incident_id", "incident_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE")
    )
    purpose: Mapped[NotificationPurpose] = mapped_column(_enum(NotificationPurpose))
    kind: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str | None] = mapped_column(String(200))
    recipient: Mapped[str] = mapped_column(String(300))
    # Rendered at the first attempt and kept, so that every retry sends the very same message.
    subject: Mapped[str | None] = mapped_column(String(500))
    text: Mapped[str | None] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[NotificationStatus] = mapped_column(_enum(NotificationStatus))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When a worker may take it: the next attempt (pending), or the end of a lease (sending).
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class NotificationAttempt(Base):
    __tablename__ = "notification_attempts"
    __table_args__ = (Index("ix_notification_attempts_notification_id", "notification_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE")
    )
    at: Mapped[datetime]
    ok: Mapped[bool] = mapped_column(Boolean)
    permanent: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str] = mapped_column(Text, default="")
    elapsed: Mapped[float] = mapped_column(Float)
