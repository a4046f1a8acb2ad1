"""Domain events: past-tense facts that aggregates record instead of causing effects.

An event names what happened (``type``), to which aggregate, inside which company, and carries
everything needed to apply it again: replaying a stream of events rebuilds the aggregate.
The unit of work stamps them with ``seq``, version, actor and correlation id when it stores them.

Payloads are domain facts in the domain's own words (``snake_case``, ``agent`` for what the
wire calls a commercial), never a wire shape: ``api/`` and ``realtime/`` map them at the edge.
Every stored event carries the ``schema_version`` of its payload; rows written in an older
shape are upcast when read (``domain/upcasting.py``, catalogue in ``docs/events.md``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

SCHEMA_VERSION = 2
"""The payload schema every event is written in now; 1 was the wire-shaped (camelCase) log."""

MAX_SEQ = 2**63 - 1
"""The largest ``seq`` or version: the log's BIGINT column. Anything larger from outside is a
validation error at the edge, never a database error."""


@dataclass(frozen=True, slots=True)
class DomainEvent:
    type: str
    aggregate_type: str
    aggregate_id: UUID
    company_id: UUID
    payload: dict[str, Any]
    occurred_at: datetime
    version: int = 0


@dataclass(frozen=True, slots=True)
class Stream:
    """Where a stream of facts belongs: its aggregate type and id, inside a company.

    ``event`` is the one way the domain builds an event: aggregates through
    ``Aggregate._event`` / ``_emit``, company-wide streams through ``Ledger._event``, and loose
    facts (a breach, an erasure) by naming their stream."""

    aggregate_type: str
    aggregate_id: UUID
    company_id: UUID

    def event(
        self, type: str, at: datetime, payload: dict[str, Any], *, version: int = 0
    ) -> DomainEvent:
        return DomainEvent(
            type=type,
            aggregate_type=self.aggregate_type,
            aggregate_id=self.aggregate_id,
            company_id=self.company_id,
            payload=payload,
            occurred_at=at,
            version=version,
        )


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """A domain event as the log keeps it."""

    event_id: UUID
    seq: int
    company_id: UUID
    aggregate_type: str
    aggregate_id: UUID
    version: int
    type: str
    payload: dict[str, Any]
    actor_id: str | None
    actor_type: str | None
    correlation_id: str | None
    occurred_at: datetime
    schema_version: int = SCHEMA_VERSION
    """Readers upcast before building one, so in memory it is always the current version."""


@dataclass(slots=True)
class Aggregate:
    """Base for aggregates.

    Commands validate, then ``_record`` an event; ``apply`` is the only code that changes state,
    so rebuilding an aggregate from its stored events gives exactly the state that was saved.
    """

    version: int = field(default=0, kw_only=True)
    pending_events: list[DomainEvent] = field(default_factory=list, kw_only=True, repr=False)

    def _record(self, event: DomainEvent) -> None:
        self.version += 1
        stamped = DomainEvent(
            type=event.type,
            aggregate_type=event.aggregate_type,
            aggregate_id=event.aggregate_id,
            company_id=event.company_id,
            payload=event.payload,
            occurred_at=event.occurred_at,
            version=self.version,
        )
        self.apply(stamped)
        self.pending_events.append(stamped)

    @property
    def stream(self) -> Stream:
        """The aggregate's own stream (its type, id and company); each aggregate names it."""
        raise NotImplementedError

    def _event(self, type: str, at: datetime, payload: dict[str, Any]) -> DomainEvent:
        """A fact of this aggregate, not yet recorded (``_record`` stamps and applies it)."""
        return self.stream.event(type, at, payload)

    def _emit(self, type: str, at: datetime, payload: dict[str, Any]) -> None:
        """Builds a fact of this aggregate and records it."""
        self._record(self._event(type, at, payload))

    def apply(self, event: DomainEvent) -> None:
        raise NotImplementedError

    def take_events(self) -> list[DomainEvent]:
        events, self.pending_events = self.pending_events, []
        return events


class Ledger:
    """Base of a company-wide stream of facts (model health, shadow mode): one stream per
    company, whose state is a fold of its events' payloads (``apply``), rebuilt from the log
    by type, payload and version. ``_event`` builds the next fact, numbers it and applies it.

    Subclasses are dataclasses with ``company_id`` and ``version`` fields."""

    version: int

    @property
    def stream(self) -> Stream:
        raise NotImplementedError

    def apply(self, type_: str, payload: Mapping[str, Any], version: int) -> None:
        raise NotImplementedError

    def _event(self, type_: str, payload: dict[str, Any], at: datetime) -> DomainEvent:
        self.version += 1
        self.apply(type_, payload, self.version)
        return self.stream.event(type_, at, payload, version=self.version)
