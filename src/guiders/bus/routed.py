"""The routed Redis bus: one stream per company, read only by the nodes that serve it.

``RedisBus`` (``shared`` routing) puts every event on one stream that every node reads, so each
node decodes the whole cluster's traffic. Here each event goes to its company's stream
``{prefix}:events:{companyId}``, and a node reads the streams of the companies it has sockets
of: ``follow`` at a company's first socket on the node, ``unfollow`` at its last. A node's work
then grows with its own sockets, not with the cluster.

- **Where a node starts reading a company.** ``follow`` records the stream's last entry id
  before it returns; the caller then reads the log's end (``SeqOrder.track``). Whatever is
  published after ``follow`` is read from that id; whatever was committed before the log's
  end was read is already in it. Nothing falls in between.
- **Waking the reader.** The reader blocks in one ``XREAD`` over the node's streams. A newly
  followed stream would wait for that block to time out; so every node also reads a wake
  stream of its own, ``{prefix}:events:wake:{node}``, and ``follow`` adds an entry there.
- **Node-wide events.** A few event types wake workers of every node (a hand-off waiting for
  an agent, a knowledge index to rebuild): they also go to ``{prefix}:events:nodes``, which
  every node reads, and only ``subscribe_node`` handlers get what comes from it.
- **Once per cluster.** ``subscribe_published`` handlers run on the publishing node after the
  write to Redis succeeded (metrics, the shared cache).

A company's stream is trimmed to about ``maxlen`` entries and expires ``ttl_s`` after its last
event: streams carry events live; clients resume from the log in PostgreSQL. Delivery stays at
least once and may be out of ``seq`` order (several publishers); ``SeqOrder`` re-orders and
de-duplicates, and reads from the log what a Redis restart lost (``on_resync``).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from uuid import UUID

import structlog
from redis.exceptions import RedisError

from guiders.bus.streams import Handler, StreamReaderBus, deliver, encode, text
from guiders.domain.events import StoredEvent
from guiders.observability.metrics import BUS_EVENTS_READ

log = structlog.get_logger(__name__)

Resync = Callable[[], Awaitable[None]]


class RoutedRedisBus(StreamReaderBus):
    reader_name = "redis-routed-bus-reader"

    def __init__(
        self,
        url: str,
        *,
        prefix: str,
        node_types: frozenset[str] = frozenset(),
        maxlen: int = 10_000,
        ttl_s: int = 7 * 24 * 3600,
        block_ms: int = 1000,
        batch: int = 500,
    ) -> None:
        super().__init__(url, block_ms=block_ms, batch=batch)
        self._prefix = prefix
        self._node_types = node_types
        self._maxlen = maxlen
        self._ttl_ms = ttl_s * 1000
        self.nodes_stream = f"{prefix}:events:nodes"
        self.wake_stream = f"{prefix}:events:wake:{uuid.uuid4().hex}"
        self._node_handlers: list[Handler] = []
        self._published: list[Handler] = []
        self._resync: list[Resync] = []
        self._followers: dict[UUID, int] = {}
        self._positions: dict[UUID, asyncio.Future[None]] = {}
        self._ids: dict[str, str] = {self.wake_stream: "0-0", self.nodes_stream: "$"}
        self.decoded = 0
        """Entries of company streams this node decoded (the benchmark's fan-in counter)."""
        self.unwanted = 0
        """Of those, entries of a company this node no longer followed."""

    def stream_of(self, company_id: UUID) -> str:
        return f"{self._prefix}:events:{company_id}"

    # -- subscribers ---------------------------------------------------------------------

    def subscribe_node(self, handler: Handler, types: frozenset[str]) -> None:
        missing = types - self._node_types
        if missing:
            raise ValueError(f"not routed to every node: {sorted(missing)}")

        async def of_types(event: StoredEvent) -> None:
            if event.type in types:
                await handler(event)

        self._node_handlers.append(of_types)

    def subscribe_published(self, handler: Handler) -> None:
        self._published.append(handler)

    def on_resync(self, callback: Resync) -> None:
        """Called after the reader lost Redis for a while: what was on a stream that a
        restarted Redis dropped must be read from the log."""
        self._resync.append(callback)

    # -- publishing ----------------------------------------------------------------------

    async def publish(self, events: Sequence[StoredEvent]) -> None:
        """One commit's events in one MULTI; then the ``subscribe_published`` handlers."""
        if not events:
            return
        async with self._redis.pipeline(transaction=True) as pipe:
            for event in events:
                entry: dict[Any, Any] = {"e": encode(event)}
                key = self.stream_of(event.company_id)
                _ = pipe.xadd(key, entry, maxlen=self._maxlen, approximate=True)
                _ = pipe.pexpire(key, self._ttl_ms)
                if event.type in self._node_types:
                    _ = pipe.xadd(self.nodes_stream, entry, maxlen=self._maxlen, approximate=True)
            await pipe.execute()
        for event in events:
            await deliver(self._published, event)

    # -- following companies -------------------------------------------------------------

    async def follow(self, company_id: UUID) -> None:
        self._followers[company_id] = self._followers.get(company_id, 0) + 1
        position = self._positions.get(company_id)
        if position is None:
            position = asyncio.get_running_loop().create_future()
            self._positions[company_id] = position
            try:
                await self._start_reading(company_id)
            finally:
                if not position.done():
                    position.set_result(None)
        await asyncio.shield(position)

    async def _start_reading(self, company_id: UUID) -> None:
        key = self.stream_of(company_id)
        try:
            end = await self._stream_end(key)
        except (RedisError, OSError) as exc:
            # nothing is published while Redis is away; the reader finds the end when it is
            # back, and a resync reads from the log what it could not hand over
            log.warning("redis unreachable when following a company", error=str(exc))
            self._ids[key] = "$"
            return
        if self._followers.get(company_id, 0) <= 0:
            return  # unfollowed meanwhile
        self._ids[key] = end
        try:
            await self._redis.xadd(self.wake_stream, {"w": "1"}, maxlen=10, approximate=True)
            await self._redis.pexpire(self.wake_stream, 3_600_000)
        except (RedisError, OSError):
            pass  # the reader sees the new stream at its next pass anyway

    def unfollow(self, company_id: UUID) -> None:
        count = self._followers.get(company_id, 0) - 1
        if count > 0:
            self._followers[company_id] = count
            return
        self._followers.pop(company_id, None)
        self._positions.pop(company_id, None)
        self._ids.pop(self.stream_of(company_id), None)

    @property
    def followed(self) -> frozenset[UUID]:
        return frozenset(self._followers)

    # -- reading -------------------------------------------------------------------------

    async def _find_start(self) -> None:
        self._ids[self.nodes_stream] = await self._stream_end(self.nodes_stream)

    def _read_from(self) -> dict[Any, Any] | None:
        return None if "$" in self._ids.values() else dict(self._ids)

    async def _find_ends(self) -> None:
        for key, position in list(self._ids.items()):
            if position == "$":
                end = await self._stream_end(key)
                if self._ids.get(key) == "$":
                    self._ids[key] = end
        await self._reconnected()

    async def _reconnected(self) -> None:
        for callback in self._resync:
            try:
                await callback()
            except Exception:
                log.exception("resync failed")

    async def _dispatch(self, stream: str, entries: list[Any]) -> None:
        if stream == self.wake_stream:
            if entries:
                self._ids[stream] = text(entries[-1][0])
            return
        node_wide = stream == self.nodes_stream
        handlers = self._node_handlers if node_wide else self._handlers
        for entry_id, fields in entries:
            if stream not in self._ids:
                self.unwanted += len(entries)
                return  # unfollowed while the read was under way
            self._ids[stream] = text(entry_id)
            event = self._decode(stream, fields)
            if event is None:
                continue
            if not node_wide:
                self.decoded += 1
            BUS_EVENTS_READ.labels("nodes" if node_wide else "company").inc()
            await deliver(handlers, event)
