"""Maintenance windows: when a heartbeat's incidents page nobody."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from cronbeat.db.base import Base, Id


class MaintenanceWindow(Base):
    """For one heartbeat, or every heartbeat with a tag. Either recurring (`days`, `start_time`,
    `end_time`, `timezone`) or one-off (`starts_at`, `ends_at`)."""

    __tablename__ = "maintenance_windows"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    heartbeat_id: Mapped[int | None] = mapped_column(
        ForeignKey("heartbeats.id", ondelete="CASCADE"), index=True)
    tag: Mapped[str | None] = mapped_column(String(50))
    days: Mapped[list[int] | None] = mapped_column(JSON)  # 0 is Monday
    start_time: Mapped[str | None] = mapped_column(String(5))  # HH:MM local
    end_time: Mapped[str | None] = mapped_column(String(5))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
