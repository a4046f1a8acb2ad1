"""Puts each company's events back in ``seq`` order before they reach this node's sockets.

Within a company, seqs are committed strictly in order (the counter row is locked until commit),
but they are *published* by whichever request or node committed them, so the bus may hand them
over out of order (two nodes, or two requests on one node, racing after commit). A socket that
saw seq 11 would then drop seq 10 as old. So each node delivers a company's events only in seq
order: a later one waits while the gap is short-lived; if the gap outlives ``gap_wait_s`` (its
publisher died between commit and publish, say) the missing events are read from the log, where
they are already committed since a later seq is. Duplicates (at-least-once relay) are dropped.

Only companies with a socket on this node are tracked: the others need nothing delivered here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from uuid import UUID

import structlog

from guiders.domain.events import StoredEvent

log = structlog.get_logger(__name__)

Sink = Callable[[StoredEvent], Awaitable[None]]
Fetch = Callable[[UUID, int, int], Awaitable[list[StoredEvent]]]
"""``fetch(company_id, after_seq, limit)`` reads committed events from the log."""
LastSeq = Callable[[UUID], Awaitable[int]]
Follow = Callable[[UUID], Awaitable[None]]
Unfollow = Callable[[UUID], None]
RESYNC_PAGE = 500
MAX_EARLY = 1000
"""Events held for a company whose log end is being read; beyond, a later gap fill reads them."""


async def _no_follow(_: UUID) -> None:
    return None


@dataclass
class _Company:
    next_seq: int
    users: int = 0
    pending: dict[int, StoredEvent] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    filler: asyncio.Task[None] | None = None


class SeqOrder:
    def __init__(
        self, sink: Sink, fetch: Fetch, last_seq: LastSeq, *, gap_wait_s: float = 0.15
    ) -> None:
        self._sink = sink
        self._fetch = fetch
        self._last_seq = last_seq
        self._gap_wait = gap_wait_s
        self._companies: dict[UUID, _Company] = {}
        self.gaps_filled = 0
        self.follow: Follow = _no_follow
        """Called at each ``track`` before the log's end is read: the bus starts routing the
        company's events here (``EventBus.follow``); ``unfollow`` at each ``untrack``."""
        self.unfollow: Unfollow = lambda _: None
        self._early: dict[UUID, list[StoredEvent]] = {}

    async def track(self, company_id: UUID) -> None:
        """A socket of this company arrived: deliver its events from the log's current end.

        Events that arrive while the log's end is read are held, then put through like any
        other: one committed after that read would otherwise be dropped as untracked."""
        await self.follow(company_id)
        try:
            company = self._companies.get(company_id)
            if company is None:
                self._early.setdefault(company_id, [])
                last = await self._last_seq(company_id)
                company = self._companies.setdefault(company_id, _Company(next_seq=last + 1))
                for event in self._early.pop(company_id, []):
                    await self.push(event)
        except BaseException:
            self.unfollow(company_id)
            raise
        company.users += 1

    def untrack(self, company_id: UUID) -> None:
        company = self._companies.get(company_id)
        if company is None:
            return
        self.unfollow(company_id)
        company.users -= 1
        if company.users <= 0:
            del self._companies[company_id]
            if company.filler is not None:
                company.filler.cancel()

    async def resync(self) -> None:
        """Reads from the log what the bus may have lost (a Redis restarted), company by company."""
        for company_id, company in list(self._companies.items()):
            async with company.lock:
                while True:
                    found = await self._fetch(company_id, company.next_seq - 1, RESYNC_PAGE)
                    for event in found:
                        company.pending.setdefault(event.seq, event)
                    await self._drain(company)
                    if len(found) < RESYNC_PAGE:
                        break

    async def push(self, event: StoredEvent) -> None:
        """Bus handler."""
        company = self._companies.get(event.company_id)
        if company is None:
            early = self._early.get(event.company_id)
            if early is not None and len(early) < MAX_EARLY:
                early.append(event)
            return
        async with company.lock:
            if event.seq < company.next_seq or event.seq in company.pending:
                return
            company.pending[event.seq] = event
            await self._drain(company)
            if company.pending and company.filler is None:
                company.filler = asyncio.create_task(self._fill(event.company_id, company))

    async def _drain(self, company: _Company) -> None:
        while company.next_seq in company.pending:
            event = company.pending.pop(company.next_seq)
            company.next_seq += 1
            try:
                await self._sink(event)
            except Exception:
                log.exception("delivery failed", event_type=event.type, seq=event.seq)

    async def _fill(self, company_id: UUID, company: _Company) -> None:
        try:
            while True:
                await asyncio.sleep(self._gap_wait)
                async with company.lock:
                    if not company.pending:
                        return
                    gap = min(company.pending) - company.next_seq
                    if gap > 0:
                        try:
                            found = await self._fetch(company_id, company.next_seq - 1, gap)
                        except Exception:
                            log.exception("reading a gap from the log failed; will retry")
                            found = []
                        for event in found:
                            company.pending.setdefault(event.seq, event)
                        self.gaps_filled += bool(found)
                    await self._drain(company)
                    if not company.pending:
                        return
        finally:
            company.filler = None
