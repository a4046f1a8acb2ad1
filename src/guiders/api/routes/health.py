"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from guiders.api.deps import runtime_of
from guiders.api.responses import WireRoute
from guiders.api.responses.operations import Health, Readiness

router = APIRouter(tags=["operations"], route_class=WireRoute)


@router.get("/health", response_model=Health)
async def health() -> dict[str, Any]:
    return {"status": "ok"}


@router.head("/health", include_in_schema=False)
async def health_probe() -> Response:
    """The widget SDK probes with ``HEAD /api/health`` before it starts."""
    return Response(status_code=200)


@router.get(
    "/ready",
    responses={
        200: {"model": Readiness, "description": "the database and the bus answer"},
        503: {"model": Readiness, "description": "a dependency is unreachable"},
    },
)
async def ready(request: Request) -> JSONResponse:
    runtime = runtime_of(request)
    database = await runtime.db.ping()
    bus = await runtime.bus.ping()
    ok = database and bus
    body = {"status": "ready" if ok else "unavailable", "database": database, "bus": bus}
    if not ok:
        body |= {"error": "service_unavailable", "message": "a dependency is unreachable"}
    return JSONResponse(body, status_code=200 if ok else 503)
