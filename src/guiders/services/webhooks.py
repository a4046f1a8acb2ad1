"""The delivery log of a company's outgoing webhooks (``docs/settings.md#integrations``).

The sender (``pipeline/company_webhooks.py``, a client of the API with the company's
integration key) reports each delivery's outcome here; it is kept in the event log as a
``webhook.delivery`` event (so it has a sequence, a time and an actor like any other fact), and
admins read the latest ones on the console's Integrations page.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal

from guiders.domain.company import StaffRole
from guiders.domain.errors import Forbidden
from guiders.domain.events import StoredEvent, Stream
from guiders.services.access import Principal
from guiders.services.ports import EventFilter, UnitOfWorkFactory

DELIVERY = "webhook.delivery"
SCAN = 5000
"""How far back (in the company's events) the log looks for deliveries."""


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    webhook: str
    url: str
    event_id: str
    event_type: str
    outcome: Literal["delivered", "failed", "refused"]
    attempts: int
    status_code: int | None
    error: str | None


class WebhookLog:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def record(self, principal: Principal, report: DeliveryReport) -> None:
        if not principal.is_integration:
            raise Forbidden("Only the company's integration key reports webhook deliveries")
        payload: dict[str, Any] = {
            "webhook": report.webhook,
            "url": report.url,
            "event_id": report.event_id,
            "event_type": report.event_type,
            "outcome": report.outcome,
            "attempts": report.attempts,
            "status_code": report.status_code,
            "error": report.error,
        }
        async with self._uow() as uow:
            uow.actor = principal.actor
            uow.record_fact(
                Stream(
                    "webhook",
                    uuid.uuid5(principal.company_id, report.webhook),
                    principal.company_id,
                ),
                DELIVERY,
                payload,
            )
            await uow.commit()

    async def latest(self, principal: Principal, limit: int = 100) -> list[StoredEvent]:
        """The latest deliveries, newest first."""
        if not (principal.is_staff and principal.role == StaffRole.ADMIN):
            raise Forbidden("Only an admin reads the webhook deliveries")
        async with self._uow() as uow:
            last = await uow.events.last_seq(principal.company_id)
            query = EventFilter(
                company_id=principal.company_id,
                types=[DELIVERY],
                after_seq=max(0, last - SCAN),
                limit=SCAN,
            )
            found = await uow.events.read(query)
        return list(reversed(found))[:limit]
