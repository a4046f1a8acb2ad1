"""One look-up per company per few seconds, however many anonymous requests ask.

The widget's ``/v2/availability`` and a visitor's ``/wait`` are answered to any visitor of
the company, so a flood of them is bounded only by the per-visitor rate limit unless their
company-wide part is shared. ``CompanyCache`` keeps each company's answer in a cachetools
``TTLCache`` (bounded in companies, timed in seconds), and concurrent misses wait for the one
look-up already under way rather than start their own. ``forget`` drops a company's answer
(an agent's status changed): a look-up under way then is not kept either, since it may have
read the old status.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar
from uuid import UUID

from cachetools import TTLCache

T = TypeVar("T")

TTL_S = 3.0
COMPANIES = 10_000


class CompanyCache(Generic[T]):
    def __init__(
        self,
        *,
        ttl_s: float = TTL_S,
        companies: int = COMPANIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._answers: TTLCache[UUID, T] = TTLCache(maxsize=companies, ttl=ttl_s, timer=clock)
        self._loading: dict[UUID, asyncio.Future[T]] = {}
        self.lookups = 0
        """Look-ups started (the tests count them)."""

    async def get(
        self,
        company_id: UUID,
        load: Callable[[], Awaitable[T]],
        *,
        stale: Callable[[T], bool] | None = None,
    ) -> T:
        """The company's answer: cached, or the look-up under way, or a new one. ``stale``:
        the caller knows this cached answer is older than what it needs (it is looked up
        again, once, however many callers say so at the same time)."""
        cached = self._answers.get(company_id)
        if cached is not None and (stale is None or not stale(cached)):
            return cached
        pending = self._loading.get(company_id)
        if pending is None:
            self.lookups += 1
            pending = asyncio.ensure_future(load())
            self._loading[company_id] = pending
            pending.add_done_callback(lambda done: self._settle(company_id, done))
        # one caller giving up (a closed connection) does not cancel the others' look-up
        return await asyncio.shield(pending)

    def _settle(self, company_id: UUID, done: asyncio.Future[T]) -> None:
        if self._loading.get(company_id) is not done:
            return  # forgotten while it ran
        del self._loading[company_id]
        if not done.cancelled() and done.exception() is None:
            self._answers[company_id] = done.result()

    def forget(self, company_id: UUID) -> None:
        self._answers.pop(company_id, None)
        self._loading.pop(company_id, None)
