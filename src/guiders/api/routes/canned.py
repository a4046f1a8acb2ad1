"""Canned responses: the company's and each agent's own, and their expansion in a chat."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter, Response
from pydantic import Field

from guiders.api.deps import CurrentPrincipal, ServicesDep
from guiders.api.responses import WireRoute
from guiders.api.responses.agent_tools import (
    CannedExpansion,
    CannedResponseItem,
    CannedResponseList,
)
from guiders.api.schemas import Body
from guiders.domain.canned import MAX_CONTENT, MAX_TITLE, CannedResponse

router = APIRouter(prefix="/v2", tags=["canned responses"], route_class=WireRoute)


class CannedBody(Body):
    shortcut: str = Field(min_length=1, max_length=40)
    title: str = Field(default="", max_length=MAX_TITLE)
    content: str = Field(min_length=1, max_length=MAX_CONTENT)


class CannedCreate(CannedBody):
    scope: Literal["personal", "company"] = "personal"


class ExpandBody(Body):
    text: str = Field(max_length=10_000)


def canned_response(r: CannedResponse) -> dict[str, Any]:
    return {
        "id": str(r.id),
        "scope": r.scope,
        "ownerId": str(r.owner_id) if r.owner_id else None,
        "shortcut": r.shortcut,
        "title": r.title,
        "content": r.content,
        "createdAt": r.created_at.isoformat(),
        "updatedAt": r.updated_at.isoformat(),
    }


@router.get("/canned-responses", response_model=CannedResponseList)
async def list_canned(principal: CurrentPrincipal, services: ServicesDep) -> dict[str, Any]:
    responses = await services.canned.listing(principal)
    return {"responses": [canned_response(r) for r in responses]}


@router.post("/canned-responses", status_code=201, response_model=CannedResponseItem)
async def create_canned(
    body: CannedCreate, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    response = await services.canned.create(
        principal, scope=body.scope, shortcut=body.shortcut, title=body.title, content=body.content
    )
    return canned_response(response)


@router.put("/canned-responses/{response_id}", response_model=CannedResponseItem)
async def update_canned(
    response_id: UUID, body: CannedBody, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    response = await services.canned.update(
        principal, response_id, shortcut=body.shortcut, title=body.title, content=body.content
    )
    return canned_response(response)


@router.delete("/canned-responses/{response_id}", status_code=204)
async def delete_canned(
    response_id: UUID, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    await services.canned.delete(principal, response_id)
    return Response(status_code=204)


@router.post("/chats/{chat_id}/canned-expansion", response_model=CannedExpansion)
async def expand_canned(
    chat_id: UUID, body: ExpandBody, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    text, used = await services.canned.expand(principal, chat_id, body.text)
    return {"text": text, "used": used}
