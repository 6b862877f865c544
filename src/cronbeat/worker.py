"""The background worker: moves heartbeats on at their deadlines, runs escalation steps and
sends the daily digests.

In `cronbeat serve` it is woken early whenever a ping or an edit sets a nearer deadline. A
worker in its own process cannot be woken that way, so it also looks every `poll` seconds.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from cronbeat.clock import Clock
from cronbeat.db.engine import Database
from cronbeat.loop import Loop
from cronbeat.metrics import Metrics
from cronbeat.services import outages
from cronbeat.services.digests import nearest_digest, process_due_digests
from cronbeat.services.escalations import nearest_escalation, process_due_escalations
from cronbeat.services.sweep import nearest_deadline, process_due

BATCH = 200
log = logging.getLogger(__name__)


class Worker(Loop):
    name = "worker"

    def __init__(
        self, db: Database, clock: Clock, *, max_sleep: float,
        on_work: Callable[[datetime], None] | None = None, metrics: Metrics | None = None,
        base_url: str = "",
    ) -> None:
        super().__init__(clock, max_sleep=max_sleep)
        self._db = db
        self._metrics = metrics or Metrics()
        self._planned: datetime | None = None  # when the last pass meant the next to start
        # Told after a pass that did something, which may have queued notifications.
        self._on_work = on_work
        self._alive_at: datetime | None = None  # when this worker last said it was alive
        # Where digests link to (`CRONBEAT_BASE_URL`): they are rendered when queued.
        self._digests = functools.partial(process_due_digests, base_url=base_url)

    async def tick(self) -> float:
        now = self._clock.now()
        self._metrics.worker_woke(self._planned, now)
        await self._say_alive(now)
        for step in (process_due, process_due_escalations, self._digests):
            while True:
                async with self._db.write() as session:
                    done = await step(session, now, limit=BATCH)
                # Tell the deliverer after each batch, not after the whole pass: with
                # thousands due at once, the first alerts leave while later ones are made.
                if done and self._on_work is not None:
                    self._on_work(now)
                if done < BATCH:
                    break
        async with self._db.read() as session:
            deadlines = [await nearest_deadline(session), await nearest_escalation(session),
                         await nearest_digest(session)]
        delay = self.sleep_until(min((d for d in deadlines if d is not None), default=None))
        self._planned = self._clock.now() + timedelta(seconds=delay)
        return delay

    async def _say_alive(self, now: datetime) -> None:
        """The first time, see whether cronbeat was down before this start (and give the
        heartbeats due in the silence a fresh grace); then say alive now and then."""
        if self._alive_at is not None and now - self._alive_at < outages.ALIVE_EVERY:
            return
        async with self._db.write() as session:
            if self._alive_at is None:
                outage = await outages.recover(session, now)
                if outage is not None:
                    log.warning("cronbeat was down from %s to %s: %d heartbeats get a fresh "
                                "grace", outage.started_at, outage.ended_at, outage.held)
            else:
                await outages.note_alive(session, now)
        self._alive_at = now
