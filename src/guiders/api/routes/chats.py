"""Chats: the integration-guide surface (and the SDK's view-open/close)."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import APIRouter, Body, Query
from pydantic import Field

from guiders.api.deps import CurrentPrincipal, ServicesDep
from guiders.api.responses import WireRoute
from guiders.api.responses.chats import (
    Chat,
    ChatOpened,
    ChatOpenedWithMessage,
    ChatPage,
    ChatQueue,
    ChatViewed,
)
from guiders.api.schemas import (
    ChatCloseBody,
    ChatCreate,
    MessageBody,
    RatingBody,
    RequestAgentBody,
    UtcDateTime,
    chat_response,
    decode_cursor,
    encode_cursor,
)
from guiders.domain.chat import ChatStatus, Priority
from guiders.domain.errors import ValidationFailed
from guiders.services.chats import SORT_FIELDS, ChatView
from guiders.services.messages import MessageDraft
from guiders.services.ports import ChatQuery
from guiders.wire import message_response

router = APIRouter(prefix="/v2", tags=["chats"], route_class=WireRoute)
E = TypeVar("E", ChatStatus, Priority)


def _priority(value: str | None) -> Priority:
    if value is None:
        return Priority.NORMAL
    try:
        return Priority(value.upper())
    except ValueError as exc:
        raise ValidationFailed(
            f"priority must be one of {[p.value for p in Priority]}", field="priority"
        ) from exc


def _uuid(value: str | None, field: str) -> UUID | None:
    if value is None:
        return None
    try:
        return UUID(value)
    except ValueError as exc:
        raise ValidationFailed(f"{field} must be a UUID", field=field) from exc


def _enum_list(raw: str | None, enum: type[E], field: str) -> list[E] | None:
    if not raw:
        return None
    try:
        return [enum(v.strip().upper()) for v in raw.split(",") if v.strip()]
    except ValueError as exc:
        raise ValidationFailed(
            f"{field} must be among {[e.value for e in enum]}", field=field
        ) from exc


@router.post("/chats", status_code=201, response_model=ChatOpened)
async def create_chat(
    principal: CurrentPrincipal,
    services: ServicesDep,
    body: Annotated[ChatCreate, Body()] = ChatCreate(),
) -> dict[str, Any]:
    chat, position, _ = await services.chats.open(
        principal,
        visitor_id=_uuid(body.visitor_id, "visitorId"),
        visitor_info=body.visitor_info.model_dump(),
        metadata=body.metadata.to_domain_dict(),
        priority=_priority(body.priority),
    )
    return {"chatId": str(chat.id), "position": position, "status": chat.status.value}


class WithMessage(ChatCreate):
    first_message: MessageBody = Field(alias="firstMessage")


@router.post("/chats/with-message", status_code=201, response_model=ChatOpenedWithMessage)
async def create_chat_with_message(
    body: WithMessage, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    first = body.first_message
    chat, position, message = await services.chats.open(
        principal,
        visitor_id=_uuid(body.visitor_id, "visitorId"),
        visitor_info=body.visitor_info.model_dump(),
        metadata=body.metadata.to_domain_dict(),
        priority=_priority(body.priority),
        first_message=MessageDraft(
            content=first.content,
            type=first.type,
            metadata=first.metadata,
            client_message_id=first.client_message_id,
        ),
    )
    assert message is not None
    return {
        "chatId": str(chat.id),
        "messageId": str(message.id),
        "position": position,
        "status": chat.status.value,
        "message": message_response(message),
    }


def _page(views: list[ChatView], total: int, cursor: tuple[str, str] | None) -> dict[str, Any]:
    return {
        "chats": [chat_response(v) for v in views],
        "total": total,
        "hasMore": cursor is not None,
        "nextCursor": encode_cursor(cursor),
    }


@router.get("/chats", response_model=ChatPage)
async def list_chats(
    principal: CurrentPrincipal,
    services: ServicesDep,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    status: str | None = None,
    priority: str | None = None,
    visitor_id: Annotated[str | None, Query(alias="visitorId")] = None,
    assigned: Annotated[str | None, Query(alias="assignedCommercialId")] = None,
    department: str | None = None,
    tag: Annotated[str | None, Query(max_length=50)] = None,
    date_from: Annotated[UtcDateTime | None, Query(alias="dateFrom")] = None,
    date_to: Annotated[UtcDateTime | None, Query(alias="dateTo")] = None,
    sort: str = "createdAt",
    order: Annotated[str, Query(pattern="^(asc|desc)$")] = "desc",
) -> dict[str, Any]:
    sort_field = sort.lstrip("-")
    if sort_field not in SORT_FIELDS:
        raise ValidationFailed(f"sort must be one of {list(SORT_FIELDS)}", field="sort")
    query = ChatQuery(
        company_id=principal.company_id,
        status=_enum_list(status, ChatStatus, "status"),
        priority=_enum_list(priority, Priority, "priority"),
        visitor_id=_uuid(visitor_id, "visitorId"),
        assigned_agent_id=_uuid(assigned, "assignedCommercialId"),
        department=department,
        tag=tag,
        date_from=date_from,
        date_to=date_to,
        sort=sort_field,
        descending=sort.startswith("-") or order == "desc",
        limit=limit,
        cursor=decode_cursor(cursor),
    )
    if principal.is_visitor:
        query.visitor_id = principal.subject_id
    page = await services.chats.find(principal, query)
    return _page(page.items, page.total, page.next_cursor)


@router.get("/chats/queue/pending", response_model=ChatQueue)
async def pending_queue(
    principal: CurrentPrincipal,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> dict[str, Any]:
    views = await services.chats.pending_queue(principal, limit)
    return {"chats": [chat_response(v) for v in views], "total": len(views)}


@router.get("/visitors/{visitor_id}/chats", response_model=ChatPage)
@router.get("/chats/visitor/{visitor_id}", response_model=ChatPage)
async def visitor_chats(
    visitor_id: UUID,
    principal: CurrentPrincipal,
    services: ServicesDep,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    await services.visitors.profile(principal, visitor_id)
    query = ChatQuery(
        company_id=principal.company_id,
        visitor_id=visitor_id,
        limit=limit,
        cursor=decode_cursor(cursor),
    )
    page = await services.chats.find(principal, query)
    return _page(page.items, page.total, page.next_cursor)


@router.get("/chats/{chat_id}", response_model=Chat)
async def get_chat(
    chat_id: UUID, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    return chat_response(await services.chats.get(principal, chat_id))


@router.put("/chats/{chat_id}/assign/{commercial_id}", response_model=Chat)
async def assign_chat(
    chat_id: UUID, commercial_id: UUID, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    await services.chats.assign(principal, chat_id, commercial_id)
    return chat_response(await services.chats.get(principal, chat_id))


@router.put("/chats/{chat_id}/close", response_model=Chat)
async def close_chat(
    chat_id: UUID,
    principal: CurrentPrincipal,
    services: ServicesDep,
    body: Annotated[ChatCloseBody, Body()] = ChatCloseBody(),
) -> dict[str, Any]:
    await services.chats.close(
        principal,
        chat_id,
        reason=body.reason,
        satisfaction=body.satisfaction,
        resolution=body.resolution,
    )
    return chat_response(await services.chats.get(principal, chat_id))


@router.put("/chats/{chat_id}/rating", response_model=Chat)
async def rate_chat(
    chat_id: UUID, body: RatingBody, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    """The visitor rates a chat an agent (or the bot) closed; a rating given at close counts."""
    await services.chats.rate(principal, chat_id, body.satisfaction)
    return chat_response(await services.chats.get(principal, chat_id))


@router.post("/chats/{chat_id}/request-agent", response_model=Chat)
async def request_agent(
    chat_id: UUID,
    principal: CurrentPrincipal,
    services: ServicesDep,
    body: Annotated[RequestAgentBody, Body()] = RequestAgentBody(),
) -> dict[str, Any]:
    await services.chats.request_agent(principal, chat_id, body.reason or "visitor_request")
    return chat_response(await services.chats.get(principal, chat_id))


@router.put("/chats/{chat_id}/view-open", response_model=ChatViewed)
@router.put("/chats/{chat_id}/view-close", response_model=ChatViewed)
async def view_toggle(
    chat_id: UUID, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    """The SDK reports when its chat window opens or closes; we only check access."""
    await services.chats.get(principal, chat_id)
    return {"success": True, "chatId": str(chat_id)}
