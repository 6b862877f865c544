"""What the HTTP handlers share: settings, database, clock, and the background tasks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from fastapi import Request

from cronbeat.clock import Clock
from cronbeat.config import Settings
from cronbeat.db.engine import Database
from cronbeat.delivery import Deliverer
from cronbeat.ping_writer import PingWriter
from cronbeat.ratelimit import LoginLimits, RateLimiter
from cronbeat.services.pings import BatchResult
from cronbeat.worker import Worker


@dataclass
class Context:
    settings: Settings
    db: Database
    clock: Clock
    writer: PingWriter
    worker: Worker | None = None
    deliverer: Deliverer | None = None
    # Instance secrets (see services.instance) once read: they never change while running.
    secrets: dict[str, str] = field(default_factory=dict)
    login_limits: LoginLimits = field(default_factory=LoginLimits)
    ping_limiter: RateLimiter | None = None  # pings a minute per URL; None: no limit

    def deadline_changed(self, deadline: datetime | None) -> None:
        if deadline is not None and self.worker is not None:
            self.worker.notify(deadline)

    def notifications_queued(self) -> None:
        if self.deliverer is not None:
            self.deliverer.notify(self.clock.now())

    def pings_committed(self, result: BatchResult) -> None:
        self.deadline_changed(result.earliest_deadline)
        if result.incidents_changed:
            self.notifications_queued()


def get_context(request: Request) -> Context:
    context: Context = request.app.state.context
    return context
