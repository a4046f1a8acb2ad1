"""Visitor profile, sessions, activity and tracking."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from user_agents import parse as parse_user_agent

from guiders.api.deps import CurrentPrincipal, ServicesDep
from guiders.api.responses import WireRoute
from guiders.api.responses.people import SessionList, Tracked, TrackingEvents, Visitor
from guiders.api.schemas import TrackingBody, session_response, visitor_response

router = APIRouter(tags=["visitors"], route_class=WireRoute)


@lru_cache(maxsize=1024)
def device_of(user_agent: str | None) -> dict[str, Any]:
    if not user_agent:
        return {"type": "unknown", "os": None, "browser": None}
    ua = parse_user_agent(user_agent)
    kind = (
        "mobile"
        if ua.is_mobile
        else "tablet"
        if ua.is_tablet
        else "bot"
        if ua.is_bot
        else "desktop"
        if ua.is_pc
        else "unknown"
    )
    return {
        "type": kind,
        "os": ua.os.family,
        "osVersion": ua.os.version_string,
        "browser": ua.browser.family,
        "browserVersion": ua.browser.version_string,
    }


@router.get("/v2/visitors/{visitor_id}", response_model=Visitor)
async def visitor_profile(
    visitor_id: UUID, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    visitor = await services.visitors.profile(principal, visitor_id)
    return visitor_response(visitor, device_of(visitor.user_agent))


@router.get("/v2/visitors/{visitor_id}/sessions", response_model=SessionList)
async def visitor_sessions(
    visitor_id: UUID,
    principal: CurrentPrincipal,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    sessions = await services.visitors.sessions(principal, visitor_id, limit)
    return {"sessions": [session_response(s) for s in sessions], "total": len(sessions)}


@router.get("/v2/visitors/{visitor_id}/events", response_model=TrackingEvents)
@router.get("/v2/visitors/{visitor_id}/activity", response_model=TrackingEvents)
async def visitor_events(
    visitor_id: UUID,
    principal: CurrentPrincipal,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    events = await services.visitors.tracking(principal, visitor_id, limit)
    return {"events": [e.to_dict() for e in events], "total": len(events)}


@router.post("/tracking/events", response_model=Tracked)
async def track(
    body: TrackingBody, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    result = await services.visitors.track(principal, body.events)
    return {
        "success": result.processed > 0 or result.received == 0,
        "received": result.received,
        "processed": result.processed,
        "discarded": result.discarded,
        "errors": result.errors,
    }
