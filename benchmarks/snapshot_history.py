"""The cost of keeping a week of metric points: fills ``metric_snapshots`` with 7 days of
10-second points (60,480 rows), then times what the server does with them: recording one
point (insert + prune past the retention), and the dashboard's history reads (last hour,
last day, the whole week thinned to 500 points). SQLite by default; ``--postgres URL`` too.

    .venv/bin/python benchmarks/snapshot_history.py [--days 7] [--repeat 20]
        [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from guiders.store.database import Database
from guiders.store.snapshots import SqlSnapshotStore
from guiders.store.tables import metric_snapshots


def sample(at: datetime) -> dict[str, object]:
    return {
        "at": at.isoformat(),
        "throughput": 12.5,
        "errorRate": 0.001,
        "p95Ms": 41.0,
        "messagesPerMinute": 30.0,
        "aiFailureRate": None,
    }


async def fill(db: Database, days: float, now: datetime) -> int:
    n = int(days * 86400 / 10)
    rows = [
        {"id": uuid.uuid4(), "node": "bench", "at": t, "point": sample(t)}
        for t in (now - timedelta(seconds=10 * (n - i)) for i in range(n))
    ]
    async with db.engine.begin() as conn:
        for start in range(0, n, 5000):
            await conn.execute(metric_snapshots.insert(), rows[start : start + 5000])
    return n


async def timed(repeat: int, fn: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        await fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


async def run(label: str, db: Database, args: argparse.Namespace) -> None:
    await db.create_schema()
    store = SqlSnapshotStore(db)
    now = datetime.now(UTC)
    started = time.perf_counter()
    n = await fill(db, args.days, now)
    print(f"{label}: {n} points filled in {time.perf_counter() - started:.1f} s")
    clock = [now]

    async def record() -> None:
        clock[0] += timedelta(seconds=10)
        await store.add("bench", clock[0], sample(clock[0]))
        await store.prune(clock[0] - timedelta(days=args.days))

    def read(span: timedelta, points: int) -> Callable[[], Awaitable[object]]:
        return lambda: store.history(now - span, now, points)

    steps: list[tuple[str, Callable[[], Awaitable[object]]]] = [
        ("record one point (insert + prune)", record),
        ("history: last hour (360 points)", read(timedelta(hours=1), 500)),
        ("history: last day thinned to 500", read(timedelta(days=1), 500)),
        ("history: whole week thinned to 500", read(timedelta(days=args.days), 500)),
    ]
    for name, fn in steps:
        median, worst = await timed(args.repeat, fn)
        print(f"{label}: {name}: median {median:.1f} ms, max {worst:.1f} ms")


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
        try:
            await run("sqlite", db, args)
        finally:
            await db.dispose()
    if args.postgres:
        import asyncpg

        schema = f"bench_{uuid.uuid4().hex[:8]}"
        raw = args.postgres.replace("+asyncpg", "")
        conn = await asyncpg.connect(raw)
        await conn.execute(f"CREATE SCHEMA {schema}")
        db = Database(args.postgres, schema=schema)
        try:
            await run("postgresql", db, args)
        finally:
            await db.dispose()
            await conn.execute(f"DROP SCHEMA {schema} CASCADE")
            await conn.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=float, default=7.0)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--postgres", default=None)
    asyncio.run(main(parser.parse_args()))
