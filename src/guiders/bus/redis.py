"""The Redis event bus: every node publishes to one Redis stream and every node reads all of it.

A stream rather than pub/sub because a node that loses its Redis connection for a moment picks up
again from the last entry it read, instead of silently missing what was published meanwhile.
Each node reads the whole stream (fan-out, no consumer group): every node has sockets that may
need any event. The stream is trimmed to about ``maxlen`` entries; the event log, not the
stream, is what clients resume from.

Delivery is at least once (the outbox relay may publish an event again after a crash), and
events of one company may arrive out of ``seq`` order when several nodes commit at once:
subscribers de-duplicate by ``eventId`` or ``seq`` and order by ``seq`` themselves.

The reader, its reconnects and its bounded close are ``bus/streams.py``'s, shared with the
routed bus.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from guiders.bus.streams import StreamReaderBus, deliver, encode, text
from guiders.domain.events import StoredEvent
from guiders.observability.metrics import BUS_EVENTS_READ


class RedisBus(StreamReaderBus):
    reader_name = "redis-bus-reader"

    def __init__(
        self,
        url: str,
        *,
        stream: str,
        maxlen: int = 100_000,
        block_ms: int = 1000,
        batch: int = 500,
    ) -> None:
        super().__init__(url, block_ms=block_ms, batch=batch)
        self._stream = stream
        self._maxlen = maxlen
        self._last_id: str | None = None

    async def publish(self, events: Sequence[StoredEvent]) -> None:
        """One commit's events go in as one MULTI, so other nodes see all of them or none."""
        if not events:
            return
        async with self._redis.pipeline(transaction=True) as pipe:
            for event in events:
                _ = pipe.xadd(
                    self._stream,
                    {"e": encode(event)},
                    maxlen=self._maxlen,
                    approximate=True,
                )
            await pipe.execute()

    async def _find_start(self) -> None:
        await self._find_ends()

    def _read_from(self) -> dict[Any, Any] | None:
        return None if self._last_id is None else {self._stream: self._last_id}

    async def _find_ends(self) -> None:
        self._last_id = await self._stream_end(self._stream)

    async def _dispatch(self, stream: str, entries: list[Any]) -> None:
        for entry_id, fields in entries:
            self._last_id = text(entry_id)
            event = self._decode(stream, fields)
            if event is None:
                continue
            BUS_EVENTS_READ.labels("shared").inc()
            await deliver(self._handlers, event)
