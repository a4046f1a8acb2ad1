"""The Redis event bus: every node publishes to one Redis stream and every node reads all of it.

A stream rather than pub/sub because a node that loses its Redis connection for a moment picks up
again from the last entry it read, instead of silently missing what was published meanwhile.
Each node reads the whole stream (fan-out, no consumer group): every node has sockets that may
need any event. The stream is trimmed to about ``maxlen`` entries; the event log, not the
stream, is what clients resume from.

Delivery is at least once (the outbox relay may publish an event again after a crash), and
events of one company may arrive out of ``seq`` order when several nodes commit at once:
subscribers de-duplicate by ``eventId`` or ``seq`` and order by ``seq`` themselves.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import structlog
from redis import asyncio as aioredis
from redis.exceptions import RedisError

from guiders.domain.events import StoredEvent
from guiders.domain.upcasting import upcast
from guiders.observability.metrics import BUS_EVENTS_READ
from guiders.services.ports import EventBus

log = structlog.get_logger(__name__)

Handler = Callable[[StoredEvent], Awaitable[None]]


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


CLOSE_WAIT_S = 5.0


class RedisBus(EventBus):
    def __init__(
        self,
        url: str,
        *,
        stream: str,
        maxlen: int = 100_000,
        block_ms: int = 1000,
        batch: int = 500,
    ) -> None:
        self._redis: aioredis.Redis = aioredis.Redis.from_url(url)
        self._stream = stream
        self._maxlen = maxlen
        self._block_ms = block_ms
        self._batch = batch
        self._handlers: list[Handler] = []
        self._task: asyncio.Task[None] | None = None
        self._last_id: str | None = None
        self._closing = False

    def subscribe(self, handler: Handler) -> None:
        self._handlers.append(handler)

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

    async def start(self) -> None:
        """Reads from the current end of the stream: older events are the log's business.

        A Redis that is down does not stop the node from starting: the reader keeps trying,
        and ``/api/ready`` says 503 meanwhile.
        """
        try:
            await self._find_end()
        except (RedisError, OSError) as exc:
            log.warning("redis bus not reachable at start; will retry", error=str(exc))
        self._task = asyncio.create_task(self._run(), name="redis-bus-reader")

    async def _find_end(self) -> None:
        last: Any = await self._redis.xrevrange(self._stream, count=1)
        self._last_id = _text(last[0][0]) if last else "0-0"

    async def _run(self) -> None:
        backoff = 0.1
        # the flag, not only the cancellation, ends the loop: a cancelled read can surface
        # as a connection error, which is retried
        while not self._closing:
            try:
                if self._last_id is None:
                    await self._find_end()
                    continue
                response: Any = await self._redis.xread(
                    {self._stream: self._last_id}, count=self._batch, block=self._block_ms
                )
                backoff = 0.1
            except (RedisError, OSError) as exc:
                log.warning("redis bus read failed; retrying", error=str(exc))
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            for _stream, entries in response or []:
                for entry_id, fields in entries:
                    self._last_id = _text(entry_id)
                    await self._dispatch(fields)

    async def _dispatch(self, fields: dict[bytes, bytes]) -> None:
        try:
            event = decode(fields[b"e"])
        except (KeyError, ValueError, TypeError):
            log.error("redis bus skipped an undecodable entry", stream=self._stream)
            return
        BUS_EVENTS_READ.labels("shared").inc()
        for handler in self._handlers:
            try:
                await handler(event)
            except Exception:
                log.exception("event handler failed", event_type=event.type, seq=event.seq)

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


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
