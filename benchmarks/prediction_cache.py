"""What the cache saves on prediction reads: ``GET /api/v2/visitors/{id}/prediction`` in
process (httpx ASGI transport, no network), with the cache off (TTL 0), in memory, and in
Redis when it is up. Prints reads per second and the median latency of each.

    .venv/bin/python benchmarks/prediction_cache.py [--reads 2000] [--postgres URL] [--redis URL]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from guiders.api.app import create_app
from guiders.config import Settings
from guiders.demo import seed_demo
from guiders.runtime import Runtime

SCORE = {
    "conversionProbability": 0.42,
    "segment": "standard",
    "modelVersion": "bench",
    "topFactors": [{"feature": "PageValues", "value": 12.0, "contribution": 0.3}],
    "features": {"PageValues": 12.0},
    "context": {},
}


async def measure(label: str, settings: Settings, reads: int) -> None:
    runtime = Runtime.build(settings)
    await runtime.db.create_schema()
    await runtime.start()
    try:
        demo: dict[str, Any] = await seed_demo(runtime.services, settings.data_dir)
        app = create_app(settings, runtime)
        key = {"authorization": f"Bearer {demo['integrationKey']}"}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as api:
            v = (
                await api.post(
                    "/api/auth/visitor/register",
                    json={"apiKey": demo["siteKey"], "domain": "localhost", "fingerprint": "b"},
                )
            ).json()
            url = f"/api/v2/visitors/{v['visitorId']}/prediction"
            assert (await api.put(url, json=SCORE, headers=key)).is_success
            for _ in range(50):
                await api.get(url, headers=key)
            times = []
            started = time.perf_counter()
            for _ in range(reads):
                t = time.perf_counter()
                r = await api.get(url, headers=key)
                times.append(time.perf_counter() - t)
                assert r.status_code == 200
            total = time.perf_counter() - started
        print(
            f"{label}: {reads / total:.0f} reads/s, median {statistics.median(times) * 1000:.2f} ms"
        )
    finally:
        await runtime.stop()


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base: dict[str, Any] = {
            "environment": "test",
            "jwt_secret": "benchmark-secret-of-at-least-thirty-two-bytes",
            "rate_limit_per_minute": 10**9,
            "metrics_enabled": False,
        }
        if args.postgres:
            import asyncpg

            schema = f"bench_{uuid.uuid4().hex[:8]}"
            conn = await asyncpg.connect(args.postgres.replace("+asyncpg", ""))
            await conn.execute(f"CREATE SCHEMA {schema}")
            base |= {"database_url": args.postgres, "database_schema": schema}
        runs: list[tuple[str, dict[str, Any]]] = [
            ("no cache (TTL 0)", {"cache_profile_ttl_s": 0}),
            ("memory cache", {}),
        ]
        prefix = f"bench{uuid.uuid4().hex[:8]}"
        if args.redis:
            runs.append(("redis cache", {"redis_url": args.redis, "redis_prefix": prefix}))
        try:
            for i, (label, extra) in enumerate(runs):
                data = Path(tmp) / str(i)
                settings = Settings(_env_file=None, data_dir=data, **(base | extra))
                if args.postgres:
                    await _reset(args.postgres, base["database_schema"])
                await measure(label, settings, args.reads)
        finally:
            if args.redis:
                await _forget_keys(args.redis, prefix)
            if args.postgres:
                await conn.execute(f"DROP SCHEMA {base['database_schema']} CASCADE")
                await conn.close()


async def _forget_keys(url: str, prefix: str) -> None:
    from redis import asyncio as aioredis

    client = aioredis.Redis.from_url(url)
    keys = [k async for k in client.scan_iter(f"{prefix}:*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


async def _reset(url: str, schema: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    await conn.execute(f"DROP SCHEMA {schema} CASCADE")
    await conn.execute(f"CREATE SCHEMA {schema}")
    await conn.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reads", type=int, default=2000)
    parser.add_argument("--postgres", default=None)
    parser.add_argument("--redis", default=None)
    asyncio.run(main(parser.parse_args()))
