"""Rotating a heartbeat's ping token: a new secret URL, with the old one still accepted for
an overlap, so that jobs already configured with it keep working while they are updated."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from cronbeat.db.models import Heartbeat
from cronbeat.errors import Invalid
from cronbeat.tokens import new_ping_token

MAX_OVERLAP = timedelta(days=90)


async def rotate_token(
    session: AsyncSession, heartbeat: Heartbeat, now: datetime, overlap: timedelta
) -> Heartbeat:
    """A new token; the current one keeps working until `now + overlap` (no overlap: it stops
    at once). A token rotated away earlier stops now: only the last one overlaps."""
    if overlap < timedelta(0) or overlap > MAX_OVERLAP:
        raise Invalid("overlap", f"must be between 0 and {MAX_OVERLAP.days} days (in seconds)")
    heartbeat.previous_token = heartbeat.token if overlap else None
    heartbeat.previous_token_until = now + overlap if overlap else None
    heartbeat.token = new_ping_token()
    heartbeat.updated_at = now
    await session.flush()
    return heartbeat
