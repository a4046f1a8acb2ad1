"""Replicas of a worker sharing the event log through a Redis consumer group.

Used by every worker that runs as N replicas (the pipeline, the bot, the analytics scorer), so
that there is one mechanism to reason about:

- **Feed.** Any replica appends the log's new events (``GET /v2/events``, optionally only some
  types) to the stream ``guiders:{kind}:{consumer}`` with the event's ``seq`` as the entry id, so
  two replicas feeding at once cannot add an event twice (Redis refuses an id that is not
  greater than the last). Where the feed stands is the stream's last id, and in the server's
  consumer position ``{consumer}-feed`` for a stream that was lost.
- **Share.** ``XREADGROUP`` gives each entry to one replica, which acknowledges it after its
  handler returned. A handler that raises leaves the entry pending.
- **Take over.** A replica that died (or whose handler failed) leaves its entries pending;
  any replica takes them with ``XAUTOCLAIM`` once they have been idle for ``claim_idle_s``,
  at its next pump. So a dead replica's events are handled again within ``claim_idle_s`` plus
  one pump.
- **Heartbeat.** While a replica works on a batch it resets the idle time of the entries it
  still holds every ``claim_idle_s / 3`` (``XCLAIM … JUSTID`` to itself, only of the entries
  the group still lists as its own), so a live replica's slow work (a typed reply, an LLM
  call) is never claimed by another and done twice: only a dead (or stalled) replica's
  entries grow idle.
- **Order.** Without ``key_of`` a batch is handled in order, one entry at a time. With it,
  entries with the same key (a chat) run in order and different keys run concurrently, so one
  slow chat does not hold back the others.

Delivery is at least once: a replica killed after its handler's effect and before the
acknowledgement has the entry handled again, so handlers must be idempotent (the server
de-duplicates a message's ``clientMessageId``, a hand-off's key, a saga's id).

A replica joins with ``joined(settings, …)`` (``work_group_settings``: the command line's
side, kept apart from Redis and the client).
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from guiders.client.client import GuidersClient
from guiders.client.work_group_settings import CLAIM_IDLE_S, WorkGroupSettings

log = structlog.get_logger(__name__)

Handler = Callable[[dict[str, Any]], Awaitable[object]]


async def fetch_events(
    client: GuidersClient, after_seq: int, limit: int, types: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"afterSeq": after_seq, "limit": limit}
    if types:
        params["type"] = ",".join(types)
    body = await client.request("GET", "/v2/events", params=params)
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


_REFRESH = """
local refreshed = 0
for i = 3, #ARGV do
  local held = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1, ARGV[2])
  if #held > 0 then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    refreshed = refreshed + 1
  end
end
return refreshed
"""
"""Resets the idle time of the entries (ARGV[3:]) that the group (ARGV[1]) still lists as the
consumer's (ARGV[2]): a script, so an entry another replica claimed meanwhile is not taken back."""


