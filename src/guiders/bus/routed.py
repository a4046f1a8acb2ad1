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
from redis import asyncio as aioredis
from redis.exceptions import RedisError

from guiders.bus.redis import CLOSE_WAIT_S, decode, encode
from guiders.domain.events import StoredEvent
from guiders.observability.metrics import BUS_EVENTS_READ
from guiders.services.ports import EventBus

log = structlog.get_logger(__name__)

Handler = Callable[[StoredEvent], Awaitable[None]]
Resync = Callable[[], Awaitable[None]]


class RoutedRedisBus(EventBus):
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
        self._redis: aioredis.Redis = aioredis.Redis.from_url(url)
        self._prefix = prefix
        self._node_types = node_types
        self._maxlen = maxlen
        self._ttl_ms = ttl_s * 1000
        self._block_ms = block_ms
        self._batch = batch
        self.nodes_stream = f"{prefix}:events:nodes"
        self.wake_stream = f"{prefix}:events:wake:{uuid.uuid4().hex}"
        self._handlers: list[Handler] = []
        self._node_handlers: list[Handler] = []
        self._published: list[Handler] = []
        self._resync: list[Resync] = []
        self._followers: dict[UUID, int] = {}
        self._positions: dict[UUID, asyncio.Future[None]] = {}
        self._ids: dict[str, str] = {self.wake_stream: "0-0"}
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.decoded = 0
        """Entries of company streams this node decoded (the benchmark's fan-in counter)."""
        self.unwanted = 0
        """Of those, entries of a company this node no longer followed."""

    def stream_of(self, company_id: UUID) -> str:
        return f"{self._prefix}:events:{company_id}"

    # -- subscribers ---------------------------------------------------------------------

    def subscribe(self, handler: Handler) -> None:
        self._handlers.append(handler)

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
            await _each(self._published, event)

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
            last: Any = await self._redis.xrevrange(key, count=1)
        except (RedisError, OSError) as exc:
            # nothing is published while Redis is away; the reader finds the end when it is
            # back, and a resync reads from the log what it could not hand over
            log.warning("redis unreachable when following a company", error=str(exc))
            self._ids[key] = "$"
            return
        if self._followers.get(company_id, 0) <= 0:
            return  # unfollowed meanwhile
        self._ids[key] = _text(last[0][0]) if last else "0-0"
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

    async def start(self) -> None:
        try:
            last: Any = await self._redis.xrevrange(self.nodes_stream, count=1)
            self._ids[self.nodes_stream] = _text(last[0][0]) if last else "0-0"
        except (RedisError, OSError) as exc:
            log.warning("redis bus not reachable at start; will retry", error=str(exc))
            self._ids[self.nodes_stream] = "$"
        self._task = asyncio.create_task(self._run(), name="redis-routed-bus-reader")

    async def _run(self) -> None:
        backoff = 0.1
        failed = False
        while not self._closing:
            ids: dict[Any, Any] = dict(self._ids)
            try:
                if "$" in ids.values():
                    await self._find_ends(ids)
                    continue
                response: Any = await self._redis.xread(
                    ids,
                    count=self._batch,
                    block=self._block_ms,
                )
                backoff = 0.1
            except (RedisError, OSError) as exc:
                log.warning("redis bus read failed; retrying", error=str(exc))
                failed = True
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            if failed:
                failed = False
                for callback in self._resync:
                    await _call(callback)
            for stream, entries in response or []:
                await self._dispatch(_text(stream), entries)

    async def _find_ends(self, ids: dict[Any, Any]) -> None:
        for key, position in ids.items():
            if position == "$":
                last: Any = await self._redis.xrevrange(key, count=1)
                if self._ids.get(key) == "$":
                    self._ids[key] = _text(last[0][0]) if last else "0-0"
        for callback in self._resync:
            await _call(callback)

    async def _dispatch(self, stream: str, entries: list[Any]) -> None:
        if stream == self.wake_stream:
            if entries:
                self._ids[stream] = _text(entries[-1][0])
            return
        node_wide = stream == self.nodes_stream
        handlers = self._node_handlers if node_wide else self._handlers
        for entry_id, fields in entries:
            if stream not in self._ids:
                self.unwanted += len(entries)
                return  # unfollowed while the read was under way
            self._ids[stream] = _text(entry_id)
            try:
                event = decode(fields[b"e"])
            except (KeyError, ValueError, TypeError):
                log.error("redis bus skipped an undecodable entry", stream=stream)
                continue
            if not node_wide:
                self.decoded += 1
            BUS_EVENTS_READ.labels("nodes" if node_wide else "company").inc()
            await _each(handlers, event)

    # -- lifecycle -----------------------------------------------------------------------

    async def close(self) -> None:
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            _, pending = await asyncio.wait({self._task}, timeout=CLOSE_WAIT_S)
            if pending:
                log.warning("redis bus reader did not stop in time; abandoned")
            self._task = None
        closing = asyncio.ensure_future(self._redis.aclose())
        await asyncio.wait({closing}, timeout=CLOSE_WAIT_S)

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except (RedisError, OSError):
            return False


async def _each(handlers: list[Handler], event: StoredEvent) -> None:
    for handler in handlers:
        try:
            await handler(event)
        except Exception:
            log.exception("event handler failed", event_type=event.type, seq=event.seq)


async def _call(callback: Resync) -> None:
    try:
        await callback()
    except Exception:
        log.exception("resync failed")


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
