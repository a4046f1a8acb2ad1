"""Typing indicators and who is connected in a chat, over REST (the SDK's presence calls)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request

from guiders.api.deps import CurrentPrincipal, runtime_of
from guiders.api.responses import WireRoute
from guiders.api.responses.people import ChatPresence, Typing
from guiders.services.presence import PresenceService

router = APIRouter(prefix="/presence", tags=["presence"], route_class=WireRoute)


async def get_presence(request: Request) -> PresenceService:
    return runtime_of(request).presence


PresenceDep = Annotated[PresenceService, Depends(get_presence)]


@router.post("/chat/{chat_id}/typing/start", response_model=Typing)
async def typing_start(
    chat_id: UUID, principal: CurrentPrincipal, presence: PresenceDep
) -> dict[str, Any]:
    """Tells the chat's other sockets the caller is typing; lapses after 10 s unless repeated."""
    return {"success": True} | await presence.typing(principal, chat_id, started=True)


@router.post("/chat/{chat_id}/typing/stop", response_model=Typing)
async def typing_stop(
    chat_id: UUID, principal: CurrentPrincipal, presence: PresenceDep
) -> dict[str, Any]:
    return {"success": True} | await presence.typing(principal, chat_id, started=False)


@router.get("/chat/{chat_id}", response_model=ChatPresence)
async def chat_presence(
    chat_id: UUID, principal: CurrentPrincipal, presence: PresenceDep
) -> dict[str, Any]:
    """The chat's visitor and agent, whether each has a socket open, and who is typing."""
    return await presence.of_chat(principal, chat_id)
