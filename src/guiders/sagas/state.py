"""A saga's state as the runner sees it, and the port it is kept through (``SagaStore``).

Every write names the revision it read; a stale write is a ``Conflict``, which is how two
workers find out that only one of them owns a saga. Adapters: the server's saga table
(``services/handoff_store.py``), the ``/v2/sagas`` resource for API clients
(``pipeline/saga_api.py``), memory here for unit tests.
"""

from __future__ import annotations

import abc
import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from guiders.domain.errors import Conflict, NotFound

TERMINAL = ("COMPLETED", "FAILED")


@dataclass(slots=True)
class SagaState:
    id: str
    type: str
    status: str = "STARTED"
    steps: list[dict[str, Any]] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)
    revision: int = 0
    error: str | None = None
    owner: str | None = None
    lease_expires_at: datetime | None = None

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL

    def step(self, name: str) -> dict[str, Any] | None:
        return next((s for s in self.steps if s["name"] == name), None)

    def to_body(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "status": self.status,
            "steps": self.steps,
            "context": self.context,
            "expectedRevision": self.revision,
            "error": self.error,
            "owner": self.owner,
            "leaseExpiresAt": self.lease_expires_at.isoformat() if self.lease_expires_at else None,
        }

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> SagaState:
        lease = body.get("leaseExpiresAt")
        return cls(
            id=body["id"],
            type=body["type"],
            status=body["status"],
            steps=list(body.get("steps") or []),
            context=dict(body.get("context") or {}),
            revision=int(body["revision"]),
            error=body.get("error"),
            owner=body.get("owner"),
            lease_expires_at=datetime.fromisoformat(lease) if lease else None,
        )


class SagaStore(abc.ABC):
    @abc.abstractmethod
    async def load(self, saga_id: str) -> SagaState | None: ...

    @abc.abstractmethod
    async def save(self, state: SagaState) -> SagaState:
        """Writes ``state`` over ``state.revision``; returns it at its new revision."""

    @abc.abstractmethod
    async def unfinished(self, type: str | None = None) -> list[SagaState]: ...


class MemorySagaStore(SagaStore):
    """The same contract in memory, for unit tests."""

    def __init__(self) -> None:
        self.sagas: dict[str, SagaState] = {}
        self.writes = 0

    async def load(self, saga_id: str) -> SagaState | None:
        found = self.sagas.get(saga_id)
        return copy.deepcopy(found) if found else None

    async def save(self, state: SagaState) -> SagaState:
        current = self.sagas.get(state.id)
        if (current.revision if current else 0) != state.revision:
            raise Conflict("stale saga revision", field="expectedRevision")
        if current is None and state.revision != 0:
            raise NotFound("Saga not found")
        stored = copy.deepcopy(state)
        stored.revision += 1
        self.sagas[state.id] = stored
        self.writes += 1
        return copy.deepcopy(stored)

    async def unfinished(self, type: str | None = None) -> list[SagaState]:
        return [
            copy.deepcopy(s)
            for s in self.sagas.values()
            if not s.finished and (type is None or s.type == type)
        ]
