"""E-mails that automations ask for (the pipeline's ``email`` action), queued in the outbox.

Only to a visitor of the caller's company, only to that visitor's own address and only with
their consent to e-mail: an integration key must not turn the server into a relay for any
address. An idempotency key makes a retried request queue one e-mail.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from guiders.domain.errors import Conflict, ValidationFailed
from guiders.services.access import Principal, check_visitor_access, require_staff_or_key
from guiders.services.ports import QueuedEmail, UnitOfWorkFactory

AUTOMATION_KIND = "automation"
_IDEMPOTENCY = uuid.UUID("6f1d3c1e-5a47-4c0e-9d36-2a8f0f6c9b11")


@dataclass(frozen=True, slots=True)
class EmailRequest:
    visitor_id: UUID
    subject: str
    body: str
    to: str | None = None
    idempotency_key: str | None = None


class OutgoingMailService:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def queue(self, principal: Principal, request: EmailRequest) -> tuple[QueuedEmail, bool]:
        """The queued e-mail and whether it is new (False: a repeat of the same key)."""
        require_staff_or_key(principal)
        now = datetime.now(UTC)
        email_id = (
            uuid.uuid5(_IDEMPOTENCY, f"{principal.company_id}:{request.idempotency_key}")
            if request.idempotency_key
            else uuid.uuid4()
        )
        async with self._uow() as uow:
            existing = await uow.mail.get(email_id)
            if existing is not None and existing.company_id == principal.company_id:
                return existing, False
            visitor = await uow.visitors.get(request.visitor_id)
            check_visitor_access(
                principal, request.visitor_id, visitor.company_id if visitor else None
            )
            assert visitor is not None
            if not visitor.email:
                raise Conflict("The visitor has left no e-mail address", field="visitorId")
            if request.to is not None and request.to.strip().lower() != visitor.email.lower():
                raise ValidationFailed("E-mails go only to the visitor's own address", field="to")
            if visitor.email_consent_at is None:
                raise Conflict("The visitor has not consented to e-mail", field="visitorId")
            email = QueuedEmail(
                id=email_id,
                company_id=visitor.company_id,
                visitor_id=visitor.id,
                kind=AUTOMATION_KIND,
                to_address=visitor.email,
                subject=request.subject,
                body=request.body,
                created_at=now,
                next_attempt_at=now,
            )
            await uow.mail.add(email)
            await uow.commit()
        return email, True
