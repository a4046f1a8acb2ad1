"""The append-only event log, its per-company sequence and the outbox."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from guiders.domain.events import SCHEMA_VERSION, DomainEvent, StoredEvent
from guiders.domain.ids import time_ordered_id
from guiders.domain.upcasting import upcast
from guiders.services.ports import EventFilter, EventGroup, EventLog
from guiders.store.bulk_insert import BulkInsert
from guiders.store.carried_writes import CarriedStatements, CarriedWrites
from guiders.store.tables import company_sequences, events, outbox
from guiders.store.visitor_keys import KeySession, VisitorKeys


def _reserve_statement(insert: Any) -> Any:
    """Upsert of the company's counter, returning the new last seq."""
    return (
        insert(company_sequences)
        .values(company_id=bindparam("b_company"), last_seq=bindparam("b_count"))
        .on_conflict_do_update(
            index_elements=[company_sequences.c.company_id],
            set_={"last_seq": company_sequences.c.last_seq + bindparam("b_count")},
        )
        .returning(company_sequences.c.last_seq)
    )


_RESERVE = {
    "postgresql": _reserve_statement(postgresql.insert),
    "sqlite": _reserve_statement(sqlite.insert),
}
_EVENT_ROWS = BulkInsert(events)
_OUTBOX_FROM_EVENTS = outbox.insert().from_select(
    ["event_id", "company_id", "seq"],
    select(events.c.event_id, events.c.company_id, events.c.seq).where(
        events.c.company_id == bindparam("b_company"),
        events.c.seq.between(bindparam("b_first"), bindparam("b_last")),
    ),
)


_POSTGRES_EVENTS = """
reserved AS (
    INSERT INTO company_sequences (company_id, last_seq) VALUES ($1, $2)
    ON CONFLICT (company_id) DO UPDATE SET last_seq = company_sequences.last_seq + $2
    RETURNING last_seq
), appended AS (
    INSERT INTO events (event_id, company_id, seq, aggregate_type, aggregate_id, version, type,
        payload, schema_version, actor_id, actor_type, correlation_id, occurred_at)
    SELECT e.event_id, $1, (SELECT last_seq FROM reserved) - $2 + e.n, e.aggregate_type,
        e.aggregate_id, e.version, e.type, e.payload, $3, e.actor_id, e.actor_type,
        e.correlation_id, e.occurred_at
    FROM unnest($4::uuid[], $5::text[], $6::uuid[], $7::int[], $8::text[], $9::jsonb[],
        $10::text[], $11::text[], $12::text[], $13::timestamptz[]) WITH ORDINALITY
        AS e(event_id, aggregate_type, aggregate_id, version, type, payload, actor_id,
            actor_type, correlation_id, occurred_at, n)
    RETURNING event_id, company_id, seq
), queued AS (
    INSERT INTO outbox (event_id, company_id, seq) SELECT * FROM appended
)
SELECT last_seq FROM reserved
"""
"""A company's events on PostgreSQL in one round trip: the counter reserved, the events
numbered from it, their outbox rows. Unnested arrays keep it one prepared statement whatever
the count (``occurred_at`` is stored as given: aware, as ``UTCDateTime`` would pass it). The
first statement of a transaction's commit also carries its group commit's writes
(``store/carried_writes.py``) as parts of its own before these."""
_EVENT_PARAMS = 13
_CARRIED = CarriedStatements()


