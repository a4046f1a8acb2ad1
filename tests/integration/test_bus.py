"""One contract for every event bus (in process and the real Redis), plus what only Redis does."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import pytest
from redis.exceptions import RedisError

from guiders.bus.memory import InProcessBus
from guiders.bus.redis import RedisBus
from guiders.bus.streams import decode, encode
from guiders.domain.events import StoredEvent
from guiders.services.ports import EventBus
from tests.conftest import REDIS_URL, redis_up, require_service
from tests.waiting import eventually


def event(seq: int, company: uuid.UUID | None = None) -> StoredEvent:
    return StoredEvent(
        event_id=uuid.uuid4(),
        seq=seq,
        company_id=company or uuid.uuid4(),
        aggregate_type="chat",
        aggregate_id=uuid.uuid4(),
        version=1,
        type="message.sent",
        payload={"content": f"m{seq}", "nested": {"ok": True}},
        actor_id="a",
        actor_type="visitor",
        correlation_id="corr",
        occurred_at=datetime.now(UTC),
    )


class Received:
    def __init__(self) -> None:
        self.events: list[StoredEvent] = []

    async def __call__(self, e: StoredEvent) -> None:
        self.events.append(e)

    async def until(self, count: int, within: float = 5) -> list[StoredEvent]:
        await eventually(lambda: len(self.events) >= count, timeout=within, what=f"{count} events")
        return self.events


BusFactory = Callable[[], EventBus]


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def make_bus(request: pytest.FixtureRequest) -> AsyncIterator[BusFactory]:
    """Buses of one deployment: several Redis buses share one stream, like several nodes."""
    made: list[EventBus] = []
    if request.param == "memory":
        shared = InProcessBus()

        def memory() -> EventBus:
            return shared

        yield memory
        return
    require_service("Redis", await redis_up())
    stream = f"t{uuid.uuid4().hex[:12]}:events"

    def redis() -> EventBus:
        bus = RedisBus(REDIS_URL, stream=stream, block_ms=200)
        made.append(bus)
        return bus

    yield redis
    for bus in made:
        await bus.close()
    cleaner = RedisBus(REDIS_URL, stream=stream)
    await cleaner._redis.delete(stream)
    await cleaner.close()


async def test_every_subscriber_gets_each_published_event_in_order(make_bus: BusFactory) -> None:
    bus = make_bus()
    first, second = Received(), Received()
    bus.subscribe(first)
    bus.subscribe(second)
    await bus.start()
    sent = [event(i) for i in range(1, 6)]
    await bus.publish(sent[:2])
    await bus.publish(sent[2:])
    for received in (first, second):
        got = await received.until(5)
        assert [e.event_id for e in got] == [e.event_id for e in sent]
    assert first.events[0] == sent[0]
    assert await bus.ping()


async def test_a_failing_handler_does_not_stop_the_others(make_bus: BusFactory) -> None:
    bus = make_bus()

    async def broken(_: StoredEvent) -> None:
        raise RuntimeError("boom")

    received = Received()
    bus.subscribe(broken)
    bus.subscribe(received)
    await bus.start()
    await bus.publish([event(1)])
    await bus.publish([event(2)])
    assert [e.seq for e in await received.until(2)] == [1, 2]


@pytest.mark.redis
async def test_every_node_receives_what_any_node_publishes(
    redis_url: str, redis_prefix: str
) -> None:
    stream = f"{redis_prefix}:events"
    a, b = RedisBus(redis_url, stream=stream), RedisBus(redis_url, stream=stream)
    got_a, got_b = Received(), Received()
    a.subscribe(got_a)
    b.subscribe(got_b)
    try:
        await a.start()
        await b.start()
        await a.publish([event(1)])
        await b.publish([event(2), event(3)])
        for got in (got_a, got_b):
            assert [e.seq for e in await got.until(3)] == [1, 2, 3]
    finally:
        await a.close()
        await b.close()


@pytest.mark.redis
async def test_a_node_starts_at_the_end_of_the_stream(redis_url: str, redis_prefix: str) -> None:
    stream = f"{redis_prefix}:events"
    early = RedisBus(redis_url, stream=stream)
    await early.publish([event(1)])
    late, got = RedisBus(redis_url, stream=stream, block_ms=100), Received()
    late.subscribe(got)
    try:
        await late.start()
        await early.publish([event(2)])
        assert [e.seq for e in await got.until(1)] == [2]
        # The stream is read in order: had the late node read from the start, 1 would come first.
        await early.publish([event(3)])
        assert [e.seq for e in await got.until(2)] == [2, 3]
    finally:
        await early.close()
        await late.close()


async def test_a_dead_redis_fails_the_publish_and_the_ping_but_not_the_start() -> None:
    bus = RedisBus("redis://127.0.0.1:9/0", stream="nowhere")
    try:
        await bus.start()
        assert await bus.ping() is False
        with pytest.raises(RedisError):
            await bus.publish([event(1)])
    finally:
        await bus.close()


def test_the_wire_format_round_trips() -> None:
    e = event(42)
    assert decode(encode(e)) == e
    assert decode(encode(e).encode()) == e
