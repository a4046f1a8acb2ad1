"""Availability of people, the visitor's place in the queue, and the AI disclosure record
(``docs/web.md``, visitor behaviours)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pydantic import Field

from guiders.api.deps import CurrentPrincipal, ServicesDep
from guiders.api.responses import WireRoute
from guiders.api.responses.availability import AvailabilityReply, DisclosureReply, WaitReply
from guiders.api.schemas import Body, iso
from guiders.domain.settings import LANGUAGE

router = APIRouter(tags=["availability"], route_class=WireRoute)


class DisclosureBody(Body):
    language: str = Field(pattern=LANGUAGE.pattern, max_length=5)
    text: str = Field(min_length=1, max_length=2000)


@router.get("/v2/availability", response_model=AvailabilityReply)
async def availability(principal: CurrentPrincipal, services: ServicesDep) -> dict[str, Any]:
    """Whether a person can answer now, and if not, when they are back: any credential of the
    company, a visitor's included."""
    a = await services.availability.availability(principal.company_id)
    return {
        "state": a.state,
        "openNow": a.open_now,
        "agentsOnline": a.agents_online,
        "agentsAvailable": a.agents_available,
        "nextOpening": iso(a.next_opening) if a.next_opening else None,
        "timeZone": a.time_zone,
        "typicalWaitSeconds": a.typical_wait_s,
        "outsideHours": a.outside_hours,
    }


@router.get("/v2/chats/{chat_id}/wait", response_model=WaitReply)
async def chat_wait(
    chat_id: UUID, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    """The chat's place in the queue and an estimate from recent assignments (or none)."""
    w = await services.availability.wait(principal, chat_id)
    return {
        "position": w.position,
        "queueLength": w.queue_length,
        "estimateSeconds": w.estimate_s,
        "samples": w.samples,
    }


@router.post("/v2/chats/{chat_id}/ai-disclosure", response_model=DisclosureReply)
async def ai_disclosure(
    chat_id: UUID, body: DisclosureBody, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    """The widget showed the AI disclosure: recorded as ``ai.disclosure_shown`` with its text
    (which must be the company's ``bot.disclosure`` text), once per chat and text."""
    recorded = await services.availability.record_disclosure(
        principal, chat_id, body.language, body.text
    )
    return {"recorded": recorded}
