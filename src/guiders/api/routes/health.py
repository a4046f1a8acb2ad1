"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from guiders.api.deps import get_runtime

router = APIRouter(tags=["operations"])


@router.api_route("/health", methods=["GET", "HEAD"])
async def health() -> dict[str, Any]:
    """The widget SDK probes with ``HEAD /api/health`` before it starts."""
    return {"status": "ok"}


@router.get("/ready")
async def ready(request: Request) -> JSONResponse:
    runtime = get_runtime(request)
    database = await runtime.db.ping()
    bus = await runtime.bus.ping()
    ok = database and bus
    body = {"status": "ready" if ok else "unavailable", "database": database, "bus": bus}
    if not ok:
        body |= {"error": "service_unavailable", "message": "a dependency is unreachable"}
    return JSONResponse(body, status_code=200 if ok else 503)
