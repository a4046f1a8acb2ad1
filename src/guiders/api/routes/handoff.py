"""Ask for a chat to be handed to a person; the server runs it (``services/handoff.py``)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pydantic import Field

from guiders.api.deps import CurrentPrincipal, ServicesDep
from guiders.api.responses import Reply, WireRoute
from guiders.api.schemas import Body
from guiders.services.handoff_saga import HandoffRequest

router = APIRouter(prefix="/v2/chats", tags=["chats"], route_class=WireRoute)


class HandoffAccepted(Reply):
    sagaId: str
    chatId: str
    status: str
    revision: int


class HandoffBody(Body):
    reason: str = Field(min_length=1, max_length=80)
    summary: str = Field(default="", max_length=8000)
    language: str = Field(default="en", pattern=r"^[a-z]{2}(-[A-Za-z]{2})?$")
    key: str | None = Field(default=None, min_length=1, max_length=120)
    answer_timeout_s: float | None = Field(default=None, alias="answerTimeoutS", gt=0, le=3600)
    reply_to: str | None = Field(default=None, alias="replyTo", max_length=80)
    metadata: dict[str, Any] = Field(default_factory=dict, max_length=20)


@router.post("/{chat_id}/handoff", status_code=202, response_model=HandoffAccepted)
async def request_handoff(
    chat_id: UUID, body: HandoffBody, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    """202: the hand-off is recorded (a saga, in the event log) and runs on the server; a
    repeat with the same ``key``, or while one runs for the chat, returns that one."""
    ask = HandoffRequest(
        chat_id=str(chat_id),
        company_id=str(principal.company_id),
        reason=body.reason,
        summary=body.summary,
        language=body.language.split("-")[0],
        key=body.key,
        answer_timeout_s=body.answer_timeout_s,
        reply_to=body.reply_to,
        metadata=body.metadata,
    )
    state = await services.handoff.request(principal, ask)
    return {
        "sagaId": state.id,
        "chatId": str(chat_id),
        "status": state.status,
        "revision": state.revision,
    }
