"""The ASGI application: REST API, ping routes, and the background tasks in its lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from cronbeat import __version__
from cronbeat.api import (
    badges,
    errors,
    heartbeats,
    incidents,
    maintenance,
    oncall,
    pages,
    people,
    ping,
)
from cronbeat.api import metrics as metrics_route
from cronbeat.api import team as team_route
from cronbeat.api.auth import ApiKeyMiddleware
from cronbeat.api.context import Context
from cronbeat.api.security import SecurityHeadersMiddleware
from cronbeat.clock import Clock, SystemClock
from cronbeat.config import Settings
from cronbeat.dashboard.routes import routes as dashboard_routes
from cronbeat.db.engine import Database
from cronbeat.delivery import Deliverer
from cronbeat.metrics import Metrics
from cronbeat.ping_writer import PingWriter
from cronbeat.pruner import Pruner
from cronbeat.ratelimit import RateLimiter
from cronbeat.smtp_pings import start_listener
from cronbeat.worker import Worker

# In `serve` the worker is woken by every nearer deadline, so it only needs to wake by itself
# now and then, to notice changes made by other processes.
IN_PROCESS_MAX_SLEEP = 60.0

DESCRIPTION = """
Cron-job and heartbeat monitoring. Jobs ping `/api/v1/heartbeat/<token>` (GET, POST or
HEAD; `/start`, `/fail`, `/log` or `/<exit-code>` may follow; the body is the job's output).
Everything else needs an API key: `Authorization: Bearer <key>`.
"""


def create_app(
    settings: Settings, *, db: Database | None = None, clock: Clock | None = None,
    run_worker: bool = True,
) -> FastAPI:
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = db or Database(settings.resolved_database_url())
        the_clock = clock or SystemClock()
        deliverer = worker = pruner = None
        if run_worker:
            pruner = Pruner(database, the_clock, keep=settings.ping_keep,
                            max_age=settings.ping_max_age(),
                            every=settings.ping_prune_every)
            deliverer = Deliverer(database, the_clock, settings, max_sleep=IN_PROCESS_MAX_SLEEP,
                                  metrics=metrics)
            worker = Worker(database, the_clock, max_sleep=IN_PROCESS_MAX_SLEEP,
                            on_work=deliverer.notify, metrics=metrics,
                            base_url=settings.resolved_base_url())
        writer = PingWriter(database, max_batch=settings.ping_batch,
                            on_commit=lambda result: context.pings_committed(result),
                            metrics=metrics)
        context = Context(settings, database, the_clock, writer, worker, deliverer,
                          ping_limiter=ping_limiter(settings))
        app.state.context = context
        context.writer.start()
        loops = [loop for loop in (worker, deliverer, pruner) if loop is not None]
        for loop in loops:
            loop.start()
        mail = None
        if settings.ping_smtp_port is not None:
            mail = await start_listener(writer, the_clock, settings.max_body, settings.host,
                                        settings.ping_smtp_port)
        try:
            yield
        finally:
            if mail is not None:  # no new mail; the pings of mail in flight still commit
                mail.close()
            # Pings already accepted are committed before the process goes.
            await context.writer.stop()
            for loop in loops:
                await loop.stop()
            if db is None:
                await database.dispose()

    # FastAPI's own OpenTelemetry is off: cronbeat exports Prometheus metrics, and checking
    # for a configured provider on every request cost the ping path a tenth of its CPU.
    app = FastAPI(title="cronbeat", version=__version__, description=DESCRIPTION,
                  lifespan=lifespan,
                  telemetry={"tracing": False, "metrics": False, "logs": False})
    app.state.metrics = metrics
    errors.install(app)
    app.add_middleware(ApiKeyMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    app.include_router(heartbeats.router)
    app.include_router(incidents.router)
    app.include_router(people.router)
    app.include_router(oncall.router)
    app.include_router(team_route.router)
    app.include_router(badges.router)
    app.include_router(maintenance.router)
    # The hot routes go first: matching a path against FastAPI's included routers costs more
    # than answering /healthz (a profile showed ~half of each request), and nothing else
    # can match these paths.
    app.router.routes[:0] = [
        *ping.routes,
        Route("/healthz", _healthz, methods=["GET", "HEAD"], include_in_schema=False),
    ]
    app.router.routes.extend(pages.routes)
    app.router.routes.extend(dashboard_routes)
    app.router.routes.extend(badges.routes)
    app.router.routes.extend(metrics_route.routes)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version,
                                 description=app.description, routes=app.routes)
            ping.document(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def ping_limiter(settings: Settings) -> RateLimiter | None:
    limit = settings.ping_rate_limit
    return RateLimiter(limit, 60.0) if limit else None


async def _healthz(_: Request) -> PlainTextResponse:
    """Answers without touching the database: for load balancers and as a benchmark baseline."""
    return PlainTextResponse("ok\n")
