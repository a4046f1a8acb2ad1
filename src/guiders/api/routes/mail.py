"""Queueing an e-mail to a visitor for automations (the pipeline's ``email`` action)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response
from pydantic import Field

from guiders.api.deps import CurrentPrincipal, ServicesDep
from guiders.api.responses import WireRoute
from guiders.api.responses.operations import QueuedEmail as QueuedEmailReply
from guiders.api.schemas import Body, iso
from guiders.services.outgoing_mail import EmailRequest
from guiders.services.ports import QueuedEmail

router = APIRouter(prefix="/v2/mail", tags=["mail"], route_class=WireRoute)


class EmailBody(Body):
    visitor_id: UUID = Field(alias="visitorId")
    subject: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=20_000)
    to: str | None = Field(default=None, max_length=255)
    idempotency_key: str | None = Field(
        default=None, alias="idempotencyKey", min_length=1, max_length=200
    )


def email_response(e: QueuedEmail) -> dict[str, Any]:
    return {
        "id": str(e.id),
        "visitorId": str(e.visitor_id),
        "to": e.to_address,
        "subject": e.subject,
        "status": e.status,
        "attempts": e.attempts,
        "createdAt": iso(e.created_at),
        "sentAt": iso(e.sent_at),
    }


@router.post(
    "/outbox",
    status_code=201,
    response_model=QueuedEmailReply,
    responses={200: {"model": QueuedEmailReply, "description": "already queued (idempotencyKey)"}},
)
async def queue_email(
    body: EmailBody, principal: CurrentPrincipal, services: ServicesDep, response: Response
) -> dict[str, Any]:
    """Staff or integration keys; the visitor's own address, with their e-mail consent."""
    email, created = await services.outgoing_mail.queue(
        principal,
        EmailRequest(
            visitor_id=body.visitor_id,
            subject=body.subject,
            body=body.body,
            to=body.to,
            idempotency_key=body.idempotency_key,
        ),
    )
    if not created:
        response.status_code = 200
    return email_response(email)
