"""Handing a chat on: transfer (to an agent or a department, with a note), tags removed,
the company's departments, and full-text search over its conversations."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response
from pydantic import Field

from guiders.api.deps import CurrentPrincipal, ServicesDep
from guiders.api.responses import WireRoute
from guiders.api.responses.agent_tools import (
    DepartmentItem,
    DepartmentList,
    SearchResults,
)
from guiders.api.responses.chats import Chat
from guiders.api.schemas import Body, chat_response
from guiders.domain.chat import MAX_TRANSFER_NOTE
from guiders.domain.department import MAX_NAME, Department
from guiders.services.transfers import MAX_QUERY, Transfer

router = APIRouter(prefix="/v2", tags=["handing on"], route_class=WireRoute)


class TransferBody(Body):
    agent_id: UUID | None = Field(default=None, alias="commercialId")
    department_id: UUID | None = Field(default=None, alias="departmentId")
    note: str | None = Field(default=None, max_length=MAX_TRANSFER_NOTE)


class DepartmentBody(Body):
    name: str = Field(min_length=1, max_length=MAX_NAME)
    member_ids: list[UUID] = Field(default_factory=list, alias="memberIds", max_length=500)


class DepartmentPatch(Body):
    name: str | None = Field(default=None, min_length=1, max_length=MAX_NAME)
    member_ids: list[UUID] | None = Field(default=None, alias="memberIds", max_length=500)


def department_response(d: Department) -> dict[str, Any]:
    return {"id": str(d.id), "name": d.name, "memberIds": [str(m) for m in d.member_ids]}


@router.post("/chats/{chat_id}/transfer", response_model=Chat)
async def transfer_chat(
    chat_id: UUID, body: TransferBody, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    order = Transfer(body.agent_id, body.department_id, body.note)
    await services.transfers.transfer(principal, chat_id, order)
    return chat_response(await services.chats.get(principal, chat_id))


@router.delete("/chats/{chat_id}/tags/{tag}", response_model=Chat)
async def remove_tag(
    chat_id: UUID, tag: str, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    await services.transfers.untag(principal, chat_id, [tag.strip()[:50]])
    return chat_response(await services.chats.get(principal, chat_id))


@router.get("/departments", response_model=DepartmentList)
async def list_departments(principal: CurrentPrincipal, services: ServicesDep) -> dict[str, Any]:
    found = await services.departments.listing(principal)
    return {"departments": [department_response(d) for d in found]}


@router.post("/departments", status_code=201, response_model=DepartmentItem)
async def create_department(
    body: DepartmentBody, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    created = await services.departments.create(principal, body.name, body.member_ids)
    return department_response(created)


@router.patch("/departments/{department_id}", response_model=DepartmentItem)
async def update_department(
    department_id: UUID, body: DepartmentPatch, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    updated = await services.departments.update(
        principal, department_id, name=body.name, member_ids=body.member_ids
    )
    return department_response(updated)


@router.delete("/departments/{department_id}", status_code=204)
async def delete_department(
    department_id: UUID, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    await services.departments.delete(principal, department_id)
    return Response(status_code=204)


@router.get("/conversations/search", response_model=SearchResults)
async def search_conversations(
    principal: CurrentPrincipal,
    services: ServicesDep,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY)],
    visitor_id: Annotated[UUID | None, Query(alias="visitorId")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    hits = await services.transfers.search(principal, q, visitor_id=visitor_id, limit=limit)
    return {
        "query": q,
        "hits": [
            {
                "chatId": str(h.chat_id),
                "visitorId": str(h.visitor_id),
                "messageId": str(h.message_id),
                "content": h.content[:500],
                "sentAt": h.sent_at.isoformat(),
            }
            for h in hits
        ],
    }
