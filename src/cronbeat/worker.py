"""The background worker: sleeps until the nearest deadline, then moves due heartbeats on.

In `cronbeat serve` it is woken early whenever a ping or an edit sets a nearer deadline. A
worker in its own process cannot be woken that way, so it also looks every `poll` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from cronbeat.clock import Clock
from cronbeat.db.engine import Database
from cronbeat.services.sweep import nearest_deadline, process_due

log = logging.getLogger(__name__)

BATCH = 200
RETRY_AFTER = 1.0
MIN_SLEEP = 0.005


class Worker:
    def __init__(self, db: Database, clock: Clock, *, max_sleep: float) -> None:
        self._db = db
        self._clock = clock
        self._max_sleep = max_sleep
        self._wake = asyncio.Event()
        self._target: datetime | None = None
        self._task: asyncio.Task[None] | None = None

    def notify(self, deadline: datetime) -> None:
        """A deadline was set: wake up if it is nearer than the one being slept towards."""
        if self._target is None or deadline < self._target:
            self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="cronbeat-worker")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def run(self) -> None:
        while True:
            self._wake.clear()
            self._target = None
            try:
                delay = await self.tick()
            except Exception:
                log.exception("worker pass failed; retrying in %ss", RETRY_AFTER)
                delay = RETRY_AFTER
            self._target = self._clock.now() + timedelta(seconds=delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)

    async def tick(self) -> float:
        """Process everything due now; return how long to sleep before the next deadline."""
        now = self._clock.now()
        while True:
            async with self._db.write() as session:
                done = await process_due(session, now, limit=BATCH)
            if done < BATCH:
                break
        async with self._db.read() as session:
            nearest = await nearest_deadline(session)
        if nearest is None:
            return self._max_sleep
        wait = (nearest - self._clock.now()).total_seconds()
        # A floor, so that rows another worker holds locked do not make this one spin.
        return min(max(wait, MIN_SLEEP), self._max_sleep)
