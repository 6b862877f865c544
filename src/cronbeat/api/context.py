"""What the HTTP handlers share: settings, database, clock, and the background tasks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import Request

from cronbeat.clock import Clock
from cronbeat.config import Settings
from cronbeat.db.engine import Database
from cronbeat.ping_writer import PingWriter
from cronbeat.worker import Worker


@dataclass
class Context:
    settings: Settings
    db: Database
    clock: Clock
    writer: PingWriter
    worker: Worker | None = None

    def deadline_changed(self, deadline: datetime | None) -> None:
        if deadline is not None and self.worker is not None:
            self.worker.notify(deadline)


def get_context(request: Request) -> Context:
    context: Context = request.app.state.context
    return context
