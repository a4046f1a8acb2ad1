"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from guiders.api.deps import runtime_of

router = APIRouter(tags=["operations"])


@router.get("/health")
async def health() -> dict[str, Any]:
    return {"status": "ok"}


@router.head("/health", include_in_schema=False)
async def health_probe() -> Response:
    """The widget SDK probes with ``HEAD /api/health`` before it starts."""
    return Response(status_code=200)


@router.get("/ready")
async def ready(request: Request) -> JSONResponse:
    runtime = runtime_of(request)
    database = await runtime.db.ping()
    bus = await runtime.bus.ping()
    ok = database and bus
    body = {"status": "ready" if ok else "unavailable", "database": database, "bus": bus}
    if not ok:
        body |= {"error": "service_unavailable", "message": "a dependency is unreachable"}
    return JSONResponse(body, status_code=200 if ok else 503)
