"""A replica of ``guiders.client.work_group`` whose every event takes ``work_s`` to handle, run as
its own process so a test can ``kill -9`` it (``test_work_group_heartbeat``).

    python -m tests.integration.slow_replica REDIS_URL STREAM GROUP NAME EVENTS WORK_S CLAIM_IDLE_S

It feeds ``EVENTS`` events from an in-memory log and records in Redis, per event seq, when it
started one (``{STREAM}:started``) and that it finished one (``{STREAM}:done``).
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from redis.asyncio import Redis

from guiders.client.work_group import RedisStreamSource


class MemoryLog:
    """Stands for the API's ``/v2/events`` and consumer positions (all that feed() asks)."""

    def __init__(self, events: int) -> None:
        self.events: list[dict[str, Any]] = [
            {"seq": n, "type": "test", "payload": {}} for n in range(1, events + 1)
        ]
        self.positions: dict[str, int] = {}

    async def request(
        self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None
    ) -> Any:
        if path == "/v2/events":
            after, limit = int((params or {}).get("afterSeq") or 0), int((params or {})["limit"])
            chosen = [e for e in self.events if e["seq"] > after][:limit]
            return {"events": chosen, "lastSeq": len(self.events)}
        name = path.split("/")[3]
        if method == "PUT":
            self.positions[name] = int(json["seq"])
        return {"seq": self.positions.get(name)}


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