class EventSource(abc.ABC):
    @abc.abstractmethod
    async def pump(self, handler: Handler) -> int:
        """Hands the events available now to ``handler``; returns how many."""


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
    kind: str = "pipeline"
    """The stream's namespace: ``guiders:{kind}:{consumer}``."""
    types: Sequence[str] | None = None
    """Feed only these event types (None: every event)."""
    key_of: Callable[[dict[str, Any]], str | None] | None = None
    """Entries with the same key run in order, different keys concurrently (None: in order)."""

    @property
    def key(self) -> str:
        return self.stream or f"guiders:{self.kind}:{self.consumer}"

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
        """Appends the log's new events to the stream; safe to run in every replica at once."""
        position = await self._stream_last()
        if position is None:
            position = await stored_position(self.client, f"{self.consumer}-feed")
        if position is None:
            position = await log_end(self.client) if self.start_at_end else 0
            await store_position(self.client, f"{self.consumer}-feed", position)
        events = await fetch_events(self.client, position, self.feed_batch, self.types)
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

    async def refresh(self, held: set[Any]) -> int:
        """Resets the idle time of ``held`` (entries this replica is working on or about to),
        so no other replica claims them while this one lives; returns how many it still held."""
        if not held:
            return 0
        refreshed: Any = await self.redis.eval(
            _REFRESH, 1, self.key, self.consumer, self.worker, *held
        )
        return int(refreshed)

    async def _heartbeat(self, held: set[Any], stop: asyncio.Event) -> None:
        """Beats until ``stop``; never cancelled in the middle of a Redis call (a command cut
        off while its reply is on the way leaves the connection out of step, and the next
        command on it may wait for ever)."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.claim_idle_s / 3)
            if stop.is_set():
                return
            try:
                await self.refresh(set(held))
            except Exception as exc:  # Redis away: the entries age, and may be claimed twice
                log.warning("work_group.heartbeat_failed", error=f"{type(exc).__name__}: {exc}")

    async def _run(self, entries: list[Any], handler: Handler, held: set[Any]) -> int:
        count = 0
        for entry_id, fields in entries:
            if fields is not None:  # None: trimmed away while pending
                data: dict[Any, Any] = fields
                raw = data.get(b"event") or data.get("event")
                await handler(json.loads(str(raw.decode() if isinstance(raw, bytes) else raw)))
                count += 1
            await self.redis.xack(self.key, self.consumer, entry_id)
            held.discard(entry_id)
        return count

    async def _handle(self, entries: list[Any], handler: Handler) -> int:
        """Handles a batch while a heartbeat keeps its unacknowledged entries this replica's."""
        if not entries:
            return 0
        held = {entry[0] for entry in entries}
        stop = asyncio.Event()
        heartbeat = asyncio.create_task(self._heartbeat(held, stop))
        try:
            return await self._lanes(entries, handler, held)
        finally:
            stop.set()
            await heartbeat

    async def _lanes(self, entries: list[Any], handler: Handler, held: set[Any]) -> int:
        if self.key_of is None:
            return await self._run(entries, handler, held)
        lanes: dict[str | None, list[Any]] = {}
        for entry in entries:
            event = _decoded(entry[1])
            key = self.key_of(event) if event is not None else None
            lanes.setdefault(key, []).append(entry)
        results = await asyncio.gather(
            *(self._run(lane, handler, held) for lane in lanes.values()), return_exceptions=True
        )
        failed = [r for r in results if isinstance(r, BaseException)]
        for error in failed:  # its entry stays pending and is claimed again after claim_idle_s
            log.warning("work_group.handler_failed", kind=self.kind, error=repr(error))
        return sum(r for r in results if isinstance(r, int))

    async def claim_dead(self, handler: Handler) -> int:
        """Takes over entries another replica read but never acknowledged (it died)."""
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
            log.info(f"{self.kind}.claimed", worker=self.worker, entries=len(claimed))
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


def _decoded(fields: Any) -> dict[str, Any] | None:
    if fields is None:
        return None
    raw = fields.get(b"event") or fields.get("event")
    event: dict[str, Any] = json.loads(raw.decode() if isinstance(raw, bytes) else raw)
    return event


async def pump_until_stopped(
    source: EventSource, handler: Handler, stop: asyncio.Event, *, idle_s: float = 0.5
) -> None:
    """Pumps ``source`` until ``stop`` is set; a failing pump (the API or Redis away) waits
    ``idle_s`` and tries again."""
    while not stop.is_set():
        try:
            handled = await source.pump(handler)
        except Exception as exc:
            log.warning("work_group.pump_failed", error=f"{type(exc).__name__}: {exc}")
            handled = 0
        if handled == 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), idle_s)


@contextlib.asynccontextmanager
async def joined(
    group: WorkGroupSettings,
    client: GuidersClient,
    *,
    kind: str,
    batch: int = 100,
    types: Sequence[str] | None = None,
    key_of: Callable[[dict[str, Any]], str | None] | None = None,
) -> AsyncIterator[RedisStreamSource]:
    """This replica's share of the ``kind`` workers' stream, on a Redis connection that is
    closed when the block ends."""
    if group.redis_url is None:
        raise ValueError("a replica needs the group's Redis (--redis-url)")
    redis = Redis.from_url(group.redis_url)
    try:
        yield RedisStreamSource(
            client,
            redis,
            group.consumer,
            group.worker,
            kind=kind,
            types=types,
            key_of=key_of,
            batch=batch,
            claim_idle_s=group.claim_idle_s,
        )
    finally:
        await redis.aclose()
