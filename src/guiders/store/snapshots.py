"""Where the dashboard's metric points are kept between restarts, for the retention period.

Operational data of the deployment (no company), so it sits beside the unit of work rather than
in it; on SQLite it takes the database's write lock like every writer.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from guiders.domain.upcasting import upcast
from guiders.store.database import Database
from guiders.store.tables import companies, events, metric_snapshots


class SqlSnapshotStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    @contextlib.asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncConnection]:
        lock = self._db.write_lock
        if lock is not None:
            await lock.acquire()
        try:
            async with self._db.engine.begin() as conn:
                yield conn
        finally:
            if lock is not None:
                lock.release()

    async def add(self, node: str, at: datetime, point: dict[str, Any]) -> None:
        async with self._write() as conn:
            await conn.execute(
                metric_snapshots.insert().values(id=uuid.uuid4(), node=node, at=at, point=point)
            )

    async def prune(self, before: datetime) -> int:
        """Deletes the points older than ``before``; returns how many."""
        async with self._write() as conn:
            result = await conn.execute(
                delete(metric_snapshots).where(metric_snapshots.c.at < before)
            )
            return int(result.rowcount or 0)

    async def history(
        self, since: datetime, until: datetime, max_points: int
    ) -> list[dict[str, Any]]:
        """The points in ``[since, until]``, oldest first, thinned evenly to ``max_points`` in
        the database (every k-th row by time), so a week of points never leaves it whole."""
        in_range = (metric_snapshots.c.at >= since) & (metric_snapshots.c.at <= until)
        async with self._db.reading() as conn:
            count = select(func.count()).select_from(metric_snapshots).where(in_range)
            total = int((await conn.execute(count)).scalar_one())
            step = max(1, -(-total // max_points))
            numbered = (
                select(
                    metric_snapshots.c.node,
                    metric_snapshots.c.at,
                    metric_snapshots.c.point,
                    func.row_number().over(order_by=metric_snapshots.c.at).label("n"),
                )
                .where(in_range)
                .subquery()
            )
            rows = await conn.execute(
                select(numbered.c.node, numbered.c.point)
                .where((numbered.c.n - 1) % step == 0)
                .order_by(numbered.c.at)
                .limit(max_points)
            )
            return [dict(row.point) | {"node": row.node} for row in rows]

    async def company_ids(self) -> list[UUID]:
        async with self._db.reading() as conn:
            return [r[0] for r in await conn.execute(select(companies.c.id))]

    async def last_events(self, aggregate_ids: list[UUID]) -> list[tuple[str, dict[str, Any]]]:
        """The latest event (type, payload) of each aggregate, in any company's log: alerts are
        written to every company alike, so one copy tells a rule's last state."""
        out: list[tuple[str, dict[str, Any]]] = []
        async with self._db.reading() as conn:
            for aggregate in aggregate_ids:
                row = (
                    await conn.execute(
                        select(events.c.type, events.c.schema_version, events.c.payload)
                        .where(events.c.aggregate_id == aggregate)
                        .order_by(events.c.occurred_at.desc(), events.c.seq.desc())
                        .limit(1)
                    )
                ).first()
                if row is not None:
                    out.append((row.type, upcast(row.type, row.schema_version, row.payload)))
        return out
