"""Closing a Redis bus must not hang on a reader that does not stop as asked (both buses share
the reader and its close, ``bus/streams.py``)."""

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from tests.waiting import eventually

from guiders.bus import streams
from guiders.bus.redis import RedisBus
from guiders.bus.routed import RoutedRedisBus
from guiders.bus.streams import StreamReaderBus

URL = "redis://127.0.0.1:9/0"


def shared() -> StreamReaderBus:
    bus = RedisBus(URL, stream="s")
    bus._last_id = "0-0"
    return bus


def routed() -> StreamReaderBus:
    bus = RoutedRedisBus(URL, prefix="p")
    bus._ids[bus.nodes_stream] = "0-0"
    return bus


BUSES = pytest.mark.parametrize("make", [shared, routed], ids=["shared", "routed"])


def reading(bus: StreamReaderBus, xread: Any) -> asyncio.Task[None]:
    """A bus whose reader is already past start-up, reading with ``xread``."""
    bus._redis.xread = xread  # type: ignore[method-assign]
    bus._task = asyncio.create_task(bus._run())
    return bus._task


@BUSES
async def test_a_cancelled_read_that_surfaces_as_a_connection_error_ends_the_reader(
    make: Callable[[], StreamReaderBus],
) -> None:
    started = asyncio.Event()

    async def xread(*_: Any, **__: Any) -> Any:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            raise RedisConnectionError("connection closed while reading") from None

    bus = make()
    reader = reading(bus, xread)
    await asyncio.wait_for(started.wait(), 10)  # the reader is inside xread
    await asyncio.wait_for(bus.close(), 10)
    assert reader.done()


@BUSES
async def test_a_reader_that_ignores_cancellation_is_abandoned_after_the_wait(
    make: Callable[[], StreamReaderBus], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(streams, "CLOSE_WAIT_S", 0.2)
    stop, started = asyncio.Event(), asyncio.Event()

    async def xread(*_: Any, **__: Any) -> Any:
        started.set()
        while not stop.is_set():
            try:
                await stop.wait()
            except asyncio.CancelledError:
                continue
        return []

    bus = make()
    reader = reading(bus, xread)
    await asyncio.wait_for(started.wait(), 10)  # the reader is inside xread
    await asyncio.wait_for(bus.close(), 10)
    assert not reader.done()
    stop.set()
    await reader


@BUSES
async def test_a_failed_read_is_retried_and_the_routed_bus_resyncs_after_it(
    make: Callable[[], StreamReaderBus],
) -> None:
    calls, resynced = 0, asyncio.Event()

    async def xread(*_: Any, **__: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RedisConnectionError("away for a moment")
        if calls > 3:
            await asyncio.Event().wait()
        return []

    bus = make()
    if isinstance(bus, RoutedRedisBus):

        async def resync() -> None:
            resynced.set()

        bus.on_resync(resync)
    _ = reading(bus, xread)
    try:
        await eventually(lambda: calls > 3, timeout=10)
        assert resynced.is_set() == isinstance(bus, RoutedRedisBus)
    finally:
        await asyncio.wait_for(bus.close(), 10)
