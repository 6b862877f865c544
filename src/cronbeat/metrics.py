"""Prometheus metrics of one app: counters kept in memory, plus figures read at scrape time.

Each `Metrics` has its own registry rather than the process-wide one, so that several apps in
one process (tests, or a worker beside a server) never register the same name twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cronbeat.db.models import Heartbeat, Incident
from cronbeat.db.outbox_models import Notification
from cronbeat.enums import IncidentReason, NotificationPurpose, NotificationStatus, Status
from cronbeat.services.pings import PingIn

# An alert is meant to leave within a second of its deadline; minutes mean something is wrong.
DELAY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0)
LAG_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# Incidents that open at a deadline; a reported failure opens at its ping, not at a deadline.
_DEADLINE_REASONS = (IncidentReason.MISSED, IncidentReason.TIMED_OUT)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.heartbeats = Gauge("cronbeat_heartbeats", "Heartbeats by status, at scrape time",
                                ["status"], registry=r)
        self.pings = Counter("cronbeat_pings_received", "Pings stored for a known heartbeat",
                             ["kind"], registry=r)
        self.sent = Counter("cronbeat_notifications_sent", "Successful delivery attempts",
                            ["kind"], registry=r)
        self.failed = Counter("cronbeat_notifications_failed",
                              "Failed delivery attempts (each retry counts)", ["kind"],
                              registry=r)
        self.alert_delay = Histogram(
            "cronbeat_alert_delay_seconds",
            "From a missed deadline to the first alert of its incident that was delivered",
            buckets=DELAY_BUCKETS, registry=r)
        self.worker_lag = Histogram(
            "cronbeat_worker_lag_seconds", "How late the worker woke after its planned time",
            buckets=LAG_BUCKETS, registry=r)

    def pings_stored(self, pings: Sequence[PingIn], found: Sequence[bool]) -> None:
        for ping, known in zip(pings, found, strict=True):
            if known:
                self.pings.labels(kind=ping.kind.value).inc()

    def worker_woke(self, planned: datetime | None, now: datetime) -> None:
        """`planned` is when the last pass meant to wake; earlier means woken by a ping."""
        if planned is not None and now >= planned:
            self.worker_lag.observe((now - planned).total_seconds())

    async def attempt_recorded(
        self, session: AsyncSession, kind: str, row: Notification | None, ok: bool
    ) -> None:
        (self.sent if ok else self.failed).labels(kind=kind).inc()
        if ok and row is not None and row.purpose is NotificationPurpose.ALERT:
            await self._observe_alert_delay(session, row)

    async def _observe_alert_delay(self, session: AsyncSession, row: Notification) -> None:
        # Only the first delivered alert of an incident counts: later escalation steps are late
        # by design. Two alerts of one incident delivered at the same instant by two PostgreSQL
        # workers may both count as first; rare, and harmless to a histogram.
        incident = await session.get(Incident, row.incident_id)
        if incident is None or incident.reason not in _DEADLINE_REASONS or row.sent_at is None:
            return
        sent = await session.scalar(select(func.count()).select_from(Notification).where(
            Notification.incident_id == incident.id,
            Notification.purpose == NotificationPurpose.ALERT,
            Notification.status == NotificationStatus.SENT,
        ))
        if sent == 1:
            self.alert_delay.observe((row.sent_at - incident.opened_at).total_seconds())

    async def render(self, session: AsyncSession) -> bytes:
        """The text exposition, with the figures that live in the database read now."""
        rows = await session.execute(
            select(Heartbeat.status, func.count()).group_by(Heartbeat.status))
        counts: dict[Status, int] = {status: count for status, count in rows}
        for status in Status:
            self.heartbeats.labels(status=status.value).set(counts.get(status, 0))
        return generate_latest(self.registry)
