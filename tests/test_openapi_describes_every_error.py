"""GET /openapi.json: every REST operation documents the errors it can answer, all with the
one ErrorResponse shape, and the answers really have that shape."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cronbeat.api.errors import ErrorResponse

ERROR_REF = "#/components/schemas/ErrorResponse"
WRITE_METHODS = {"post", "patch", "put", "delete"}
OPERATIONS = {
    ("get", "/api/v1/heartbeats/{heartbeat_id}/badges"),
    ("post", "/api/v1/heartbeats"),
    ("get", "/api/v1/heartbeats"),
    ("get", "/api/v1/heartbeats/{heartbeat_id}"),
    ("patch", "/api/v1/heartbeats/{heartbeat_id}"),
    ("delete", "/api/v1/heartbeats/{heartbeat_id}"),
    ("post", "/api/v1/heartbeats/{heartbeat_id}/pause"),
    ("post", "/api/v1/heartbeats/{heartbeat_id}/resume"),
    ("post", "/api/v1/heartbeats/{heartbeat_id}/rotate-token"),
    ("get", "/api/v1/heartbeats/{heartbeat_id}/pings"),
    ("get", "/api/v1/heartbeats/{heartbeat_id}/flips"),
    ("get", "/api/v1/incidents"),
    ("get", "/api/v1/incidents/{incident_id}"),
    ("post", "/api/v1/incidents/{incident_id}/acknowledge"),
    ("post", "/api/v1/incidents/{incident_id}/resolve"),
}


@pytest.fixture
async def spec(app_client: httpx.AsyncClient) -> dict[str, Any]:
    answer = await app_client.get("/openapi.json", headers={"Authorization": ""})
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    return body


def rest_operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in spec["paths"].items()
        if path.startswith(("/api/v1/heartbeats", "/api/v1/incidents"))
        for method, operation in item.items()
    ]


def documents(operation: dict[str, Any], status: str) -> bool:
    answer = operation["responses"].get(status)
    if answer is None:
        return False
    schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
    return bool(schema.get("$ref") == ERROR_REF and answer.get("description"))


async def test_the_schema_is_served_without_a_key(spec: dict[str, Any]):
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] == "cronbeat"


async def test_it_lists_every_rest_operation(spec: dict[str, Any]):
    assert {(m, p) for m, p, _ in rest_operations(spec)} == OPERATIONS


async def test_the_ping_urls_are_documented_with_every_answer_and_no_key(spec: dict[str, Any]):
    pings = {path: ops for path, ops in spec["paths"].items()
             if path.startswith("/api/v1/heartbeat/")}
    assert set(pings) == {"/api/v1/heartbeat/{token}", "/api/v1/heartbeat/{token}/{action}"}
    for ops in pings.values():
        assert set(ops) == {"get", "post", "head"}
        for op in ops.values():
            assert set(op["responses"]) == {"200", "400", "404", "429", "503"}
            assert op["security"] == []


@pytest.mark.parametrize("status", ["401", "422"])
async def test_every_operation_documents_auth_and_validation_errors(
    spec: dict[str, Any], status: str
):
    missing = [f"{m.upper()} {p}" for m, p, op in rest_operations(spec)
               if not documents(op, status)]

    assert missing == []


async def test_every_write_documents_403_for_a_read_only_key(spec: dict[str, Any]):
    writes = [(m, p, op) for m, p, op in rest_operations(spec) if m in WRITE_METHODS]
    assert len(writes) == 8

    assert [f"{m.upper()} {p}" for m, p, op in writes if not documents(op, "403")] == []


async def test_reads_do_not_claim_a_403(spec: dict[str, Any]):
    reads = [f"{m.upper()} {p}" for m, p, op in rest_operations(spec)
             if m == "get" and "403" in op["responses"]]

    assert reads == []


async def test_every_operation_on_one_thing_documents_404(spec: dict[str, Any]):
    with_id = [(m, p, op) for m, p, op in rest_operations(spec) if "{" in p]
    assert len(with_id) == 12

    assert [f"{m.upper()} {p}" for m, p, op in with_id if not documents(op, "404")] == []


async def test_acknowledge_and_resolve_document_409(spec: dict[str, Any]):
    for path in ("/api/v1/incidents/{incident_id}/acknowledge",
                 "/api/v1/incidents/{incident_id}/resolve"):
        assert documents(spec["paths"][path]["post"], "409"), path


async def test_no_operation_documents_the_default_validation_error(spec: dict[str, Any]):
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert "ValidationError" not in spec["components"]["schemas"]


async def test_the_error_schema_has_code_message_and_fields(spec: dict[str, Any]):
    schemas = spec["components"]["schemas"]

    assert schemas["ErrorResponse"]["required"] == ["error"]
    assert schemas["ErrorResponse"]["properties"]["error"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }
    body = schemas["ErrorBody"]
    assert set(body["properties"]) == {"code", "message", "fields"}
    assert set(body["required"]) == {"code", "message"}
    assert body["properties"]["fields"]["items"] == {"$ref": "#/components/schemas/FieldError"}
    assert set(schemas["FieldError"]["properties"]) == {"field", "message"}


async def test_every_operation_needs_the_bearer_key(spec: dict[str, Any]):
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert [f"{m.upper()} {p}" for m, p, op in rest_operations(spec)
            if op.get("security") != [{"HTTPBearer": []}]] == []


async def test_real_error_answers_have_the_documented_shape(app_client: httpx.AsyncClient):
    made = (await app_client.post("/api/v1/heartbeats",
                                  json={"name": "b", "period": 60})).json()
    await app_client.get(f"/api/v1/heartbeat/{made['token']}/fail")
    incident_id = (await app_client.get(f"/api/v1/heartbeats/{made['id']}")).json()[
        "incident"]["id"]
    await app_client.post(f"/api/v1/incidents/{incident_id}/resolve")
    answers = {
        401: await app_client.get("/api/v1/heartbeats", headers={"Authorization": ""}),
        404: await app_client.get("/api/v1/heartbeats/999"),
        405: await app_client.put("/api/v1/heartbeats"),
        409: await app_client.post(f"/api/v1/incidents/{incident_id}/resolve"),
        422: await app_client.post("/api/v1/heartbeats", json={"name": "b", "period": 0}),
    }
    codes = {401: "unauthorized", 404: "not_found", 405: "method_not_allowed", 409: "conflict",
             422: "validation_failed"}

    for status, answer in answers.items():
        assert answer.status_code == status
        assert answer.headers["content-type"] == "application/json"
        parsed = ErrorResponse.model_validate(answer.json())
        assert parsed.error.code == codes[status]
        assert parsed.error.message
        assert set(answer.json()["error"]) == {"code", "message", "fields"}


async def test_an_unknown_api_path_answers_404_in_the_same_shape(app_client: httpx.AsyncClient):
    answer = await app_client.get("/api/v1/nothing-here")

    assert answer.status_code == 404
    assert answer.json() == {"error": {"code": "not_found", "message": "Not Found",
                                       "fields": []}}


async def test_a_body_that_is_not_utf8_is_a_422_on_the_body(
    app_client: httpx.AsyncClient,
) -> None:
    answer = await app_client.post("/api/v1/heartbeats", content=b'{"name": "\xff\xfe"}',
                                   headers={"Content-Type": "application/json"})
    assert answer.status_code == 422
    assert answer.json()["error"]["fields"] == [
        {"field": "body", "message": "the body is not valid JSON (it must be UTF-8 text)"}]


async def test_a_wrong_method_names_every_method_the_path_answers_to(
    app_client: httpx.AsyncClient,
) -> None:
    answer = await app_client.put("/api/v1/heartbeats", json={})
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "GET, POST"
    assert ErrorResponse.model_validate(answer.json()).error.code == "method_not_allowed"
