"""The audit trail: the event log, read by supervisors, admins and integration keys."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query

from guiders.api.deps import CurrentPrincipal, ServicesDep
from guiders.api.responses import WireRoute
from guiders.api.responses.operations import EventPage
from guiders.domain.events import MAX_SEQ, StoredEvent
from guiders.services.access import require_supervisor_or_key
from guiders.services.ports import EventFilter

router = APIRouter(prefix="/v2", tags=["events"], route_class=WireRoute)
MAX_BIGINT = MAX_SEQ  # the column type on both databases; beyond it is a 422, not a crash


def event_response(e: StoredEvent) -> dict[str, Any]:
    occurred: datetime = e.occurred_at
    return {
        "eventId": str(e.event_id),
        "seq": e.seq,
        "companyId": str(e.company_id),
        "aggregateType": e.aggregate_type,
        "aggregateId": str(e.aggregate_id),
        "version": e.version,
        "type": e.type,
        "payload": e.payload,
        "actor": {"id": e.actor_id, "type": e.actor_type},
        "correlationId": e.correlation_id,
        "occurredAt": occurred.isoformat(),
    }


@router.get("/events", response_model=EventPage)
async def read_events(
    principal: CurrentPrincipal,
    services: ServicesDep,
    aggregate_id: Annotated[UUID | None, Query(alias="aggregateId")] = None,
    from_version: Annotated[int | None, Query(alias="fromVersion", ge=0, le=MAX_BIGINT)] = None,
    type: str | None = None,
    after_seq: Annotated[int | None, Query(alias="afterSeq", ge=0, le=MAX_BIGINT)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    require_supervisor_or_key(principal)
    query = EventFilter(
        company_id=principal.company_id,
        aggregate_id=aggregate_id,
        from_version=from_version,
        types=[t for t in (type or "").split(",") if t],
        after_seq=after_seq,
        limit=limit,
    )
    async with services.uow() as uow:
        events = await uow.events.read(query)
        last = await uow.events.last_seq(principal.company_id)
    return {
        "events": [event_response(e) for e in events],
        "lastSeq": last,
        "hasMore": len(events) == limit,
    }
