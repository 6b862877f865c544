"""A background task that sleeps until its next deadline, or until woken by a nearer one."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from cronbeat.clock import Clock

log = logging.getLogger(__name__)

RETRY_AFTER = 1.0
# A floor, so that rows another process holds locked do not make this one spin.
MIN_SLEEP = 0.005


class Loop:
    name = "loop"

    def __init__(self, clock: Clock, *, max_sleep: float) -> None:
        self._clock = clock
        self._max_sleep = max_sleep
        self._wake = asyncio.Event()
        self._target: datetime | None = None
        self._task: asyncio.Task[None] | None = None

    def notify(self, deadline: datetime) -> None:
        """Something is due at `deadline`: wake up if that is nearer than the current aim."""
        if self._target is None or deadline < self._target:
            self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name=f"cronbeat-{self.name}")

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
                log.exception("%s pass failed; retrying in %ss", self.name, RETRY_AFTER)
                delay = RETRY_AFTER
            self._target = self._clock.now() + timedelta(seconds=delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)

    async def tick(self) -> float:
        """Do what is due; return how many seconds to sleep."""
        raise NotImplementedError

    def sleep_until(self, nearest: datetime | None) -> float:
        if nearest is None:
            return self._max_sleep
        wait = (nearest - self._clock.now()).total_seconds()
        return min(max(wait, MIN_SLEEP), self._max_sleep)
