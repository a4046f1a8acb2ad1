"""Closing the Redis bus must not hang on a reader that does not stop as asked."""

import asyncio
from typing import Any

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from guiders.bus import redis as redis_bus
from guiders.bus.redis import RedisBus


def reading(bus: RedisBus, xread: Any) -> asyncio.Task[None]:
    """A bus whose reader is already past start-up, reading with ``xread``."""
    bus._redis.xread = xread  # type: ignore[method-assign]
    bus._last_id = "0-0"
    bus._task = asyncio.create_task(bus._run())
    return bus._task


async def test_a_cancelled_read_that_surfaces_as_a_connection_error_ends_the_reader() -> None:
    started = asyncio.Event()

    async def xread(*_: Any, **__: Any) -> Any:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            raise RedisConnectionError("connection closed while reading") from None

    bus = RedisBus("redis://127.0.0.1:9/0", stream="s")
    reader = reading(bus, xread)
    await asyncio.wait_for(started.wait(), 10)  # the reader is inside xread
    await asyncio.wait_for(bus.close(), 10)
    assert reader.done()


async def test_a_reader_that_ignores_cancellation_is_abandoned_after_the_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(redis_bus, "CLOSE_WAIT_S", 0.2)
    stop, started = asyncio.Event(), asyncio.Event()

    async def xread(*_: Any, **__: Any) -> Any:
        started.set()
        while not stop.is_set():
            try:
                await stop.wait()
            except asyncio.CancelledError:
                continue
        return []

    bus = RedisBus("redis://127.0.0.1:9/0", stream="s")
    reader = reading(bus, xread)
    await asyncio.wait_for(started.wait(), 10)  # the reader is inside xread
    await asyncio.wait_for(bus.close(), 10)
    assert not reader.done()
    stop.set()
    await reader
