"""The outbox relay when the bus is down: the request succeeds, the event waits in the outbox."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from uuid import uuid4

from guiders.domain.events import DomainEvent, StoredEvent
from guiders.runtime import Runtime
from guiders.services.ports import EventBus
from guiders.store.relay import OutboxRelay
from guiders.store.tables import outbox
from guiders.store.unit_of_work import SqlUnitOfWork


class DownBus(EventBus):
    """A bus whose broker is unreachable until ``up`` is set."""

    def __init__(self) -> None:
        self.up = False
        self.published: list[StoredEvent] = []

    def subscribe(self, handler: Callable[[StoredEvent], Awaitable[None]]) -> None:
        return None

    async def publish(self, events: Sequence[StoredEvent]) -> None:
        if not self.up:
            raise ConnectionError("broker unreachable")
        self.published.extend(events)


async def test_a_commit_while_the_bus_is_down_is_published_by_a_later_sweep(
    runtime: Runtime,
) -> None:
    bus = DownBus()
    relay = OutboxRelay(runtime.db, bus)
    company = uuid4()
    async with SqlUnitOfWork(runtime.db, after_commit=relay.publish_committed) as uow:
        uow.record(
            DomainEvent(
                type="test.happened",
                aggregate_type="test",
                aggregate_id=uuid4(),
                company_id=company,
                payload={},
                occurred_at=datetime.now(UTC),
                version=1,
            )
        )
        await uow.commit()
    await relay.flush()
    async with runtime.db.engine.connect() as conn:
        assert len(list(await conn.execute(outbox.select()))) == 1
    assert await relay.sweep() == 0
    bus.up = True
    assert await relay.sweep() == 1
    assert [e.company_id for e in bus.published] == [company]
    async with runtime.db.engine.connect() as conn:
        assert (await conn.execute(outbox.select())).first() is None
