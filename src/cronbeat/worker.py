"""The background worker: moves heartbeats on at their deadlines and runs escalation steps.

In `cronbeat serve` it is woken early whenever a ping or an edit sets a nearer deadline. A
worker in its own process cannot be woken that way, so it also looks every `poll` seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from cronbeat.clock import Clock
from cronbeat.db.engine import Database
from cronbeat.loop import Loop
from cronbeat.metrics import Metrics
from cronbeat.services.escalations import nearest_escalation, process_due_escalations
from cronbeat.services.sweep import nearest_deadline, process_due

BATCH = 200


class Worker(Loop):
    name = "worker"

    def __init__(
        self, db: Database, clock: Clock, *, max_sleep: float,
        on_work: Callable[[datetime], None] | None = None, metrics: Metrics | None = None,
    ) -> None:
        super().__init__(clock, max_sleep=max_sleep)
        self._db = db
        self._metrics = metrics or Metrics()
        self._planned: datetime | None = None  # when the last pass meant the next to start
        # Told after a pass that did something, which may have queued notifications.
        self._on_work = on_work

    async def tick(self) -> float:
        now = self._clock.now()
        self._metrics.worker_woke(self._planned, now)
        for step in (process_due, process_due_escalations):
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
            deadlines = [await nearest_deadline(session), await nearest_escalation(session)]
        delay = self.sleep_until(min((d for d in deadlines if d is not None), default=None))
        self._planned = self._clock.now() + timedelta(seconds=delay)
        return delay
