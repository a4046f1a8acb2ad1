"""The analytics scorer as N replicas: each event that calls for a new score is scored once.

Every replica still reads the whole log for the site-wide page statistics (a fold of page
views, cheap), but only scores its share: the events that make a visitor due
(``FOLLOWED``) are fed into a Redis consumer group (``guiders.client.work_group``, the
pipeline's mechanism) and each goes to one replica, which acknowledges it after the visitor's
score is recorded.

Per event, for each visitor it names:

1. wait until the event is ``debounce_s`` old (what arrives meanwhile is in the same score);
2. read the log at least up to the event, so the page statistics include it;
3. skip when a score already covers it: the visitor's mark in Redis (the log position the
   last score read from) is at or past the event;
4. take the visitor's scoring lock (``SET NX`` with expiry ``claim_idle_s``): a replica that
   finds it taken waits for the holder and checks the mark again;
5. skip too when the log holds a ``visitor.analyzed`` of the visitor after the event (a
   replica killed after recording its score and before its mark and acknowledgement);
6. score, then set the mark to the log position read before scoring.

A replica killed mid-batch leaves its entries pending and its lock to expire; another replica
claims the entries after ``claim_idle_s`` and scores what no score covers yet.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import structlog
from redis.asyncio import Redis

from guiders.analytics.worker import FOLLOWED, AnalyticsWorker
from guiders.client.work_group import joined, pump_until_stopped
from guiders.client.work_group_settings import CLAIM_IDLE_S, WorkGroupSettings
from guiders.domain.errors import GuidersError, RateLimited, Unavailable

log = structlog.get_logger(__name__)


def visitors_of(event: dict[str, Any]) -> list[str]:
    """The visitors an event makes due for a new score."""
    payload = event.get("payload") or {}
    if event["type"] == "visitor.activity_tracked":
        found = {str(item["visitor_id"]) for item in payload.get("events", [])}
        return sorted(found)
    if payload.get("visitor_id"):
        return [str(payload["visitor_id"])]
    if event.get("aggregateType") == "visitor":
        return [str(event["aggregateId"])]
    return []


def first_visitor(event: dict[str, Any]) -> str | None:
    found = visitors_of(event)
    return found[0] if found else None


class SharedScoring:
    """One replica's scoring of the events the group gives it."""

    def __init__(
        self,
        worker: AnalyticsWorker,
        redis: Redis,
        namespace: str,
        *,
        lock_s: float = CLAIM_IDLE_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.worker = worker
        self.redis = redis
        self.namespace = namespace
        self.lock_s = lock_s
        self.clock = clock
        self._reading = asyncio.Lock()
        self.skipped = 0

    def _mark(self, visitor: str) -> str:
        return f"{self.namespace}:scored:{visitor}"

    def _lock(self, visitor: str) -> str:
        return f"{self.namespace}:scoring:{visitor}"

    async def handle(self, event: dict[str, Any]) -> None:
        seq = int(event["seq"])
        visitors = visitors_of(event)
        if not visitors:
            return
        occurred = datetime.fromisoformat(str(event["occurredAt"])).timestamp()
        wait = occurred + self.worker.config.debounce_s - self.clock()
        if wait > 0:
            await asyncio.sleep(min(wait, self.worker.config.debounce_s))
        await self._read_log_to(seq)
        for visitor in visitors:
            await self._score_once(visitor, seq)

    async def catch_up(self) -> None:
        """The page statistics up to the log's end, before taking a share of the work."""
        while await self.worker.poll():
            pass
        self.worker._save_state()

    async def _read_log_to(self, seq: int) -> None:
        async with self._reading:  # one reader of the log per replica
            while self.worker.cursor < seq:
                more = await self.worker.poll()
                if not more and self.worker.cursor < seq:
                    await asyncio.sleep(self.worker.config.poll_s)

    async def _covered(self, visitor: str, seq: int) -> bool:
        mark = await self.redis.get(self._mark(visitor))
        return mark is not None and int(mark) >= seq

    async def _score_once(self, visitor: str, seq: int) -> None:
        deadline = time.monotonic() + self.lock_s * 2
        token = f"{id(self)}:{seq}"
        while True:
            if await self._covered(visitor, seq):
                self.skipped += 1
                return
            locked = await self.redis.set(
                self._lock(visitor), token, nx=True, px=int(self.lock_s * 1000)
            )
            if locked:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"visitor {visitor} stayed locked")
            await asyncio.sleep(0.2)
        try:
            covered = self.worker.cursor
            page = await self.worker._client.events(
                after_seq=seq, aggregate_id=visitor, types=["visitor.analyzed"], limit=1
            )
            if not page.events:
                try:
                    if await self.worker.score(visitor) is None:
                        raise RuntimeError("no model loaded yet")  # stays pending: retried
                except (Unavailable, RateLimited):
                    raise
                except GuidersError as exc:  # refused (the visitor is gone): not retried
                    log.warning("scoring failed", visitor_id=visitor, error=exc.message)
            else:
                self.skipped += 1
            await self.redis.set(self._mark(visitor), covered, ex=7 * 24 * 3600)
        finally:
            if await self.redis.get(self._lock(visitor)) == token.encode():
                await self.redis.delete(self._lock(visitor))


async def run_replica(
    worker: AnalyticsWorker, group: WorkGroupSettings, stop: asyncio.Event, *, batch: int = 100
) -> None:
    """Score this replica's share of the due visitors until ``stop``."""
    async with joined(
        group, worker._client, kind="analytics", types=FOLLOWED, key_of=first_visitor, batch=batch
    ) as source:
        scoring = SharedScoring(worker, source.redis, source.key, lock_s=group.claim_idle_s)
        worker.scheduling = False
        await scoring.catch_up()
        log.info("analytics replica started", worker=group.worker, cursor=worker.cursor)
        await pump_until_stopped(source, scoring.handle, stop)
