"""Saga state, stream consumers' positions and their dead letters."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from guiders.domain.saga import Saga, SagaStatus
from guiders.services.ports import ConsumerState, DeadLetter, SagaRepository
from guiders.store.tables import consumer_positions, dead_letters, sagas


def _saga_values(s: Saga) -> dict[str, Any]:
    return {
        "company_id": s.company_id,
        "type": s.type,
        "status": s.status.value,
        "steps": s.steps,
        "context": s.context,
        "error": s.error,
        "owner": s.owner,
        "lease_expires_at": s.lease_expires_at,
        "revision": s.revision,
        "version": s.version,
        "created_at": s.created_at,
        "updated_at": s.updated_at,
    }


def _saga(r: Any) -> Saga:
    saga = Saga(
        id=r["id"],
        company_id=r["company_id"],
        type=r["type"],
        status=SagaStatus(r["status"]),
        steps=list(r["steps"] or []),
        context=dict(r["context"] or {}),
        created_at=r["created_at"],
        updated_at=r["updated_at"],
        revision=r["revision"],
        error=r["error"],
        owner=r["owner"],
        lease_expires_at=r["lease_expires_at"],
    )
    saga.version = r["version"]
    return saga


class SqlSagaRepository(SagaRepository):
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, saga_id: UUID) -> Saga | None:
        row = (await self._conn.execute(select(sagas).where(sagas.c.id == saga_id))).first()
        return _saga(row._mapping) if row else None

    async def add(self, saga: Saga) -> None:
        await self._conn.execute(sagas.insert().values(id=saga.id, **_saga_values(saga)))

    async def save(self, saga: Saga, previous_revision: int) -> bool:
        result = await self._conn.execute(
            update(sagas)
            .where(sagas.c.id == saga.id, sagas.c.revision == previous_revision)
            .values(**_saga_values(saga))
        )
        return bool(result.rowcount)

    async def find(
        self, company_id: UUID, statuses: list[SagaStatus], type: str | None, limit: int
    ) -> list[Saga]:
        stmt = select(sagas).where(sagas.c.company_id == company_id)
        if statuses:
            stmt = stmt.where(sagas.c.status.in_([s.value for s in statuses]))
        if type:
            stmt = stmt.where(sagas.c.type == type)
        stmt = stmt.order_by(sagas.c.updated_at).limit(limit)
        return [_saga(r._mapping) for r in await self._conn.execute(stmt)]

    async def unfinished(self, type: str, limit: int) -> list[Saga]:
        open_ = (SagaStatus.STARTED.value, SagaStatus.COMPENSATING.value)
        stmt = (
            select(sagas)
            .where(sagas.c.type == type, sagas.c.status.in_(open_))
            .order_by(sagas.c.updated_at)
            .limit(limit)
        )
        return [_saga(r._mapping) for r in await self._conn.execute(stmt)]


def _letter(r: Any) -> DeadLetter:
    return DeadLetter(
        id=r["id"],
        company_id=r["company_id"],
        consumer=r["consumer"],
        event_id=r["event_id"],
        seq=r["seq"],
        event=dict(r["event"]),
        error=r["error"],
        attempts=r["attempts"],
        status=r["status"],
        created_at=r["created_at"],
        updated_at=r["updated_at"],
    )


class SqlConsumerState(ConsumerState):
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def position(self, company_id: UUID, consumer: str) -> int | None:
        row = (
            await self._conn.execute(
                select(consumer_positions.c.seq).where(
                    consumer_positions.c.company_id == company_id,
                    consumer_positions.c.consumer == consumer,
                )
            )
        ).first()
        return int(row[0]) if row else None

    async def set_position(self, company_id: UUID, consumer: str, seq: int, at: datetime) -> None:
        result = await self._conn.execute(
            update(consumer_positions)
            .where(
                consumer_positions.c.company_id == company_id,
                consumer_positions.c.consumer == consumer,
            )
            .values(seq=seq, updated_at=at)
        )
        if not result.rowcount:
            await self._conn.execute(
                consumer_positions.insert().values(
                    company_id=company_id, consumer=consumer, seq=seq, updated_at=at
                )
            )

    async def park(self, letter: DeadLetter) -> DeadLetter:
        existing = (
            await self._conn.execute(
                select(dead_letters).where(
                    dead_letters.c.consumer == letter.consumer,
                    dead_letters.c.event_id == letter.event_id,
                )
            )
        ).first()
        if existing is None:
            await self._conn.execute(dead_letters.insert().values(**_letter_values(letter)))
            return letter
        await self._conn.execute(
            update(dead_letters)
            .where(dead_letters.c.id == existing._mapping["id"])
            .values(
                error=letter.error,
                attempts=existing._mapping["attempts"] + letter.attempts,
                status="parked",
                updated_at=letter.updated_at,
            )
        )
        stored = await self.get_dead_letter(existing._mapping["id"])
        assert stored is not None
        return stored

    async def dead_letters(
        self, company_id: UUID, consumer: str | None, status: str | None, limit: int
    ) -> list[DeadLetter]:
        stmt = select(dead_letters).where(dead_letters.c.company_id == company_id)
        if consumer:
            stmt = stmt.where(dead_letters.c.consumer == consumer)
        if status:
            stmt = stmt.where(dead_letters.c.status == status)
        stmt = stmt.order_by(dead_letters.c.seq).limit(limit)
        return [_letter(r._mapping) for r in await self._conn.execute(stmt)]

    async def get_dead_letter(self, letter_id: UUID) -> DeadLetter | None:
        row = (
            await self._conn.execute(select(dead_letters).where(dead_letters.c.id == letter_id))
        ).first()
        return _letter(row._mapping) if row else None

    async def set_dead_letter_status(self, letter_id: UUID, status: str, at: datetime) -> None:
        await self._conn.execute(
            update(dead_letters)
            .where(dead_letters.c.id == letter_id)
            .values(status=status, updated_at=at)
        )


def _letter_values(d: DeadLetter) -> dict[str, Any]:
    return {
        "id": d.id,
        "company_id": d.company_id,
        "consumer": d.consumer,
        "event_id": d.event_id,
        "seq": d.seq,
        "event": d.event,
        "error": d.error,
        "attempts": d.attempts,
        "status": d.status,
        "created_at": d.created_at,
        "updated_at": d.updated_at,
    }
