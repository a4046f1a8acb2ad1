"""A replica of ``guiders.client.work_group`` whose every event takes ``work_s`` to handle, run as
its own process so a test can ``kill -9`` it (``test_work_group_heartbeat``).

    python -m tests.integration.slow_replica REDIS_URL STREAM GROUP NAME EVENTS WORK_S CLAIM_IDLE_S

It feeds ``EVENTS`` events from an in-memory log and records in Redis, per event seq, when it
started one (``{STREAM}:started``) and that it finished one (``{STREAM}:done``). Run from the
repository's root (it imports ``tests.fakes``).
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from redis.asyncio import Redis

from guiders.client.work_group import RedisStreamSource
from tests.fakes.event_log import MemoryLog


async def main(
    url: str, stream: str, group: str, name: str, events: int, work_s: float, claim_idle_s: float
) -> None:
    redis = Redis.from_url(url)

    async def handle(event: dict[str, Any]) -> None:
        await redis.hset(f"{stream}:started", str(event["seq"]), name)
        await asyncio.sleep(work_s)
        await redis.hincrby(f"{stream}:done", str(event["seq"]), 1)

    source = RedisStreamSource(
        MemoryLog(events),  # type: ignore[arg-type]
        redis,
        group,
        name,
        stream=stream,
        batch=3,
        block_ms=50,
        claim_idle_s=claim_idle_s,
        start_at_end=False,
    )
    while True:
        if await source.pump(handle) == 0:
            await asyncio.sleep(0.05)


if __name__ == "__main__":
    url, stream, group, name, events, work_s, idle = sys.argv[1:8]
    asyncio.run(main(url, stream, group, name, int(events), float(work_s), float(idle)))
