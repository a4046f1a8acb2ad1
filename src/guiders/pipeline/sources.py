"""Where a worker's events come from: the event log over REST, or a Redis stream.

``LogSource``: one worker reads ``GET /v2/events`` after its stored position
(``/v2/consumers/{name}/position``) and stores the new position after each batch it handled.
A crash between handling and storing redelivers that batch: at least once.

``RedisStreamSource``: several workers share a consumer group on a Redis stream. Any worker
feeds the stream from the log, with the event's ``seq`` as the entry id, so two feeders cannot
add an event twice (Redis refuses an id that is not greater than the last). ``XREADGROUP``
gives each entry to one worker; a worker acknowledges an entry after handling it; entries a
dead worker had taken stay pending and another worker takes them over with ``XAUTOCLAIM``
once they have been idle for ``claim_idle_s``.
"""

from __future__ import annotations

import abc
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from guiders.client import GuidersClient

log = structlog.get_logger(__name__)

Handler = Callable[[dict[str, Any]], Awaitable[object]]

CLAIM_IDLE_S = 30.0
"""How long an entry stays unacknowledged before another worker takes it over (XAUTOCLAIM's
min-idle): a dead worker's events are handled again within this, plus one pump (< 1 s)."""


async def fetch_events(client: GuidersClient, after_seq: int, limit: int) -> list[dict[str, Any]]:
    body = await client.request("GET", "/v2/events", params={"afterSeq": after_seq, "limit": limit})
    events: list[dict[str, Any]] = body["events"]
    return events


async def log_end(client: GuidersClient) -> int:
    body = await client.request("GET", "/v2/events", params={"limit": 1, "afterSeq": 0})
    return int(body["lastSeq"])


async def stored_position(client: GuidersClient, consumer: str) -> int | None:
    body = await client.request("GET", f"/v2/consumers/{consumer}/position")
    seq = body.get("seq")
    return int(seq) if seq is not None else None


async def store_position(client: GuidersClient, consumer: str, seq: int) -> None:
    await client.request("PUT", f"/v2/consumers/{consumer}/position", json={"seq": seq})


class EventSource(abc.ABC):
    @abc.abstractmethod
    async def pump(self, handler: Handler) -> int:
        """Hands the events available now to ``handler``; returns how many."""


@dataclass
class LogSource(EventSource):
    client: GuidersClient
    consumer: str
    batch: int = 100
    start_at_end: bool = True
    """A consumer with no stored position starts at the log's end (not its whole history)."""

    async def pump(self, handler: Handler) -> int:
        position = await stored_position(self.client, self.consumer)
        if position is None:
            position = await log_end(self.client) if self.start_at_end else 0
            await store_position(self.client, self.consumer, position)
        events = await fetch_events(self.client, position, self.batch)
        for event in events:
            await handler(event)
        if events:
            await store_position(self.client, self.consumer, int(events[-1]["seq"]))
        return len(events)


@dataclass
class RedisStreamSource(EventSource):
    client: GuidersClient
    redis: Redis
    consumer: str
    worker: str
    stream: str | None = None
    batch: int = 100
    feed_batch: int = 500
    block_ms: int = 200
    claim_idle_s: float = CLAIM_IDLE_S
    maxlen: int = 100_000
    start_at_end: bool = True

    @property
    def key(self) -> str:
        return self.stream or f"guiders:pipeline:{self.consumer}"

    async def ensure_group(self) -> None:
        try:
            await self.redis.xgroup_create(self.key, self.consumer, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def _stream_last(self) -> int | None:
        try:
            info: dict[Any, Any] = await self.redis.xinfo_stream(self.key)
        except ResponseError:
            return None
        last = info.get("last-generated-id") or info.get(b"last-generated-id")
        raw = last.decode() if isinstance(last, bytes) else str(last)
        seq = int(raw.split("-")[0])
        return seq if seq > 0 else None

    async def feed(self) -> int:
        """Appends the log's new events to the stream; safe to run in every worker at once."""
        position = await self._stream_last()
        if position is None:
            position = await stored_position(self.client, f"{self.consumer}-feed")
        if position is None:
            position = await log_end(self.client) if self.start_at_end else 0
            await store_position(self.client, f"{self.consumer}-feed", position)
        events = await fetch_events(self.client, position, self.feed_batch)
        added = 0
        for event in events:
            try:
                await self.redis.xadd(
                    self.key,
                    {"event": json.dumps(event)},
                    id=f"{int(event['seq'])}-1",
                    maxlen=self.maxlen,
                    approximate=True,
                )
                added += 1
            except ResponseError as exc:
                if "equal or smaller" not in str(exc):
                    raise
        if events:
            await store_position(self.client, f"{self.consumer}-feed", int(events[-1]["seq"]))
        return added

    async def _handle(self, entries: list[Any], handler: Handler) -> int:
        count = 0
        for entry_id, fields in entries:
            if fields is None:  # trimmed away while pending
                await self.redis.xack(self.key, self.consumer, entry_id)
                continue
            data: dict[Any, Any] = fields
            raw = data.get(b"event") or data.get("event")
            await handler(json.loads(str(raw.decode() if isinstance(raw, bytes) else raw)))
            await self.redis.xack(self.key, self.consumer, entry_id)
            count += 1
        return count

    async def claim_dead(self, handler: Handler) -> int:
        """Takes over entries another worker read but never acknowledged (it died)."""
        result: Any = await self.redis.xautoclaim(
            self.key,
            self.consumer,
            self.worker,
            min_idle_time=int(self.claim_idle_s * 1000),
            start_id="0-0",
            count=self.batch,
        )
        claimed = result[1]
        if claimed:
            log.info("pipeline.claimed", worker=self.worker, entries=len(claimed))
        return await self._handle(claimed, handler)

    async def pump(self, handler: Handler) -> int:
        await self.ensure_group()
        await self.feed()
        handled = await self.claim_dead(handler)
        response: Any = await self.redis.xreadgroup(
            self.consumer,
            self.worker,
            {self.key: ">"},
            count=self.batch,
            block=self.block_ms,
        )
        for _stream, entries in response or []:
            handled += await self._handle(entries, handler)
        return handled
