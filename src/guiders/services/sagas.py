"""Saga state and stream-consumer state, kept for workers that talk to us through the API.

Workers (the pipeline, the bot) are clients; they keep nothing another worker would need in
their own memory. A saga is written with the revision the writer last read, so two workers
cannot both believe they own it; a consumer's position and dead letters are per company.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from guiders.domain.errors import Conflict, NotFound, ValidationFailed
from guiders.domain.events import MAX_SEQ
from guiders.domain.saga import Saga, SagaStatus
from guiders.services.access import Principal, require_supervisor_or_key
from guiders.services.ports import DeadLetter, UnitOfWorkFactory

DEAD_LETTER_STATUSES = ("parked", "retrying", "resolved")


@dataclass(frozen=True, slots=True)
class SagaWrite:
    type: str
    status: SagaStatus
    steps: list[dict[str, Any]]
    context: dict[str, Any]
    expected_revision: int
    error: str | None = None
    owner: str | None = None
    lease_expires_at: datetime | None = None


class SagaService:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def get(self, principal: Principal, saga_id: UUID) -> Saga:
        require_supervisor_or_key(principal)
        async with self._uow() as uow:
            saga = await uow.sagas.get(saga_id)
        if saga is None or saga.company_id != principal.company_id:
            raise NotFound("Saga not found", field="sagaId")
        return saga

    async def put(self, principal: Principal, saga_id: UUID, write: SagaWrite) -> Saga:
        """Creates it (``expectedRevision`` 0) or moves it on from the revision last read."""
        require_supervisor_or_key(principal)
        now = datetime.now(UTC)
        async with self._uow() as uow:
            uow.actor = principal.actor
            saga = await uow.sagas.get(saga_id)
            if saga is not None and saga.company_id != principal.company_id:
                raise NotFound("Saga not found", field="sagaId")
            if saga is None:
                if write.expected_revision != 0:
                    raise NotFound("Saga not found", field="sagaId")
                saga = Saga.start(
                    id=saga_id,
                    company_id=principal.company_id,
                    type=write.type,
                    context=write.context,
                    at=now,
                )
                created = True
            else:
                if saga.type != write.type:
                    raise ValidationFailed(f"This saga is a '{saga.type}'", field="type")
                created = False
            previous = saga.revision
            saga.update(
                expected_revision=write.expected_revision,
                status=write.status,
                steps=write.steps,
                context=write.context,
                error=write.error,
                owner=write.owner,
                lease_expires_at=write.lease_expires_at,
                at=now,
            )
            uow.track(saga)
            if created:
                await uow.sagas.add(saga)
            elif not await uow.sagas.save(saga, previous):
                raise Conflict("The saga was changed by another writer", field="expectedRevision")
            await uow.commit()
        return saga

    async def find(
        self, principal: Principal, statuses: list[SagaStatus], type: str | None, limit: int
    ) -> list[Saga]:
        require_supervisor_or_key(principal)
        async with self._uow() as uow:
            return await uow.sagas.find(principal.company_id, statuses, type, limit)


class ConsumerService:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def position(self, principal: Principal, consumer: str) -> int | None:
        require_supervisor_or_key(principal)
        async with self._uow() as uow:
            return await uow.consumers.position(principal.company_id, consumer)

    async def set_position(self, principal: Principal, consumer: str, seq: int) -> None:
        require_supervisor_or_key(principal)
        async with self._uow() as uow:
            await uow.consumers.set_position(principal.company_id, consumer, seq, datetime.now(UTC))
            await uow.commit()

    async def park(
        self,
        principal: Principal,
        consumer: str,
        event: dict[str, Any],
        error: str,
        attempts: int,
    ) -> DeadLetter:
        require_supervisor_or_key(principal)
        try:
            event_id, seq = UUID(str(event["eventId"])), int(event["seq"])
        except (KeyError, ValueError, TypeError) as exc:
            raise ValidationFailed("event needs an eventId and a seq", field="event") from exc
        if not 0 <= seq <= MAX_SEQ:
            raise ValidationFailed(f"event.seq must be between 0 and {MAX_SEQ}", field="event")
        now = datetime.now(UTC)
        letter = DeadLetter(
            id=uuid.uuid4(),
            company_id=principal.company_id,
            consumer=consumer,
            event_id=event_id,
            seq=seq,
            event=event,
            error=error,
            attempts=attempts,
            status="parked",
            created_at=now,
            updated_at=now,
        )
        async with self._uow() as uow:
            stored = await uow.consumers.park(letter)
            await uow.commit()
        return stored

    async def dead_letters(
        self, principal: Principal, consumer: str | None, status: str | None, limit: int
    ) -> list[DeadLetter]:
        require_supervisor_or_key(principal)
        async with self._uow() as uow:
            return await uow.consumers.dead_letters(principal.company_id, consumer, status, limit)

    async def set_dead_letter_status(
        self, principal: Principal, letter_id: UUID, status: str
    ) -> DeadLetter:
        require_supervisor_or_key(principal)
        if status not in DEAD_LETTER_STATUSES:
            raise ValidationFailed(f"status must be one of {DEAD_LETTER_STATUSES}", field="status")
        async with self._uow() as uow:
            letter = await uow.consumers.get_dead_letter(letter_id)
            if letter is None or letter.company_id != principal.company_id:
                raise NotFound("Dead letter not found", field="id")
            await uow.consumers.set_dead_letter_status(letter_id, status, datetime.now(UTC))
            await uow.commit()
            letter.status = status
        return letter
