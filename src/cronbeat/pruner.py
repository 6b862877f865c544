"""The pruner: a background loop that applies ping retention (`services.retention`) every
minute, in small transactions, so that pruning never slows the ping path."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cronbeat.clock import Clock
from cronbeat.db.engine import Database
from cronbeat.loop import Loop
from cronbeat.services import retention

EVERY = 60.0  # seconds between passes
SCAN = 10_000  # ping ids looked at per read when finding the heartbeats pinged
CHUNK = 200  # heartbeats whose cutoffs are read at once
BATCH = 1_000  # most pings deleted in one transaction


@dataclass(frozen=True)
class Pruned:
    excess: int  # pings beyond a heartbeat's `keep`
    old: int  # pings older than the maximum age


class Pruner(Loop):
    name = "pruner"

    def __init__(
        self, db: Database, clock: Clock, *, keep: int, max_age: timedelta,
        every: float = EVERY, batch: int = BATCH, scan: int = SCAN,
    ) -> None:
        super().__init__(clock, max_sleep=every)
        self._db = db
        self._keep = keep
        self._max_age = max_age
        self._batch = batch
        self._scan = scan
        # Pings up to this id have been looked at. From 0 at each start: the first pass
        # reads every ping id once, and catches up with what happened while it was stopped.
        self._seen = 0

    async def tick(self) -> float:
        await self.prune(self._clock.now())
        return self._max_sleep

    async def prune(self, now: datetime) -> Pruned:
        """One pass. The rows to delete are found in read transactions, which never wait
        for writers; each delete is then one short statement of at most `batch` ids."""
        async with self._db.read() as session:
            top = await retention.last_ping_id(session)
        excess = 0
        # Range by range of new ping ids, so that a first pass over a large table holds one
        # range's heartbeats in memory, not every heartbeat's. A range counts as seen once
        # its heartbeats are pruned: after a failure the next pass takes it again.
        while self._seen < top:
            upto = min(self._seen + self._scan, top)
            async with self._db.read() as session:
                pinged = await retention.pinged_between(session, self._seen, upto)
            for chunk in _chunks(sorted(pinged), CHUNK):
                excess += await self._prune_excess(chunk)
            self._seen = upto
        old = 0
        while True:
            async with self._db.read() as session:
                ids = await retention.old_ids(session, now - self._max_age, self._batch)
            if not ids:
                break
            old += await self._delete(ids)
        return Pruned(excess, old)

    async def _prune_excess(self, heartbeat_ids: list[int]) -> int:
        async with self._db.read() as session:
            cutoffs = await retention.excess_cutoffs(session, heartbeat_ids, self._keep)
        deleted = 0
        after: int | None = 0
        while cutoffs and after is not None:
            async with self._db.read() as session:
                ids, after = await retention.excess_ids(session, cutoffs, after, self._scan)
            deleted += await self._delete(ids)
        return deleted

    async def _delete(self, ids: list[int]) -> int:
        deleted = 0
        for part in _chunks(ids, self._batch):
            async with self._db.write() as session:
                deleted += await retention.delete_pings(session, part)
        return deleted


def _chunks(items: list[int], size: int) -> list[list[int]]:
    return [items[start:start + size] for start in range(0, len(items), size)]
