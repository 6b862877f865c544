"""Delivering the outbox: claim due notifications, render them once, send them concurrently,
and record each attempt as soon as it ends."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cronbeat import messages
from cronbeat.clock import Clock
from cronbeat.config import Settings
from cronbeat.db.engine import Database
from cronbeat.db.models import Heartbeat, Incident
from cronbeat.db.outbox_models import Notification
from cronbeat.enums import NotificationPurpose
from cronbeat.links import sign_ack
from cronbeat.loop import Loop
from cronbeat.metrics import Metrics
from cronbeat.notifiers import (
    ChannelKind,
    Delivery,
    Message,
    NotifierError,
    NotifyConfig,
    deliver,
    webhook,
)
from cronbeat.services.incidents import incident_facts
from cronbeat.services.instance import LINK_SIGNING, instance_secret
from cronbeat.services.outbox import claim_due, nearest_attempt, record_attempt

log = logging.getLogger(__name__)

BATCH = 200
# Sends in flight at once: enough to keep up with a burst of alerts, few enough not to
# flood a receiver or run out of sockets.
CONCURRENCY = 32


@dataclass(frozen=True)
class Job:
    notification_id: int
    delivery: Delivery


@dataclass(frozen=True)
class Outcome:
    job: Job
    at: datetime
    elapsed: float
    error: NotifierError | None


class Deliverer(Loop):
    name = "deliverer"

    def __init__(
        self, db: Database, clock: Clock, settings: Settings, *, max_sleep: float,
        metrics: Metrics | None = None,
    ) -> None:
        super().__init__(clock, max_sleep=max_sleep)
        self._db = db
        self._metrics = metrics or Metrics()
        self._settings = settings
        self._config = settings.notify_config()
        self._slots = asyncio.Semaphore(CONCURRENCY)
        self._secret: str | None = None

    async def tick(self) -> float:
        while await self.deliver_due() == BATCH:
            pass
        async with self._db.read() as session:
            return self.sleep_until(await nearest_attempt(session))

    async def deliver_due(self) -> int:
        """Send everything due now; return how many were claimed."""
        now = self._clock.now()
        async with self._db.write() as session:
            rows = await claim_due(session, now, BATCH,
                                   timedelta(seconds=self._settings.delivery_lease))
            loaded = await _load_incidents(session, rows)  # held: `get` then finds them
            jobs = [await self._prepare(session, row, now) for row in rows]
            del loaded
        if not jobs:
            return 0
        # One HTTP client per batch: its webhooks to one receiver reuse connections.
        async with webhook.new_client(self._config.http_timeout, CONCURRENCY) as client:
            config = replace(self._config, http=client)
            # Each attempt is recorded as soon as it ends; attempts that end together share
            # one transaction, so that a burst of alerts does not queue one per send.
            sending = {asyncio.ensure_future(self._attempt(job, config)) for job in jobs}
            while sending:
                ended, sending = await asyncio.wait(sending,
                                                    return_when=asyncio.FIRST_COMPLETED)
                await self._record([task.result() for task in ended])
        return len(jobs)

    async def _attempt(self, job: Job, config: NotifyConfig) -> Outcome:
        async with self._slots:
            started = time.monotonic()
            error: NotifierError | None = None
            try:
                if job.delivery.kind is ChannelKind.EMAIL and not self._config.smtp.host:
                    raise NotifierError("email is not set up: set CRONBEAT_SMTP_HOST",
                                        permanent=True)
                await deliver(job.delivery, config)
            except NotifierError as exc:
                error = exc
                log.warning("notification %s: %s", job.notification_id, exc.message)
            elapsed = time.monotonic() - started
        return Outcome(job, self._clock.now(), elapsed, error)

    async def _record(self, outcomes: list[Outcome]) -> None:
        async with self._db.write() as session:
            for outcome in outcomes:
                error = outcome.error
                row = await record_attempt(
                    session, outcome.job.notification_id, outcome.at, outcome.elapsed,
                    None if error is None else error.message,
                    False if error is None else error.permanent,
                )
                await self._metrics.attempt_recorded(session, outcome.job.delivery.kind.value,
                                                     row, error is None)

    async def _prepare(self, session: AsyncSession, row: Notification, now: datetime) -> Job:
        if row.subject is None or row.text is None or row.payload is None:
            message = await self._render(session, row, now)
            row.subject, row.text, row.html, row.payload = (
                message.subject, message.text, message.html, message.payload)
        message = Message(subject=row.subject, text=row.text, html=row.html,
                          payload=row.payload, idempotency_key=row.idempotency_key)
        delivery = Delivery(kind=ChannelKind(row.kind), target=row.target, message=message,
                            secret=row.secret)
        return Job(row.id, delivery)

    async def _render(self, session: AsyncSession, row: Notification, now: datetime) -> Message:
        key = row.idempotency_key
        if row.purpose is NotificationPurpose.TEST or row.incident_id is None:
            return messages.test_message(row.recipient, key)
        # Both exist: a notification is deleted with its incident, an incident with its heartbeat.
        incident = await session.get_one(Incident, row.incident_id)
        heartbeat = await session.get_one(Heartbeat, incident.heartbeat_id)
        if self._secret is None:  # made once for the whole installation, never changed
            self._secret = self._settings.secret_key or await instance_secret(session,
                                                                             LINK_SIGNING)
        secret = self._secret
        base = self._settings.resolved_base_url()
        page = f"{base}/ack/{sign_ack(secret, incident.id, row.recipient, now)}"
        links = messages.Links(acknowledge=page, incident=f"{base}/incidents/{incident.id}")
        facts = incident_facts(incident, heartbeat)
        if row.purpose is NotificationPurpose.RECOVERY:
            return messages.recovery(facts, links, key)
        return messages.alert(facts, links, now, key)


async def _load_incidents(session: AsyncSession, rows: Sequence[Notification]) -> list[object]:
    """The incidents and heartbeats of the rows to render, in two queries instead of two per
    row. The caller holds the list: the session only keeps weak references to its rows."""
    ids = {row.incident_id for row in rows if row.incident_id is not None and row.text is None}
    if not ids:
        return []
    incidents = (await session.scalars(select(Incident).where(Incident.id.in_(ids)))).all()
    heartbeat_ids = {incident.heartbeat_id for incident in incidents}
    heartbeats = (await session.scalars(
        select(Heartbeat).where(Heartbeat.id.in_(heartbeat_ids)))).all()
    return [*incidents, *heartbeats]

