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

    def apply(self, event: DomainEvent) -> None:
        raise NotImplementedError

    def take_events(self) -> list[DomainEvent]:
        events, self.pending_events = self.pending_events, []
        return events
