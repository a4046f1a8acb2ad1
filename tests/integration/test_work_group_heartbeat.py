"""A live replica's slow work is not taken over; a dead one's is (``guiders.client.work_group``).

One replica process handles events that each take longer than the claim time (XAUTOCLAIM's
min-idle). While it lives, its heartbeat keeps its entries fresh: another replica claiming
over and over gets none of them, and each event is handled once, by it. After ``kill -9``
mid-batch the entries age and the other replica takes them within the claim time.
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from guiders.client.work_group import RedisStreamSource
from tests.conftest import REDIS_URL, redis_up, require_service
from tests.fakes.event_log import MemoryLog
from tests.waiting import eventually

pytestmark = pytest.mark.redis

CLAIM_IDLE_S = 1.0
WORK_S = 1.6
"""Each event takes longer than the claim time; the third of a batch waits 3.2 s for its turn."""
EVENTS = 6
ROOT = Path(__file__).resolve().parents[2]


async def test_a_live_slow_replica_keeps_its_entries_and_a_killed_one_loses_them() -> None:
    require_service("Redis", await redis_up())
    redis = Redis.from_url(REDIS_URL)
    stream = f"test:heartbeat:{uuid.uuid4().hex}"
    group = "group"
    args = [REDIS_URL, stream, group, "a", str(EVENTS), str(WORK_S), str(CLAIM_IDLE_S)]
    replica = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.integration.slow_replica", *args, cwd=ROOT
    )
    claimer = RedisStreamSource(
        MemoryLog(EVENTS),  # type: ignore[arg-type]
        redis,
        group,
        "b",
        stream=stream,
        claim_idle_s=CLAIM_IDLE_S,
        start_at_end=False,
    )
    taken: list[int] = []

    async def take(event: dict[str, Any]) -> None:
        taken.append(int(event["seq"]))

    async def started(seq: int) -> bool:
        assert replica.returncode is None, "the replica died"
        return bool(await redis.hexists(f"{stream}:started", str(seq)))

    async def first_begun() -> bool:
        return await started(1)

    async def second_begun() -> bool:
        return await started(4)

    try:
        await eventually(first_begun, timeout=60, what="the replica to start a batch")
        # The replica holds events 1-3 and handles them one after the other for ~4.8 s, each
        # longer than the claim time; b tries to claim them all the while.
        while not await redis.hexists(f"{stream}:done", "3"):
            assert replica.returncode is None, "the replica died"
            await claimer.claim_dead(take)
            await asyncio.sleep(0.1)
        assert taken == [], "a live replica's entries were taken over"

        await eventually(second_begun, timeout=30, what="the replica's second batch")
        held = await redis.xpending_range(stream, group, "-", "+", 10, "a")
        assert len(held) == 3, held
        replica.kill()  # SIGKILL: mid-batch, 4 begun, 5 and 6 waiting
        killed_at = time.monotonic()
        await replica.wait()

        async def all_taken() -> bool:
            await claimer.claim_dead(take)
            return sorted(taken) == [4, 5, 6]

        await eventually(all_taken, timeout=CLAIM_IDLE_S + 10, what="b to take over 4-6")
        took = time.monotonic() - killed_at
        print(f"\ntakeover {took:.1f} s after kill -9 (claim idle {CLAIM_IDLE_S:g} s)")
        assert took >= CLAIM_IDLE_S * 0.5  # the heartbeat had kept them fresh until the kill
        done = {int(k): int(v) for k, v in (await redis.hgetall(f"{stream}:done")).items()}
        assert done == {1: 1, 2: 1, 3: 1}, done
        assert (await redis.xpending(stream, group))["pending"] == 0
    finally:
        if replica.returncode is None:
            replica.kill()
            await replica.wait()
        await redis.delete(stream, f"{stream}:started", f"{stream}:done")
        await redis.aclose()


async def test_the_heartbeat_does_not_take_back_an_entry_another_replica_claimed() -> None:
    require_service("Redis", await redis_up())
    redis = Redis.from_url(REDIS_URL)
    stream = f"test:heartbeat:{uuid.uuid4().hex}"
    a = RedisStreamSource(MemoryLog(2), redis, "group", "a", stream=stream, start_at_end=False)  # type: ignore[arg-type]
    try:
        await a.ensure_group()
        await a.feed()
        read = await redis.xreadgroup("group", "a", {stream: ">"}, count=2)
        first, second = (entry_id for entry_id, _ in read[0][1])
        await redis.xclaim(stream, "group", "b", 0, [first])  # b took it: a was thought dead
        assert await a.refresh({first, second}) == 1
        owners = {
            p["message_id"]: p["consumer"]
            for p in await redis.xpending_range(stream, "group", "-", "+", 10)
        }
        assert owners == {first: b"b", second: b"a"}
    finally:
        await redis.delete(stream)
        await redis.aclose()
