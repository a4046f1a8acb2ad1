"""Saga state and stream-consumer state for workers (integration keys, supervisors)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import Field

from guiders.api.deps import CurrentPrincipal, ServicesDep
from guiders.api.responses import WireRoute
from guiders.api.responses.operations import (
    ConsumerPosition,
    DeadLetterList,
    SagaList,
)
from guiders.api.responses.operations import (
    DeadLetter as DeadLetterReply,
)
from guiders.api.responses.operations import (
    Saga as SagaReply,
)
from guiders.api.schemas import Body, UtcDateTime, iso
from guiders.domain.errors import ValidationFailed
from guiders.domain.events import MAX_SEQ
from guiders.domain.saga import Saga, SagaStatus
from guiders.services.ports import DeadLetter
from guiders.services.sagas import SagaWrite

router = APIRouter(prefix="/v2", tags=["sagas"], route_class=WireRoute)

Name = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.:\-]+$")]


class SagaBody(Body):
    type: Name
    status: SagaStatus
    steps: list[dict[str, Any]] = Field(default_factory=list, max_length=100)
    context: dict[str, Any] = Field(default_factory=dict)
    expected_revision: int = Field(alias="expectedRevision", ge=0, le=MAX_SEQ)
    error: str | None = Field(default=None, max_length=4000)
    owner: str | None = Field(default=None, max_length=120)
    lease_expires_at: UtcDateTime | None = Field(default=None, alias="leaseExpiresAt")


class PositionBody(Body):
    seq: int = Field(ge=0, le=MAX_SEQ)


class DeadLetterBody(Body):
    event: dict[str, Any]
    error: str = Field(min_length=1, max_length=8000)
    attempts: int = Field(ge=1, le=1000)


class DeadLetterStatusBody(Body):
    status: str


def saga_response(s: Saga) -> dict[str, Any]:
    return {
        "id": str(s.id),
        "type": s.type,
        "status": s.status.value,
        "steps": s.steps,
        "context": s.context,
        "error": s.error,
        "owner": s.owner,
        "leaseExpiresAt": iso(s.lease_expires_at),
        "revision": s.revision,
        "createdAt": iso(s.created_at),
        "updatedAt": iso(s.updated_at),
    }


def dead_letter_response(d: DeadLetter) -> dict[str, Any]:
    return {
        "id": str(d.id),
        "consumer": d.consumer,
        "eventId": str(d.event_id),
        "seq": d.seq,
        "event": d.event,
        "error": d.error,
        "attempts": d.attempts,
        "status": d.status,
        "createdAt": iso(d.created_at),
        "updatedAt": iso(d.updated_at),
    }


@router.get("/sagas", response_model=SagaList)
async def list_sagas(
    principal: CurrentPrincipal,
    services: ServicesDep,
    status: str | None = None,
    type: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    try:
        statuses = [SagaStatus(s) for s in (status or "").split(",") if s]
    except ValueError as exc:
        raise ValidationFailed(
            f"status must be among {[s.value for s in SagaStatus]}", field="status"
        ) from exc
    found = await services.sagas.find(principal, statuses, type, limit)
    return {"sagas": [saga_response(s) for s in found], "total": len(found)}


@router.get("/sagas/{saga_id}", response_model=SagaReply)
async def get_saga(saga_id: UUID, principal: CurrentPrincipal, services: ServicesDep) -> Any:
    return saga_response(await services.sagas.get(principal, saga_id))


@router.put("/sagas/{saga_id}", response_model=SagaReply)
async def put_saga(
    saga_id: UUID, body: SagaBody, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    write = SagaWrite(
        type=body.type,
        status=body.status,
        steps=body.steps,
        context=body.context,
        expected_revision=body.expected_revision,
        error=body.error,
        owner=body.owner,
        lease_expires_at=body.lease_expires_at,
    )
    return saga_response(await services.sagas.put(principal, saga_id, write))


@router.get("/consumers/{consumer}/position", response_model=ConsumerPosition)
async def get_position(
    consumer: Name, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    return {"consumer": consumer, "seq": await services.consumers.position(principal, consumer)}


@router.put("/consumers/{consumer}/position", response_model=ConsumerPosition)
async def put_position(
    consumer: Name, body: PositionBody, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    await services.consumers.set_position(principal, consumer, body.seq)
    return {"consumer": consumer, "seq": body.seq}


@router.post("/consumers/{consumer}/dead-letters", status_code=201, response_model=DeadLetterReply)
async def park_dead_letter(
    consumer: Name, body: DeadLetterBody, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    letter = await services.consumers.park(
        principal, consumer, body.event, body.error, body.attempts
    )
    return dead_letter_response(letter)


@router.get("/consumers/{consumer}/dead-letters", response_model=DeadLetterList)
async def list_dead_letters(
    consumer: Name,
    principal: CurrentPrincipal,
    services: ServicesDep,
    status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    letters = await services.consumers.dead_letters(principal, consumer, status, limit)
    return {"deadLetters": [dead_letter_response(d) for d in letters], "total": len(letters)}


@router.put("/consumers/{consumer}/dead-letters/{letter_id}", response_model=DeadLetterReply)
async def set_dead_letter_status(
    consumer: Name,
    letter_id: UUID,
    body: DeadLetterStatusBody,
    principal: CurrentPrincipal,
    services: ServicesDep,
) -> dict[str, Any]:
    letter = await services.consumers.set_dead_letter_status(principal, letter_id, body.status)
    return dead_letter_response(letter)
