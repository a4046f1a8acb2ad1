"""Chat changes that automations make: priority, tags, custom fields, release to the queue."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pydantic import Field

from guiders.api.deps import CurrentPrincipal, ServicesDep
from guiders.api.responses import WireRoute
from guiders.api.responses.chats import Chat
from guiders.api.schemas import Body, chat_response
from guiders.domain.chat import Priority

router = APIRouter(prefix="/v2/chats", tags=["chats"], route_class=WireRoute)


class PriorityBody(Body):
    priority: Priority


class TagsBody(Body):
    tags: list[str] = Field(min_length=1, max_length=20)


class CustomFieldsBody(Body):
    custom_fields: dict[str, str | int | float | bool | None] = Field(
        alias="customFields", max_length=40
    )


class ReleaseBody(Body):
    reason: str = Field(default="released", min_length=1, max_length=200)


@router.put("/{chat_id}/priority", response_model=Chat)
async def set_priority(
    chat_id: UUID, body: PriorityBody, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    await services.chats.change_priority(principal, chat_id, body.priority)
    return chat_response(await services.chats.get(principal, chat_id))


@router.post("/{chat_id}/tags", response_model=Chat)
async def add_tags(
    chat_id: UUID, body: TagsBody, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    tags = [t.strip()[:50] for t in body.tags if t.strip()]
    await services.chats.tag(principal, chat_id, tags)
    return chat_response(await services.chats.get(principal, chat_id))


@router.patch("/{chat_id}/custom-fields", response_model=Chat)
async def set_custom_fields(
    chat_id: UUID, body: CustomFieldsBody, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    await services.chats.set_custom_fields(principal, chat_id, dict(body.custom_fields))
    return chat_response(await services.chats.get(principal, chat_id))


@router.put("/{chat_id}/release", response_model=Chat)
async def release_chat(
    chat_id: UUID, body: ReleaseBody, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    await services.chats.release(principal, chat_id, body.reason)
    return chat_response(await services.chats.get(principal, chat_id))
