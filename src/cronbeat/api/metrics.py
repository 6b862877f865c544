"""`GET /metrics` for Prometheus."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cronbeat.api.context import Context
from cronbeat.metrics import Metrics

# What generate_latest writes. Not CONTENT_TYPE_LATEST: since prometheus_client 0.22 that names
# the 1.0.0 format, which only the content negotiation of its own handlers produces.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


async def metrics_page(request: Request) -> Response:
    """The app's metrics in the Prometheus text format.

    No API key: it shows only counts and timings, never names, tokens or outputs. Operators who
    want it private restrict `/metrics` at their reverse proxy.
    """
    context: Context = request.app.state.context
    metrics: Metrics = request.app.state.metrics
    async with context.db.read() as session:
        body = await metrics.render(session)
    return Response(body, media_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})


routes = [Route("/metrics", metrics_page, methods=["GET"])]
