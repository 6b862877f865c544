"""One shape for every error answer:

    {"error": {"code": "not_found", "message": "no heartbeat with id 7", "fields": []}}

`fields` lists, for validation errors, each input that needs fixing and why.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
)
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from cronbeat.errors import Conflict, Invalid, NotFound

log = logging.getLogger(__name__)

CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "too_large", 422: "validation_failed",
    500: "internal", 503: "unavailable",
}


class FieldError(BaseModel):
    field: str
    message: str


class ErrorBody(BaseModel):
    code: str
    message: str
    fields: list[FieldError] = []


class ErrorResponse(BaseModel):
    error: ErrorBody


def error_response(
    status: int, message: str, fields: list[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = ErrorResponse(error=ErrorBody(code=CODES.get(status, "error"), message=message,
                                         fields=fields or []))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


_DESCRIPTIONS = {
    401: "Missing, unknown or revoked API key",
    403: "The API key is read-only",
    404: "No such thing in this team",
    409: "The thing is not in a state that allows this",
    422: "A parameter or field is invalid; `fields` says which and why",
}
_UNPARSABLE_BODY = "There was an error parsing the body"
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
READ = (401, 422)
WRITE = (401, 403, 422)


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI descriptions of the error answers a route can give."""
    return {code: {"model": ErrorResponse, "description": _DESCRIPTIONS[code]} for code in codes}


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [FieldError(field=_location(err), message=err["msg"]) for err in exc.errors()]
        summary = "; ".join(f"{f.field}: {f.message}" for f in fields)
        return error_response(422, summary or "invalid request", fields)

    @app.exception_handler(Invalid)
    async def _invalid(_: Request, exc: Invalid) -> JSONResponse:
        return error_response(422, f"{exc.field}: {exc.message}",
                              [FieldError(field=exc.field, message=exc.message)])

    @app.exception_handler(NotFound)
    async def _not_found(_: Request, exc: NotFound) -> JSONResponse:
        return error_response(404, exc.message)

    @app.exception_handler(Conflict)
    async def _conflict(_: Request, exc: Conflict) -> JSONResponse:
        return error_response(409, exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = exc.headers
        if exc.status_code == 400 and exc.detail == _UNPARSABLE_BODY:
            # FastAPI's answer to a body that is not UTF-8; JSON that does not parse is a
            # 422 on `body`, so this is too.
            message = "the body is not valid JSON (it must be UTF-8 text)"
            return error_response(422, f"body: {message}",
                                  [FieldError(field="body", message=message)])
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": ", ".join(_allowed(request))}
        return error_response(exc.status_code, str(exc.detail), headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        if is_unavailable(exc):
            return unavailable(request.method, request.url.path, exc)
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(500, "internal error; the server log has the details")


def is_unavailable(exc: BaseException) -> bool:
    """The database could not be reached (down, refusing connections, connection cut), as
    opposed to a query that is wrong: the first is a 503 to retry, the second a bug."""
    if isinstance(exc, (OperationalError, InterfaceError, OSError)):
        return True
    if isinstance(exc, DBAPIError):
        return exc.connection_invalidated or not isinstance(
            exc, (IntegrityError, ProgrammingError, DataError))
    return False


def unavailable(method: str, path: str, exc: BaseException) -> JSONResponse:
    log.error("database unavailable on %s %s: %s", method, path, exc)
    return error_response(503, "the database is unavailable; retry shortly",
                          headers={"Retry-After": "1"})


def _allowed(request: Request) -> list[str]:
    """Every method the path answers to. Starlette's own `Allow` names only the first route
    that matched the path, and GET and POST of one path are often two routes."""
    routes = request.app.router.routes
    return [method for method in _METHODS if any(
        route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
    )]


def _location(error: Mapping[str, Any]) -> str:
    if error.get("type") == "json_invalid":  # its loc ends with a character offset
        return "body"
    parts = [str(p) for p in error["loc"]]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    return ".".join(parts) or "body"