class SqlEventLog(EventLog):
    def __init__(self, conn: AsyncConnection, keys: VisitorKeys | None = None) -> None:
        self._conn = conn
        self._keys = keys.session(conn) if keys is not None else None
        self._carried = CarriedWrites()

    def carry(self, writes: CarriedWrites) -> None:
        """Writes to send with the next events statement (PostgreSQL), in this transaction:
        ``write_carried`` sends them alone if no events come before the commit."""
        self._carried.messages.extend(writes.messages)
        if writes.chats:
            assert not self._carried.chats, "one set of chat changes per commit"
            self._carried.chats = writes.chats

    async def write_carried(self) -> None:
        if self._carried:
            ctes, params = self._take_carried(1)
            await self._conn.exec_driver_sql(f"WITH {', '.join(ctes)} SELECT 1", tuple(params))

    def _take_carried(self, first: int) -> tuple[list[str], list[Any]]:
        writes, self._carried = self._carried, CarriedWrites()
        return _CARRIED.parts(self._conn.dialect, writes, first)

    @property
    def keys(self) -> KeySession | None:
        """This transaction's view of the visitors' data keys (None: events are not sealed)."""
        return self._keys

    async def append_groups(self, groups: Sequence[EventGroup]) -> list[StoredEvent]:
        """Numbers the events per company and stores them with an outbox row each.

        The sequence row is updated first and stays locked until commit, so within a company
        seqs become visible in order: a reader that saw seq N will never later find N-1. Groups
        keep their order (a group commit's requests, in arrival order), each with its actor.
        """
        tagged = [(event, group) for group in groups for event in group.events]
        if not tagged:
            return []
        by_company: dict[UUID, list[tuple[DomainEvent, EventGroup]]] = {}
        for event, group in tagged:
            by_company.setdefault(event.company_id, []).append((event, group))
        if self._conn.dialect.name == "postgresql":
            return await self._append_postgres(by_company)
        stored: list[StoredEvent] = []
        ranges: list[dict[str, Any]] = []
        for company_id in sorted(by_company):
            batch = by_company[company_id]
            last = await self._reserve(company_id, len(batch))
            first = last - len(batch) + 1
            ranges.append({"b_company": company_id, "b_first": first, "b_last": last})
            stored.extend(
                _stored(event, group, company_id, time_ordered_id(), first + offset)
                for offset, (event, group) in enumerate(batch)
            )
        if self._keys is None:
            rows = [_row(e, e.payload) for e in stored]
        else:
            rows = [_row(e, await self._keys.seal(e)) for e in stored]
        await _EVENT_ROWS.many(self._conn, rows)
        # the outbox rows copied from the events just written (one range a company): no
        # second set of parameters built and bound per event
        for company_range in ranges:
            await self._conn.execute(_OUTBOX_FROM_EVENTS, company_range)
        return stored

    async def _append_postgres(
        self, by_company: dict[UUID, list[tuple[DomainEvent, EventGroup]]]
    ) -> list[StoredEvent]:
        stored: list[StoredEvent] = []
        for company_id in sorted(by_company):
            batch = by_company[company_id]
            unnumbered = [
                _stored(event, group, company_id, time_ordered_id(), 0) for event, group in batch
            ]
            if self._keys is None:
                payloads = [e.payload for e in unnumbered]
            else:
                payloads = [await self._keys.seal(e) for e in unnumbered]
            ctes, carried = self._take_carried(_EVENT_PARAMS + 1)
            result = await self._conn.exec_driver_sql(
                "WITH " + "".join(f"{cte},\n" for cte in ctes) + _POSTGRES_EVENTS,
                (
                    company_id,
                    len(batch),
                    SCHEMA_VERSION,
                    [e.event_id for e in unnumbered],
                    [e.aggregate_type for e in unnumbered],
                    [e.aggregate_id for e in unnumbered],
                    [e.version for e in unnumbered],
                    [e.type for e in unnumbered],
                    [json.dumps(p) for p in payloads],
                    [e.actor_id for e in unnumbered],
                    [e.actor_type for e in unnumbered],
                    [e.correlation_id for e in unnumbered],
                    [e.occurred_at for e in unnumbered],
                    *carried,
                ),
            )
            first = int(result.scalar_one()) - len(batch) + 1
            stored.extend(
                _stored(event, group, company_id, e.event_id, first + offset)
                for offset, ((event, group), e) in enumerate(zip(batch, unnumbered, strict=True))
            )
        return stored

    async def _reserve(self, company_id: UUID, count: int) -> int:
        stmt = _RESERVE[self._conn.dialect.name]
        result = await self._conn.execute(stmt, {"b_company": company_id, "b_count": count})
        return int(result.scalar_one())

    async def read(self, query: EventFilter) -> list[StoredEvent]:
        stmt = select(events).where(events.c.company_id == query.company_id)
        if query.aggregate_id is not None:
            stmt = stmt.where(events.c.aggregate_id == query.aggregate_id)
        if query.from_version is not None:
            stmt = stmt.where(events.c.version >= query.from_version)
        if query.types:
            stmt = stmt.where(events.c.type.in_(query.types))
        if query.after_seq is not None:
            stmt = stmt.where(events.c.seq > query.after_seq)
        stmt = stmt.order_by(events.c.seq).limit(query.limit)
        rows = [r._mapping for r in await self._conn.execute(stmt)]
        return await opened_events(self._conn, self._keys, rows)

    async def last_seq(self, company_id: UUID) -> int:
        stmt = select(func.coalesce(func.max(company_sequences.c.last_seq), 0)).where(
            company_sequences.c.company_id == company_id
        )
        return int((await self._conn.execute(stmt)).scalar_one())


def _stored(
    event: DomainEvent, group: EventGroup, company_id: UUID, event_id: UUID, seq: int
) -> StoredEvent:
    return StoredEvent(
        event_id=event_id,
        seq=seq,
        company_id=company_id,
        aggregate_type=event.aggregate_type,
        aggregate_id=event.aggregate_id,
        version=event.version,
        type=event.type,
        payload=event.payload,
        actor_id=group.actor.id,
        actor_type=group.actor.type,
        correlation_id=group.correlation_id,
        occurred_at=event.occurred_at,
    )


def _row(e: StoredEvent, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "event_id": e.event_id,
        "company_id": e.company_id,
        "seq": e.seq,
        "aggregate_type": e.aggregate_type,
        "aggregate_id": e.aggregate_id,
        "version": e.version,
        "type": e.type,
        "payload": payload,
        "schema_version": SCHEMA_VERSION,
        "actor_id": e.actor_id,
        "actor_type": e.actor_type,
        "correlation_id": e.correlation_id,
        "occurred_at": e.occurred_at,
    }


async def opened_events(
    conn: AsyncConnection, keys: VisitorKeys | KeySession | None, rows: Sequence[Any]
) -> list[StoredEvent]:
    """Rows as events: sealed personal fields opened (or marked erased), then upcast."""
    if keys is None:
        return [stored_event(r) for r in rows]
    session = keys.session(conn) if isinstance(keys, VisitorKeys) else keys
    payloads = await session.open_all(rows)
    return [stored_event(r, p) for r, p in zip(rows, payloads, strict=True)]


def stored_event(r: Any, payload: dict[str, Any] | None = None) -> StoredEvent:
    """A row as the current schema: rows of an older one are upcast here, on every read.
    ``payload``: the row's payload once opened (``opened_events``); sealed rows need it."""
    return StoredEvent(
        event_id=r["event_id"],
        seq=r["seq"],
        company_id=r["company_id"],
        aggregate_type=r["aggregate_type"],
        aggregate_id=r["aggregate_id"],
        version=r["version"],
        type=r["type"],
        payload=upcast(
            r["type"], r["schema_version"], r["payload"] if payload is None else payload
        ),
        actor_id=r["actor_id"],
        actor_type=r["actor_type"],
        correlation_id=r["correlation_id"],
        occurred_at=r["occurred_at"],
    )
