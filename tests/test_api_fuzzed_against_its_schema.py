"""The REST API fuzzed with schemathesis against the OpenAPI schema it serves: no 5xx, every
answer's status code, content type and body as documented. A real `cronbeat serve` on SQLite
answers; the number of examples is bounded so that it runs in CI on every change."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from cronbeat.api.app import create_app
from cronbeat.config import Settings
from local_server import Server, running_server

EXAMPLES = 20
# Business rules the schema cannot state (a period or a cron schedule, not both; an email
# with one @) make some schema-valid requests 422, and pydantic's lax mode takes 0 for a date;
# what is checked is the rest: no 5xx, and status, headers, content type and body as documented.
NOT_CHECKED = [checks.positive_data_acceptance, checks.negative_data_rejection]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("fuzz")) as running:
        headers = {"Authorization": f"Bearer {running.key}"}
        # A few real things for the generated ids and paths to find now and then.
        for n in range(3):
            httpx.post(f"{running.base}/api/v1/heartbeats", headers=headers,
                       json={"name": f"job {n}", "period": 3600})
        yield running


# The schema the app serves, built without a server so that each operation is a test of its
# own; the test below checks that the server serves this same schema.
SCHEMA = create_app(Settings()).openapi()
schema = schemathesis.openapi.from_dict(SCHEMA)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.function_scoped_fixture])
def test_every_operation_answers_as_documented(case: Any, server: Server) -> None:
    case.call_and_validate(base_url=server.base,
                           headers={"Authorization": f"Bearer {server.key}"},
                           excluded_checks=NOT_CHECKED)


def test_the_fuzzed_schema_is_the_one_the_server_serves(server: Server) -> None:
    served = httpx.get(f"{server.base}/openapi.json").json()
    assert served == SCHEMA
    assert len(served["paths"]) > 20
