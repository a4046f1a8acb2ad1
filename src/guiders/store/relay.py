"""The outbox relay: publishes committed events, and after a crash what was never published.

The live path hands each commit's events straight to the bus; the outbox rows are then deleted
in batches. At start-up, and periodically, the relay sweeps rows that are still there (their
process died between commit and publish) and publishes them in ``seq`` order. Delivery is
therefore at least once; consumers de-duplicate by ``eventId`` / ``(companyId, seq)``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID

import structlog
from sqlalchemy import delete, select

from guiders.domain.events import StoredEvent
from guiders.services.periodic import PeriodicJob
from guiders.services.ports import EventBus
from guiders.store.database import Database
from guiders.store.event_log import opened_events
from guiders.store.tables import events, outbox

log = structlog.get_logger(__name__)


class OutboxRelay:
    def __init__(
        self,
        db: Database,
        bus: EventBus,
        *,
        interval_s: float = 0.5,
        sweep_after_s: float = 5.0,
    ) -> None:
        self._db = db
        self._bus = bus
        self._interval = interval_s
        self._sweep_every = max(1, int(sweep_after_s / interval_s))
        self._published: set[UUID] = set()
        self._ticks = 0
        self._job = PeriodicJob("outbox-relay", self._pass, interval_s, first_pass_now=False)
        self.published_count = 0

    async def publish_committed(self, stored: Sequence[StoredEvent]) -> None:
        """Never raises: what the bus refused stays in the outbox for the next sweep."""
        try:
            await self._bus.publish(stored)
        except Exception:
            log.exception("bus publish failed; the sweep will retry", count=len(stored))
            return
        self._published.update(e.event_id for e in stored)
        self.published_count += len(stored)

    async def sweep(self, *, older_than_s: float = 0.0, limit: int = 1000) -> int:
        """Publishes outbox rows that the live path did not; returns how many.

        ``older_than_s`` leaves alone rows that another node may be publishing right now.
        """
        total = 0
        while True:
            cutoff = datetime.now(UTC) - timedelta(seconds=older_than_s)
            async with self._lock(), self._db.engine.connect() as conn:
                rows = list(
                    await conn.execute(
                        select(events)
                        .join(outbox, outbox.c.event_id == events.c.event_id)
                        .where(events.c.occurred_at <= cutoff)
                        .order_by(events.c.company_id, events.c.seq)
                        .limit(limit)
                    )
                )
                pending = await opened_events(
                    conn, self._db.visitor_keys, [r._mapping for r in rows]
                )
            missed = [e for e in pending if e.event_id not in self._published]
            if missed:
                log.info("relay publishing missed events", count=len(missed))
                await self.publish_committed(missed)
                if missed[0].event_id not in self._published:
                    return total  # the bus is down; try again on the next pass
                total += len(missed)
            await self.flush()
            if len(rows) < limit:
                return total

    async def flush(self) -> None:
        """Deletes the outbox rows of what has been published."""
        if not self._published:
            return
        done = list(self._published)
        async with self._lock(), self._db.engine.begin() as conn:
            for start in range(0, len(done), 500):
                await conn.execute(
                    delete(outbox).where(outbox.c.event_id.in_(done[start : start + 500]))
                )
        self._published.difference_update(done)

    def _lock(self) -> contextlib.AbstractAsyncContextManager[object]:
        lock = self._db.write_lock
        return lock if lock is not None else contextlib.nullcontext()

    async def start(self) -> None:
        await self.sweep()
        self._job.start()

    async def _pass(self) -> None:
        """Every pass deletes what was published; every ``sweep_after_s`` it also publishes
        what the live path left behind."""
        self._ticks += 1
        if self._ticks % self._sweep_every == 0:
            await self.sweep(older_than_s=self._interval * self._sweep_every)
        else:
            await self.flush()

    async def stop(self) -> None:
        await self._job.stop()
        with contextlib.suppress(Exception):
            await self.flush()
