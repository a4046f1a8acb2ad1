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
        200: {
            "model": Readiness,
            "description": "the database and the bus answer, and the in-process bot is ready",
        },
        503: {
            "model": Readiness,
            "description": "a dependency is unreachable, or the bot is still loading its model",
        },
    },
)
async def ready(request: Request) -> JSONResponse:
    runtime = runtime_of(request)
    database = await runtime.db.ping()
    bus = await runtime.bus.ping()
    workers = runtime.workers_ready()
    ok = database and bus and all(workers.values())
    body: dict[str, Any] = {
        "status": "ready" if ok else "unavailable",
        "database": database,
        "bus": bus,
    }
    if workers:
        body["workers"] = workers
    if not ok:
        waiting = [name for name, up in workers.items() if not up]
        message = (
            f"not ready yet: {', '.join(waiting)} (the bot loads its model first)"
            if database and bus
            else "a dependency is unreachable"
        )
        body |= {"error": "service_unavailable", "message": message}
    return JSONResponse(body, status_code=200 if ok else 503)
