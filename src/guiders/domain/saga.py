"""A saga's persisted state: which steps are done, its status, its context, who runs it.

Workers drive sagas (the pipeline's over the API; the server's hand-off in process, see
``services/handoff.py``); this aggregate keeps their state, refuses illegal status
moves and lost updates (``revision``), and records each step and status change in the event
log, so a saga's history is audited like everything else and a killed worker's saga can be
picked up by another (its lease has expired).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from guiders.domain.errors import Conflict, InvalidTransition
from guiders.domain.events import Aggregate, DomainEvent, Stream


class SagaStatus(StrEnum):
    STARTED = "STARTED"
    COMPLETED = "COMPLETED"
    COMPENSATING = "COMPENSATING"
    FAILED = "FAILED"


SAGA_TRANSITIONS: dict[SagaStatus, frozenset[SagaStatus]] = {
    SagaStatus.STARTED: frozenset(
        {SagaStatus.STARTED, SagaStatus.COMPLETED, SagaStatus.COMPENSATING}
    ),
    SagaStatus.COMPENSATING: frozenset({SagaStatus.COMPENSATING, SagaStatus.FAILED}),
    SagaStatus.COMPLETED: frozenset({SagaStatus.COMPLETED}),
    SagaStatus.FAILED: frozenset({SagaStatus.FAILED}),
}
"""COMPLETED and FAILED are final; FAILED means compensated (with any compensation failures
recorded on its steps)."""


@dataclass(slots=True)
class Saga(Aggregate):
    id: UUID
    company_id: UUID
    type: str
    status: SagaStatus
    steps: list[dict[str, Any]]
    context: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    revision: int = 0
    error: str | None = None
    owner: str | None = None
    lease_expires_at: datetime | None = None

    @classmethod
    def start(
        cls,
        *,
        id: UUID,
        company_id: UUID,
        type: str,
        context: dict[str, Any],
        at: datetime,
    ) -> Saga:
        saga = cls(
            id=id,
            company_id=company_id,
            type=type,
            status=SagaStatus.STARTED,
            steps=[],
            context=context,
            created_at=at,
            updated_at=at,
        )
        about = {"chat_id": context["chatId"]} if "chatId" in context else {}
        saga._emit("saga.started", at, about)
        return saga

    def update(
        self,
        *,
        expected_revision: int,
        status: SagaStatus,
        steps: list[dict[str, Any]],
        context: dict[str, Any],
        error: str | None,
        owner: str | None,
        lease_expires_at: datetime | None,
        at: datetime,
    ) -> None:
        if expected_revision != self.revision:
            raise Conflict(
                f"The saga is at revision {self.revision}, not {expected_revision}",
                field="expectedRevision",
                revision=self.revision,
            )
        if status not in SAGA_TRANSITIONS[self.status]:
            raise InvalidTransition(
                f"A saga in status {self.status} cannot become {status}",
                current=self.status.value,
                target=status.value,
            )
        before = {(s.get("name"), s.get("status")) for s in self.steps}
        for step in steps:
            if (step.get("name"), step.get("status")) not in before:
                self._emit("saga.step_recorded", at, {"step": step})
        if status != self.status:
            self._emit(
                "saga.status_changed",
                at,
                {"from": self.status.value, "to": status.value, "error": error},
            )
        self.steps = steps
        self.context = context
        self.error = error
        self.owner = owner
        self.lease_expires_at = lease_expires_at
        self.updated_at = at
        self.revision += 1

    @property
    def stream(self) -> Stream:
        return Stream("saga", self.id, self.company_id)

    def _event(self, type: str, at: datetime, payload: dict[str, Any]) -> DomainEvent:
        """Every saga fact names the saga and its type."""
        facts = {"saga_id": str(self.id), "saga_type": self.type, **payload}
        return self.stream.event(type, at, facts)

    def apply(self, event: DomainEvent) -> None:
        if event.type == "saga.status_changed":
            self.status = SagaStatus(event.payload["to"])
        self.updated_at = event.occurred_at
