"""What the two Redis buses share: the entry format and one reader of Redis streams.

``RedisBus`` (every node reads one stream) and ``RoutedRedisBus`` (a node reads its companies'
streams) differ in which streams a node reads and what it does with an entry; the rest is the
same and lives here, once:

- **The entry.** A stored event as compact JSON under the field ``e``; ``decode`` upcasts an
  older payload schema on the way in.
- **The reader loop.** One task blocks in ``XREAD`` over the streams the bus names, hands what
  it got to the bus, and on a lost connection retries with a backoff (0.1 s doubling to 5 s),
  so a Redis that is away stops neither the node nor its start.
- **A bounded close.** ``close()`` cancels the reader and waits at most ``CLOSE_WAIT_S`` for it
  and for the connection, so a reader that ignores the cancellation cannot hang a shutdown.

Written here rather than taken from a library: redis-py gives the commands (``XREAD``,
``XREVRANGE``), not a fan-out reader that resumes from its own last id across reconnects.
"""

from __future__ import annotations

import abc
import asyncio
import json
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

import structlog
from redis import asyncio as aioredis
from redis.exceptions import RedisError

from guiders.domain.events import StoredEvent
from guiders.domain.upcasting import upcast
from guiders.services.ports import EventBus

log = structlog.get_logger(__name__)

Handler = Callable[[StoredEvent], Awaitable[None]]

CLOSE_WAIT_S = 5.0
"""How long ``close()`` waits for the reader, then for the connection."""


def encode(event: StoredEvent) -> str:
    return json.dumps(
        {
            "eventId": str(event.event_id),
            "seq": event.seq,
            "companyId": str(event.company_id),
            "aggregateType": event.aggregate_type,
            "aggregateId": str(event.aggregate_id),
            "version": event.version,
            "type": event.type,
            "payload": event.payload,
            "schemaVersion": event.schema_version,
            "actorId": event.actor_id,
            "actorType": event.actor_type,
            "correlationId": event.correlation_id,
            "occurredAt": event.occurred_at.isoformat(),
        },
        separators=(",", ":"),
    )


def decode(raw: str | bytes) -> StoredEvent:
    d: dict[str, Any] = json.loads(raw)
    return StoredEvent(
        event_id=UUID(d["eventId"]),
        seq=int(d["seq"]),
        company_id=UUID(d["companyId"]),
        aggregate_type=d["aggregateType"],
        aggregate_id=UUID(d["aggregateId"]),
        version=int(d["version"]),
        type=d["type"],
        payload=upcast(d["type"], int(d.get("schemaVersion", 1)), d["payload"]),
        actor_id=d["actorId"],
        actor_type=d["actorType"],
        correlation_id=d["correlationId"],
        occurred_at=datetime.fromisoformat(d["occurredAt"]),
    )


def text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


async def deliver(handlers: Iterable[Handler], event: StoredEvent) -> None:
    """Hands ``event`` to every handler; one that fails is logged and does not stop the rest."""
    for handler in handlers:
        try:
            await handler(event)
        except Exception:
            log.exception("event handler failed", event_type=event.type, seq=event.seq)


class StreamReaderBus(EventBus, abc.ABC):
    """A bus whose node reads Redis streams in one task; subclasses say which and from where."""

    reader_name = "redis-bus-reader"

    def __init__(self, url: str, *, block_ms: int, batch: int) -> None:
        self._redis: aioredis.Redis = aioredis.Redis.from_url(url)
        self._block_ms = block_ms
        self._batch = batch
        self._handlers: list[Handler] = []
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    def subscribe(self, handler: Handler) -> None:
        self._handlers.append(handler)

    # -- what a subclass says ------------------------------------------------------------

    @abc.abstractmethod
    async def _find_start(self) -> None:
        """Where reading starts (the current ends: older events are the log's business)."""

    @abc.abstractmethod
    def _read_from(self) -> dict[Any, Any] | None:
        """The streams to read now and the id after which; None while an end is unknown."""

    @abc.abstractmethod
    async def _find_ends(self) -> None:
        """Finds the ends that ``_read_from`` did not know (Redis was away)."""

    @abc.abstractmethod
    async def _dispatch(self, stream: str, entries: list[Any]) -> None:
        """Hands one stream's entries on, moving its position past each."""

    async def _reconnected(self) -> None:
        """Called once a read succeeds after failed ones."""

    # -- the reader ----------------------------------------------------------------------

    async def start(self) -> None:
        """Starts the reader. A Redis that is down does not stop the node from starting: the
        reader keeps trying, and ``/api/ready`` says 503 meanwhile."""
        try:
            await self._find_start()
        except (RedisError, OSError) as exc:
            log.warning("redis bus not reachable at start; will retry", error=str(exc))
        self._task = asyncio.create_task(self._run(), name=self.reader_name)

    async def _stream_end(self, key: str) -> str:
        last: Any = await self._redis.xrevrange(key, count=1)
        return text(last[0][0]) if last else "0-0"

    async def _run(self) -> None:
        backoff = 0.1
        failed = False
        # the flag, not only the cancellation, ends the loop: a cancelled read can surface
        # as a connection error, which is retried
        while not self._closing:
            try:
                ids = self._read_from()
                if ids is None:
                    await self._find_ends()
                    continue
                response: Any = await self._redis.xread(
                    ids, count=self._batch, block=self._block_ms
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
                await self._reconnected()
            for stream, entries in response or []:
                await self._dispatch(text(stream), entries)

    @staticmethod
    def _decode(stream: str, fields: dict[bytes, bytes]) -> StoredEvent | None:
        try:
            return decode(fields[b"e"])
        except (KeyError, ValueError, TypeError):
            log.error("redis bus skipped an undecodable entry", stream=stream)
            return None

    # -- lifecycle -----------------------------------------------------------------------

    async def close(self) -> None:
        """Stops the reader, waiting a bounded time: a CI run once hung here for good."""
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            # asyncio.wait, unlike wait_for, does not wait again for a task that ignores the
            # cancellation
            _, pending = await asyncio.wait({self._task}, timeout=CLOSE_WAIT_S)
            if pending:
                log.warning("redis bus reader did not stop in time; abandoned")
            self._task = None
        closing = asyncio.ensure_future(self._redis.aclose())
        _, pending = await asyncio.wait({closing}, timeout=CLOSE_WAIT_S)
        if not pending and closing.exception() is not None:
            log.warning(
                "redis bus connection did not close cleanly", error=str(closing.exception())
            )

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except (RedisError, OSError):
            return False
