"""Alerts as events: ``alert.raised`` / ``alert.resolved`` in the event log of every company.

An alert is about the deployment (this server's latency, errors, LLM), not one tenant; on a
self-hosted install every company's supervisors run on the same servers, so each company's log
gets the event and its tenant room hears ``alert:raised`` / ``alert:resolved``. The aggregate is
the rule (a stable id per rule name), so ``guiders events show`` lists a rule's history.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from guiders.domain.events import DomainEvent, Stream
from guiders.observability.alerts import Alert, AlertRule, Transition, alert_from_payload
from guiders.services.ports import UnitOfWork

ALERTS_NAMESPACE = uuid.UUID("6f1d8a52-43a5-4b0c-9b53-0f6c1f3a7e11")


def rule_id(rule: str) -> UUID:
    return uuid.uuid5(ALERTS_NAMESPACE, rule)


def alert_events(
    transitions: list[Transition], company_ids: list[UUID], node: str
) -> list[DomainEvent]:
    out: list[DomainEvent] = []
    for t in transitions:
        payload = t.alert.to_payload() | {
            "value": t.value,
            "node": node,
            "at": t.at.isoformat(),
        }
        out.extend(
            Stream("alert", rule_id(t.alert.rule), company).event(f"alert.{t.kind}", t.at, payload)
            for company in company_ids
        )
    return out


class AlertPublisher:
    """Appends the transitions in one transaction; the relay then fans them out."""

    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        company_ids: Callable[[], Awaitable[list[UUID]]],
        node: str,
    ) -> None:
        self._uow = uow
        self._company_ids = company_ids
        self.node = node

    async def __call__(self, transitions: list[Transition]) -> None:
        if not transitions:
            return
        events = alert_events(transitions, await self._company_ids(), self.node)
        if not events:
            return
        async with self._uow() as u:
            for event in events:
                u.record(event)
            await u.commit()


async def still_raised(
    rules: list[AlertRule],
    last_events: Callable[[list[UUID]], Awaitable[list[tuple[str, dict[str, Any]]]]],
    host: str,
) -> list[Alert]:
    """Alerts whose last event is ``alert.raised`` by a process of this host (this server
    before a restart); other hosts' alerts are theirs to resolve."""
    out: list[Alert] = []
    for type_, payload in await last_events([rule_id(r.name) for r in rules]):
        node = str(payload.get("node", ""))
        if type_ == "alert.raised" and node.rsplit(":", 1)[0] == host:
            out.append(alert_from_payload(payload))
    return out
