"""What the server recorded of a wrapped job."""

from __future__ import annotations

from typing import Any

import httpx


def pings(api: httpx.Client, heartbeat: dict[str, Any]) -> list[dict[str, Any]]:
    """Oldest first."""
    newest_first: list[dict[str, Any]] = api.get(
        f"/api/v1/heartbeats/{heartbeat['id']}/pings").json()
    return newest_first[::-1]


def status(api: httpx.Client, heartbeat: dict[str, Any]) -> str:
    return str(api.get(f"/api/v1/heartbeats/{heartbeat['id']}").json()["status"])
