"""`cronbeat run` is tested against one real `cronbeat serve` per test module."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count
from typing import Any

import httpx
import pytest

from local_server import Server, running_server

names = count()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("serve")) as running:
        yield running


@pytest.fixture
def api(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base, timeout=5,
                      headers={"Authorization": f"Bearer {server.key}"}) as client:
        yield client


@pytest.fixture
def heartbeat(api: httpx.Client) -> dict[str, Any]:
    """A fresh heartbeat that expects an hourly ping."""
    made = api.post("/api/v1/heartbeats",
                    json={"name": f"wrapped job {next(names)}", "period": 3600, "grace": 600})
    assert made.status_code == 201, made.text
    found: dict[str, Any] = made.json()
    return found
