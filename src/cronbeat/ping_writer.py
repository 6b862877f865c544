"""Group commit for pings: one writer task commits queued pings in small batches.

A request waits for the commit of the batch that holds its ping, so a 2xx answer always means
the ping is stored; meanwhile the next batch fills up. One transaction for many pings is what
lets SQLite take thousands of pings a second.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from cronbeat.db.engine import Database
from cronbeat.metrics import Metrics
from cronbeat.services.pings import BatchResult, PingIn, record_pings

log = logging.getLogger(__name__)


class WriterUnavailable(Exception):
    """The ping could not be stored (the database failed); the client should retry."""


class PingWriter:
    def __init__(
        self, db: Database, *, max_batch: int = 256,
        on_commit: Callable[[BatchResult], None] | None = None, metrics: Metrics | None = None,
    ) -> None:
        self._db = db
        self._metrics = metrics or Metrics()
        self._max_batch = max_batch
        self._on_commit = on_commit
        self._queue: asyncio.Queue[tuple[PingIn, asyncio.Future[bool]] | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="cronbeat-ping-writer")

    async def stop(self) -> None:
        """Commit every ping already queued, then end."""
        if self._task is None:
            return
        await self._queue.put(None)
        await self._task
        self._task = None

    async def submit(self, ping: PingIn) -> bool:
        """Store `ping`; True if its token matched a heartbeat. Returns after the commit."""
        if self._task is None:
            raise WriterUnavailable("the ping writer is not running")
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        await self._queue.put((ping, future))
        return await future

    async def _run(self) -> None:
        while True:
            first = await self._queue.get()
            batch = [] if first is None else [first]
            stopping = first is None
            while len(batch) < self._max_batch and not self._queue.empty():
                item = self._queue.get_nowait()
                if item is None:
                    stopping = True
                    break
                batch.append(item)
            if batch:
                await self._commit(batch)
            if stopping and self._queue.empty():
                return

    async def _commit(self, batch: list[tuple[PingIn, asyncio.Future[bool]]]) -> None:
        try:
            result = await self._store([ping for ping, _ in batch])
        except Exception:
            if len(batch) == 1:
                log.exception("could not store a ping")
                _fail(batch[0][1])
                return
            # One bad ping must not cost the others: store them one by one.
            for item in batch:
                await self._commit([item])
            return
        for (_, future), found in zip(batch, result.found, strict=True):
            if not future.done():
                future.set_result(found)
        self._metrics.pings_stored([ping for ping, _ in batch], result.found)
        if self._on_commit is not None:
            self._on_commit(result)

    async def _store(self, pings: list[PingIn]) -> BatchResult:
        async with self._db.write() as session:
            return await record_pings(session, pings)


def _fail(future: asyncio.Future[bool]) -> None:
    if not future.done():
        future.set_exception(WriterUnavailable("the database did not accept the ping"))
