"""The one place that turns errors into the API's JSON ``{"error", "message"}`` responses."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from guiders.domain import errors

log = structlog.get_logger(__name__)

STATUS: dict[type[errors.GuidersError], int] = {
    errors.ValidationFailed: 422,
    errors.BadRequest: 400,
    errors.Unauthenticated: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.PayloadTooLarge: 413,
    errors.UnsupportedMediaType: 415,
    errors.RateLimited: 429,
    errors.Unavailable: 503,
}

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    503: "service_unavailable",
}


def status_of(exc: errors.GuidersError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": code, "message": message, **{k: v for k, v in extra.items() if v is not None}}


def field_name(loc: Sequence[Any]) -> str:
    """The API's name for a field: ``("path", "chat_id")`` -> ``chatId``."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "path", "query", "header"):
        parts = parts[1:]
    camel = [re.sub(r"_([a-z])", lambda m: m.group(1).upper(), p) for p in parts]
    return ".".join(camel) or "body"


ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "field": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}


def document_errors(app: FastAPI) -> None:
    """OpenAPI should describe the 422 body we send, not FastAPI's default ``{detail}``."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            schemas = schema.get("components", {}).get("schemas", {})
            if "HTTPValidationError" in schemas:
                schemas["HTTPValidationError"] = ERROR_SCHEMA
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def install(app: FastAPI) -> None:
    document_errors(app)

    @app.exception_handler(errors.GuidersError)
    async def _domain(_: Request, exc: errors.GuidersError) -> JSONResponse:
        headers = None
        if isinstance(exc, errors.RateLimited):
            headers = {
                "Retry-After": str(max(1, round(exc.retry_after))),
                "X-RateLimit-Limit": str(exc.limit),
                "X-RateLimit-Remaining": "0",
            }
        body = error_body(exc.code, exc.message, field=exc.field, **exc.details)
        return JSONResponse(body, status_code=status_of(exc), headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [{"field": field_name(e["loc"]), "message": e["msg"]} for e in exc.errors()]
        first = problems[0] if problems else {"field": "body", "message": "invalid"}
        return JSONResponse(
            error_body(
                "validation_error",
                f"{first['field']}: {first['message']}",
                field=first["field"],
                errors=problems,
            ),
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "error")
        return JSONResponse(
            error_body(code, str(exc.detail)),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        if not exc.connection_invalidated:
            return await _unexpected(request, exc)
        # A connection the database dropped (restart, failover): the pool has discarded it
        # and the next attempt gets a fresh one, so this is worth retrying, not a 500.
        log.warning("database connection lost", path=request.url.path)
        return JSONResponse(
            error_body("service_unavailable", "The database connection was lost; retry"),
            status_code=503,
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", path=request.url.path)
        return JSONResponse(
            error_body("internal_error", "Something went wrong on our side"), status_code=500
        )
