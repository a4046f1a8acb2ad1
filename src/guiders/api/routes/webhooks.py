"""Outgoing webhooks' delivery log: the sender reports, admins read (``docs/settings.md``)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import Field

from guiders.api.deps import CurrentPrincipal, ServicesDep
from guiders.api.responses import WireRoute
from guiders.api.responses.webhooks import DeliveryList
from guiders.api.schemas import Body
from guiders.services.webhooks import DeliveryReport

router = APIRouter(prefix="/v2/company/webhooks", tags=["settings"], route_class=WireRoute)


class ReportBody(Body):
    webhook: str = Field(min_length=1, max_length=61)
    url: str = Field(min_length=1, max_length=500)
    event_id: str = Field(alias="eventId", min_length=1, max_length=80)
    event_type: str = Field(alias="eventType", min_length=1, max_length=80)
    outcome: Literal["delivered", "failed", "refused"]
    attempts: int = Field(ge=0, le=100)
    status_code: int | None = Field(None, alias="statusCode", ge=100, le=599)
    error: str | None = Field(None, max_length=500)


@router.post("/deliveries", status_code=204)
async def report_delivery(
    body: ReportBody, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    """The sender's report of one delivery (the integration key)."""
    report = DeliveryReport(
        webhook=body.webhook,
        url=body.url,
        event_id=body.event_id,
        event_type=body.event_type,
        outcome=body.outcome,
        attempts=body.attempts,
        status_code=body.status_code,
        error=body.error,
    )
    await services.webhooks.record(principal, report)
    return Response(status_code=204)


@router.get("/deliveries", response_model=DeliveryList)
async def deliveries(
    principal: CurrentPrincipal,
    services: ServicesDep,
    limit: int = Query(100, ge=1, le=500),
) -> dict[str, Any]:
    """The latest deliveries, newest first (admins)."""
    found = await services.webhooks.latest(principal, limit)
    return {
        "deliveries": [
            {
                "at": e.occurred_at.isoformat(),
                "webhook": e.payload.get("webhook"),
                "url": e.payload.get("url"),
                "eventId": e.payload.get("event_id"),
                "eventType": e.payload.get("event_type"),
                "outcome": e.payload.get("outcome"),
                "attempts": e.payload.get("attempts"),
                "statusCode": e.payload.get("status_code"),
                "error": e.payload.get("error"),
            }
            for e in found
        ]
    }
