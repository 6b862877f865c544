"""The notification outbox: rows written in the transaction that decides to notify, claimed
by a worker, delivered, and settled with every attempt recorded."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from cronbeat.db.models import IncidentEvent
from cronbeat.db.outbox_models import Notification, NotificationAttempt
from cronbeat.enums import EventKind, NotificationPurpose, NotificationStatus

MAX_ATTEMPTS = 8
FIRST_BACKOFF = 10.0  # seconds; doubles at each failure
MAX_BACKOFF = 3600.0
# How long a worker may hold a claimed notification; past it, another worker takes it over.
LEASE = timedelta(seconds=60)


def backoff(attempts: int) -> timedelta:
    """Wait after the `attempts`-th failed attempt: 10 s, 20 s, 40 s, ... at most an hour."""
    return timedelta(seconds=min(FIRST_BACKOFF * 2 ** (attempts - 1), MAX_BACKOFF))


def enqueue(
    session: AsyncSession, *, team_id: int, incident_id: int | None,
    purpose: NotificationPurpose, kind: str, target: str, secret: str | None, recipient: str,
    now: datetime,
) -> Notification:
    row = Notification(
        team_id=team_id, incident_id=incident_id, purpose=purpose, kind=kind, target=target,
        secret=secret, recipient=recipient, idempotency_key=str(uuid.uuid4()),
        status=NotificationStatus.PENDING, attempts=0, next_attempt_at=now, created_at=now,
    )
    session.add(row)
    return row


async def claim_due(
    session: AsyncSession, now: datetime, limit: int, lease: timedelta = LEASE
) -> Sequence[Notification]:
    """Take up to `limit` notifications due now, or whose holder's lease ran out (a worker
    that died mid-send): only the sends it had in flight are repeated, each under the same
    idempotency key, so that a receiver can drop the repeat."""
    rows = (await session.scalars(
        select(Notification)
        .where(Notification.status.in_([NotificationStatus.PENDING, NotificationStatus.SENDING]),
               Notification.next_attempt_at <= now)
        .order_by(Notification.next_attempt_at).limit(limit)
        .with_for_update(skip_locked=True)
    )).all()
    for row in rows:
        row.status = NotificationStatus.SENDING
        row.attempts += 1
        row.next_attempt_at = now + lease
    return rows


async def record_attempt(
    session: AsyncSession, notification_id: int, at: datetime, elapsed: float,
    error: str | None, permanent: bool,
) -> Notification | None:
    """Settle one attempt: sent, retried later with backoff, or failed for good."""
    row = await session.get(Notification, notification_id, with_for_update=True)
    if row is None:  # its incident was deleted meanwhile
        return None
    session.add(NotificationAttempt(notification_id=row.id, at=at, ok=error is None,
                                    permanent=permanent, error=error or "", elapsed=elapsed))
    if error is None:
        row.status, row.sent_at, row.next_attempt_at, row.last_error = (
            NotificationStatus.SENT, at, None, None)
        return row
    row.last_error = error
    if permanent or row.attempts >= MAX_ATTEMPTS:
        row.status, row.next_attempt_at = NotificationStatus.FAILED, None
        if row.incident_id is not None:
            why = "permanent error" if permanent else f"{row.attempts} attempts"
            session.add(IncidentEvent(
                incident_id=row.incident_id, at=at, kind=EventKind.DELIVERY_FAILED,
                actor="cronbeat",
                detail=f"could not notify {row.recipient} by {row.kind} ({why}): {error}",
            ))
        return row
    row.status, row.next_attempt_at = NotificationStatus.PENDING, at + backoff(row.attempts)
    return row


async def nearest_attempt(session: AsyncSession) -> datetime | None:
    due: datetime | None = await session.scalar(
        select(func.min(Notification.next_attempt_at)).where(
            or_(Notification.status == NotificationStatus.PENDING,
                Notification.status == NotificationStatus.SENDING)
        )
    )
    return due


async def attempts_of(session: AsyncSession, notification_id: int) -> Sequence[NotificationAttempt]:
    return (await session.scalars(
        select(NotificationAttempt).where(NotificationAttempt.notification_id == notification_id)
        .order_by(NotificationAttempt.id)
    )).all()


async def notifications_of(session: AsyncSession, incident_id: int) -> Sequence[Notification]:
    return (await session.scalars(
        select(Notification).where(Notification.incident_id == incident_id)
        .order_by(Notification.id)
    )).all()
