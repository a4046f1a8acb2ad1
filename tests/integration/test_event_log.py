"""The event log and its outbox, on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from guiders.domain.events import DomainEvent, StoredEvent
from guiders.runtime import Runtime
from guiders.services.ports import SYSTEM, EventFilter
from guiders.store.relay import OutboxRelay
from guiders.store.replay import replay_and_compare
from guiders.store.tables import outbox


def fact(company_id: object, n: int = 0) -> DomainEvent:
    return DomainEvent(
        type="test.happened",
        aggregate_type="test",
        aggregate_id=uuid4(),
        company_id=company_id,
        payload={"n": n},  # type: ignore[arg-type]
        occurred_at=datetime.now(UTC),
        version=1,
    )


async def test_seq_is_per_company_gapless_under_concurrent_commits(runtime: Runtime) -> None:
    company_a, company_b = uuid4(), uuid4()

    async def append(company: object, n: int) -> None:
        async with runtime.services.uow() as uow:
            uow.record(fact(company, n))
            await uow.commit()

    await asyncio.gather(*[append(company_a if i % 2 else company_b, i) for i in range(40)])
    async with runtime.services.uow() as uow:
        seqs_a = [e.seq for e in await uow.events.read(EventFilter(company_id=company_a))]
        seqs_b = [e.seq for e in await uow.events.read(EventFilter(company_id=company_b))]
    assert seqs_a == list(range(1, 21))
    assert seqs_b == list(range(1, 21))


async def test_events_of_a_rolled_back_transaction_are_not_stored_nor_published(
    runtime: Runtime,
) -> None:
    published: list[StoredEvent] = []

    async def collect(event: StoredEvent) -> None:
        published.append(event)

    runtime.bus.subscribe(collect)
    company = uuid4()
    with pytest.raises(RuntimeError):
        async with runtime.services.uow() as uow:
            uow.record(fact(company))
            await uow.events.append(uow._loose, SYSTEM, None)
            raise RuntimeError("crash before commit")
    async with runtime.services.uow() as uow:
        assert await uow.events.read(EventFilter(company_id=company)) == []
    assert published == []


async def test_the_relay_publishes_what_a_crashed_process_left_in_the_outbox(
    runtime: Runtime,
) -> None:
    company = uuid4()
    async with runtime.db.engine.begin() as conn:  # a commit whose process died before publish
        from guiders.store.event_log import SqlEventLog

        stored = await SqlEventLog(conn).append([fact(company, 1), fact(company, 2)], SYSTEM, "c")
    published: list[StoredEvent] = []

    async def collect(event: StoredEvent) -> None:
        published.append(event)

    runtime.bus.subscribe(collect)
    relay = OutboxRelay(runtime.db, runtime.bus)
    assert await relay.sweep() == 2
    assert [e.event_id for e in published] == [e.event_id for e in stored]
    async with runtime.db.engine.connect() as conn:
        assert (await conn.execute(outbox.select())).first() is None
    assert await relay.sweep() == 0


async def test_replay_rebuilds_the_current_state_of_a_busy_tenant(
    runtime: Runtime, demo: dict[str, object], api: object
) -> None:
    import httpx

    assert isinstance(api, httpx.AsyncClient)
    visitor = (
        await api.post(
            "/api/auth/visitor/register",
            json={"apiKey": demo["siteKey"], "domain": "localhost", "fingerprint": "f"},
        )
    ).json()
    headers = {"authorization": f"Bearer {visitor['accessToken']}"}
    chat = (
        await api.post("/api/v2/chats", json={"visitorInfo": {"name": "Vi"}}, headers=headers)
    ).json()
    for i in range(3):
        r = await api.post(
            f"/api/v2/chats/{chat['chatId']}/messages", json={"content": f"m{i}"}, headers=headers
        )
        assert r.status_code == 201
    await api.post(
        "/api/tracking/events",
        headers=headers,
        json={
            "events": [
                {
                    "visitorId": visitor["visitorId"],
                    "type": "page_view",
                    "url": "/p",
                    "pageCategory": "product",
                    "durationMs": 1200,
                }
            ]
        },
    )
    key = {"authorization": f"Bearer {demo['integrationKey']}"}
    staff = demo["staff"][1]  # type: ignore[index]
    await api.put(f"/api/v2/chats/{chat['chatId']}/assign/{staff['commercialId']}", headers=key)
    await api.put(
        f"/api/v2/chats/{chat['chatId']}/close", json={"satisfaction": 4}, headers=headers
    )
    report = await replay_and_compare(runtime.db)
    assert report.ok, report.lines()
    assert report.rows["messages"] == 3 and report.rows["chats"] == 1
    async with runtime.db.engine.begin() as conn:  # tamper with a projection: replay must see it
        from guiders.store.tables import chats

        await conn.execute(chats.update().values(total_messages=99))
    assert not (await replay_and_compare(runtime.db)).ok
