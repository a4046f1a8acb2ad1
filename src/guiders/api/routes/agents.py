"""Agents: availability, workload and status."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter

from guiders.api.deps import CurrentPrincipal, ServicesDep
from guiders.api.responses import WireRoute
from guiders.api.responses.people import (
    AvailableCommercials,
    CommercialList,
    CommercialStatusChanged,
)
from guiders.api.schemas import CommercialStatusBody, iso
from guiders.domain.agent import AgentStatus
from guiders.domain.assignment import Candidate
from guiders.domain.errors import ValidationFailed
from guiders.services.access import require_staff_or_key

router = APIRouter(prefix="/v2/commercials", tags=["commercials"], route_class=WireRoute)


def agent_response(c: Candidate) -> dict[str, Any]:
    com = c.agent
    return {
        "id": str(com.id),
        "name": com.name,
        "status": com.status.value,
        "workload": c.workload,
        "maxChats": com.max_chats,
        "skills": com.skills,
        "seniority": com.seniority,
        "lastActivity": iso(com.last_activity_at),
        "avatarUrl": com.avatar_url,
        "available": c.available,
    }


@router.get("", response_model=CommercialList)
async def list_commercials(
    principal: CurrentPrincipal,
    services: ServicesDep,
    status: str | None = None,
    orderBy: str | None = None,
) -> dict[str, Any]:
    require_staff_or_key(principal)
    if status not in (None, "available", *[s.value for s in AgentStatus]):
        raise ValidationFailed("status must be 'available' or an agent status", field="status")
    candidates = await services.agents.listing(
        principal, available_only=status == "available", order_by=orderBy
    )
    if status not in (None, "available"):
        candidates = [c for c in candidates if c.agent.status.value == status]
    return {"data": [agent_response(c) for c in candidates], "total": len(candidates)}


@router.get("/available", response_model=AvailableCommercials)
async def available_commercials(
    principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    candidates = await services.agents.listing(principal, available_only=True, order_by="workload")
    shown = [agent_response(c) for c in candidates]
    if principal.is_visitor:
        # A visitor sees who can help, not the team's workload, capacity or skills.
        shown = [
            {k: c[k] for k in ("id", "name", "avatarUrl", "status", "available")} for c in shown
        ]
    return {
        "commercials": shown,
        "count": len(candidates),
        "timestamp": datetime.now(UTC).isoformat(),
    }


@router.put("/{commercial_id}/status", response_model=CommercialStatusChanged)
async def set_status(
    commercial_id: UUID,
    body: CommercialStatusBody,
    principal: CurrentPrincipal,
    services: ServicesDep,
) -> dict[str, Any]:
    try:
        status = AgentStatus(body.status.lower())
    except ValueError as exc:
        raise ValidationFailed(
            "status must be online, busy, away or offline", field="status"
        ) from exc
    change = await services.agents.set_status(principal, commercial_id, status)
    return {
        "id": str(commercial_id),
        "status": change.agent.status.value,
        "previousStatus": change.previous.value if change.previous else None,
    }
