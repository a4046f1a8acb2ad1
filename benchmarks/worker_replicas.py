"""The consumer-group mechanism the replicated workers share (``guiders.client.work_group``):
events per second with 1, 2 and 4 replica processes, and the takeover time after ``kill -9``.

Each replica is a separate process running ``RedisStreamSource`` on a real Redis, fed from an
in-memory log of ``--events`` events (every replica "reads the log" and feeds the stream; the
``seq`` entry ids keep each event in it once). The handler stands for a worker's request to the
API: it waits ``--work-ms`` (I/O, as the bot's and scorer's requests are) and records the
event in a Redis hash. No server runs, so the figures are the mechanism's, not a worker's.

* throughput: events / time from the first handled event to the last, per replica count;
* takeover: two replicas, one killed with ``kill -9`` while it holds unacknowledged entries;
  time from the kill until every entry it held was handled by the other (``--claim-idle-s``
  is the min-idle), and how many events ran twice (handled, not yet acknowledged at the
  kill: what the idempotency keys on the API absorb).

    .venv/bin/python benchmarks/worker_replicas.py [--events 400] [--work-ms 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from redis import Redis

REDIS_URL = os.environ.get("GUIDERS_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.fakes: the in-memory log the replica tests use too

from tests.fakes.event_log import MemoryLog  # noqa: E402


async def replica(group: str, name: str, events: int, work_ms: float, claim_idle_s: float) -> None:
    from redis.asyncio import Redis as AsyncRedis

    from guiders.client.work_group import RedisStreamSource

    redis = AsyncRedis.from_url(REDIS_URL)
    done = f"{group}:done"

    async def handle(event: dict[str, Any]) -> None:
        await asyncio.sleep(work_ms / 1000)
        await redis.hincrby(done, str(event["seq"]), 1)
        await redis.rpush(f"{group}:times", f"{time.time()}")

    source = RedisStreamSource(
        MemoryLog(events),  # type: ignore[arg-type]
        redis,
        group,
        name,
        kind="bench",
        batch=20,
        block_ms=100,
        claim_idle_s=claim_idle_s,
        start_at_end=False,
    )
    while True:
        if await source.pump(handle) == 0:
            await asyncio.sleep(0.05)


def spawn(group: str, name: str, args: argparse.Namespace) -> subprocess.Popen[bytes]:
    code = (
        "import asyncio, sys; sys.path.insert(0, 'benchmarks'); import worker_replicas as w; "
        f"asyncio.run(w.replica({group!r}, {name!r}, {args.events}, {args.work_ms}, "
        f"{args.claim_idle_s}))"
    )
    return subprocess.Popen([sys.executable, "-c", code])


def wait_done(redis: Redis, group: str, events: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while redis.hlen(f"{group}:done") < events:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {redis.hlen(f'{group}:done')} of {events} handled")
        time.sleep(0.05)


def cleanup(redis: Redis, group: str) -> None:
    redis.delete(f"guiders:bench:{group}", f"{group}:done", f"{group}:times")


def throughput(redis: Redis, replicas: int, args: argparse.Namespace) -> float:
    group = f"bench{uuid.uuid4().hex[:8]}"
    procs = [spawn(group, f"r{i}", args) for i in range(replicas)]
    try:
        wait_done(redis, group, args.events, 300)
        times = sorted(float(t) for t in redis.lrange(f"{group}:times", 0, -1))
        return (len(times) - 1) / (times[-1] - times[0])
    finally:
        for p in procs:
            p.kill()
            p.wait()
        cleanup(redis, group)


def takeover(redis: Redis, args: argparse.Namespace) -> tuple[float, int, int]:
    group = f"bench{uuid.uuid4().hex[:8]}"
    stream = f"guiders:bench:{group}"
    procs = [spawn(group, "a", args), spawn(group, "b", args)]
    try:
        deadline = time.monotonic() + 120
        while True:
            pending = (
                redis.xpending_range(stream, group, "-", "+", 100, "a")
                if redis.exists(stream)
                else []
            )
            if pending and redis.hlen(f"{group}:done") >= args.events // 4:
                break
            if time.monotonic() > deadline:
                raise SystemExit("replica a never held a batch")
            time.sleep(0.01)
        os.kill(procs[0].pid, signal.SIGKILL)
        killed = time.monotonic()
        procs[0].wait()
        left = [
            p["message_id"].decode().split("-")[0]
            for p in redis.xpending_range(stream, group, "-", "+", 1000, "a")
        ]
        claimed_deadline = time.monotonic() + 300
        while not all(redis.hexists(f"{group}:done", seq) for seq in left):
            if time.monotonic() > claimed_deadline:
                raise SystemExit("the killed replica's entries were never handled")
            time.sleep(0.02)
        took = time.monotonic() - killed
        wait_done(redis, group, args.events, 300)
        while redis.xpending(stream, group)["pending"]:
            time.sleep(0.05)
        twice = sum(1 for v in redis.hvals(f"{group}:done") if int(v) > 1)
        return took, len(left), twice
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        cleanup(redis, group)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=400)
    parser.add_argument("--work-ms", type=float, default=20.0)
    parser.add_argument("--claim-idle-s", type=float, default=3.0)
    parser.add_argument("--replicas", default="1,2,4")
    args = parser.parse_args()
    redis = Redis.from_url(REDIS_URL)
    print(f"load average before: {os.getloadavg()}")
    for n in (int(x) for x in args.replicas.split(",")):
        rate = throughput(redis, n, args)
        print(f"{n} replica(s): {rate:.0f} events/s  ({args.work_ms:g} ms of work per event)"
              f"  load {os.getloadavg()[0]:.1f}")  # fmt: skip
    took, left, twice = takeover(redis, args)
    print(f"takeover: kill -9 with {left} entries pending; all of them handled {took:.1f} s "
          f"after the kill (claim idle {args.claim_idle_s:g} s); {twice} handled twice"
          f"  load {os.getloadavg()[0]:.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
