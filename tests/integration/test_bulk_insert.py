"""``BulkInsert`` stores exactly what SQLAlchemy's own insert stores, on SQLite and PostgreSQL:
the same row written both ways reads back the same, column by column, before any result
processing (the driver's raw values)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from sqlalchemy import Table

from guiders.runtime import Runtime
from guiders.store.bulk_insert import BulkInsert
from guiders.store.tables import events, messages
from tests.integration.test_agent_tools_api import chat_of

BERLIN = timezone(timedelta(hours=1))


def _keys(table: Table) -> list[str]:
    return [column.key for column in table.columns]


def message_row(chat_id: UUID, company_id: UUID, **changes: Any) -> dict[str, Any]:
    return {
        "id": uuid4(),
        "chat_id": chat_id,
        "company_id": company_id,
        "sender_id": uuid4(),
        "sender_role": "visitor",
        "sender_name": "Zoë",
        "content": "¿Dónde está mi pedido? 📦",
        "type": "text",
        "is_internal": False,
        "metadata": {"source": "widget", "nested": {"n": 1, "ok": True, "none": None}},
        "client_message_id": None,
        "sent_at": datetime(2026, 12, 7, 15, 30, 1, 123456, tzinfo=BERLIN),
        "read_at": None,
        **changes,
    }


def event_row(company_id: UUID, seq: int) -> dict[str, Any]:
    return {
        "event_id": uuid4(),
        "company_id": company_id,
        "seq": seq,
        "aggregate_type": "chat",
        "aggregate_id": uuid4(),
        "version": 3,
        "type": "message.sent",
        "payload": {"content": "ünïcode", "list": [1, 2.5, "x"], "empty": {}},
        "schema_version": 2,
        "actor_id": None,
        "actor_type": "visitor",
        "correlation_id": "c-1",
        "occurred_at": datetime.now(UTC),
    }


async def stored(
    runtime: Runtime, table: Table, key: str, ids: list[UUID]
) -> list[tuple[Any, ...]]:
    """The rows as the driver returns them, key column left out, in the order of ``ids``."""
    out = []
    async with runtime.db.reading() as conn:
        for row_id in ids:
            match = table.c[key] == row_id
            raw = (await conn.execute(table.select().where(match))).first()
            assert raw is not None
            mapping = raw._mapping
            out.append(tuple(mapping[c] for c in _keys(table) if c != key))
            # and before any result processing: the very values in the database
            sql = f"SELECT * FROM {table.name} WHERE {key} = " + (
                "?" if runtime.db.is_sqlite else "$1"
            )
            bound = row_id.hex if runtime.db.is_sqlite else row_id
            raw_row = (await conn.exec_driver_sql(sql, (bound,))).first()
            assert raw_row is not None
            out.append(tuple(v for c, v in zip(_keys(table), raw_row, strict=True) if c != key))
    return out


async def message_pairs(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Message rows of a new chat, and the same rows from another sender (the client id is
    unique per chat and sender)."""
    chat_id, company_id = UUID((await chat_of(api, demo))["id"]), UUID(demo["companyId"])
    variants = [
        {},
        {"client_message_id": "c-7", "read_at": datetime.now(UTC), "sender_name": None},
        {"is_internal": True, "metadata": {}, "type": "internal"},
    ]
    ours = [message_row(chat_id, company_id, **v) for v in variants]
    return ours, [{**row, "id": uuid4(), "sender_id": uuid4()} for row in ours]


def without_sender(kept: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    sender = [c for c in _keys(messages) if c != "id"].index("sender_id")
    return [r[:sender] + r[sender + 1 :] for r in kept]


async def write(runtime: Runtime, table: Table, rows: list[dict[str, Any]], *, bulk: bool) -> None:
    assert runtime.db.write_lock is None or not runtime.db.write_lock.locked()
    async with runtime.services.uow() as uow:
        conn = uow.chats._conn  # type: ignore[attr-defined]
        if bulk:
            await BulkInsert(table).many(conn, rows)
        else:
            await conn.execute(table.insert(), rows)
        await uow.commit()


@pytest.mark.parametrize("bulk_first", [True, False])
async def test_messages_and_events_store_the_same_values_as_sqlalchemy(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime, bulk_first: bool
) -> None:
    ours, theirs = await message_pairs(api, demo)
    company_id = UUID(demo["companyId"])
    base = 10_000 if bulk_first else 20_000
    our_events = [event_row(company_id, base + n) for n in range(3)]
    their_events = [{**row, "event_id": uuid4(), "seq": row["seq"] + 1_000} for row in our_events]
    await write(runtime, messages, ours, bulk=bulk_first)
    await write(runtime, messages, theirs, bulk=not bulk_first)
    await write(runtime, events, our_events, bulk=bulk_first)
    await write(runtime, events, their_events, bulk=not bulk_first)

    ours_kept = await stored(runtime, messages, "id", [r["id"] for r in ours])
    theirs_kept = await stored(runtime, messages, "id", [r["id"] for r in theirs])
    assert without_sender(ours_kept) == without_sender(theirs_kept)
    ours_read = await stored(runtime, events, "event_id", [r["event_id"] for r in our_events])
    theirs_read = await stored(runtime, events, "event_id", [r["event_id"] for r in their_events])
    # the seq differs by construction: everything else is the same
    seq = [c for c in _keys(events) if c != "event_id"].index("seq")
    assert [r[:seq] + r[seq + 1 :] for r in ours_read] == [
        r[:seq] + r[seq + 1 :] for r in theirs_read
    ]
    assert ours_read[0][1] == our_events[0]["seq"]
