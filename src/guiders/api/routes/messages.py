"""Messages: the guide's chat-scoped routes and the SDK's flat ones."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import Field

from guiders.api.deps import CurrentPrincipal, ServicesDep
from guiders.api.responses import WireRoute
from guiders.api.responses.chats import MarkedRead, Message, MessagePage, UnreadMessage
from guiders.api.schemas import Body, MessageBody, UtcDateTime, decode_cursor, encode_cursor
from guiders.domain.message import Message as DomainMessage
from guiders.services.messages import MessageDraft
from guiders.wire import message_response

router = APIRouter(prefix="/v2", tags=["messages"], route_class=WireRoute)
SAME_MESSAGE: dict[int | str, dict[str, Any]] = {
    200: {"model": Message, "description": "already stored under this clientMessageId"}
}


def sent_response(message: DomainMessage, created: bool) -> JSONResponse:
    """The send routes' answer, encoded once: the hot path skips FastAPI's validation of the
    dict against ``Message`` and its second pass to plain JSON types (``message_response`` is
    plain JSON already; tests/unit/api/test_message_wire.py checks it against ``Message``)."""
    return JSONResponse(message_response(message), status_code=201 if created else 200)


def draft_of(body: MessageBody) -> MessageDraft:
    return MessageDraft(
        content=body.content,
        type=body.type,
        is_internal=body.is_internal,
        metadata=body.metadata,
        client_message_id=body.client_message_id,
    )


@router.post(
    "/chats/{chat_id}/messages", status_code=201, response_model=Message, responses=SAME_MESSAGE
)
async def send_message(
    chat_id: UUID,
    body: MessageBody,
    principal: CurrentPrincipal,
    services: ServicesDep,
) -> JSONResponse:
    message, created = await services.messages.send(principal, chat_id, draft_of(body))
    return sent_response(message, created)


class SdkMessage(MessageBody):
    chat_id: UUID = Field(alias="chatId")


@router.post("/messages", status_code=201, response_model=Message, responses=SAME_MESSAGE)
async def send_message_sdk(
    body: SdkMessage, principal: CurrentPrincipal, services: ServicesDep
) -> JSONResponse:
    message, created = await services.messages.send(principal, body.chat_id, draft_of(body))
    return sent_response(message, created)


@router.get("/chats/{chat_id}/messages", response_model=MessagePage)
async def list_messages(
    chat_id: UUID,
    principal: CurrentPrincipal,
    services: ServicesDep,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    since: UtcDateTime | None = None,
) -> dict[str, Any]:
    page = await services.messages.page(
        principal,
        chat_id,
        newest_first=False,
        limit=limit,
        cursor=decode_cursor(cursor),
        since=since,
    )
    return {
        "messages": [message_response(m) for m in page.items],
        "total": page.total,
        "hasMore": page.next_cursor is not None,
        "nextCursor": encode_cursor(page.next_cursor),
    }


@router.get("/messages/chat/{chat_id}", response_model=MessagePage)
async def list_messages_sdk(
    chat_id: UUID,
    principal: CurrentPrincipal,
    services: ServicesDep,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> dict[str, Any]:
    page = await services.messages.page(
        principal, chat_id, newest_first=True, limit=limit, cursor=decode_cursor(cursor), since=None
    )
    return {
        "messages": [message_response(m) for m in page.items],
        "total": page.total,
        "hasMore": page.next_cursor is not None,
        "nextCursor": encode_cursor(page.next_cursor),
    }


@router.get("/messages/chat/{chat_id}/unread", response_model=list[UnreadMessage])
async def unread_messages(
    chat_id: UUID, principal: CurrentPrincipal, services: ServicesDep
) -> list[dict[str, Any]]:
    """A bare array, as the SDK reads it: each item the message payload plus its read state."""
    unread = await services.messages.unread(principal, chat_id)
    return [
        {**message_response(m), "isRead": False, "readBy": None, "updatedAt": m.sent_at.isoformat()}
        for m in unread
    ]


class MarkRead(Body):
    message_ids: list[UUID] = Field(alias="messageIds", min_length=1, max_length=500)


@router.put("/messages/mark-as-read", response_model=MarkedRead)
async def mark_as_read(
    body: MarkRead, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    marked = await services.messages.mark_read(principal, body.message_ids)
    return {"success": True, "markedCount": marked}
