"""The cache shared by every node: Redis keys with a TTL (``SET ... PX``), JSON values."""

from __future__ import annotations

import json
from typing import Any

from redis import asyncio as aioredis
from redis.exceptions import RedisError

from guiders.services.ports import Cache


class RedisCache(Cache):
    """A Redis error counts as a miss (get) or is ignored (set): the cache only saves reads, the
    database stays the truth. A failed delete is raised, since a stale copy would outlive it."""

    def __init__(self, url: str, *, prefix: str) -> None:
        self._redis: aioredis.Redis = aioredis.Redis.from_url(url, socket_timeout=2)
        self._prefix = f"{prefix}:cache:"

    async def get(self, key: str) -> Any | None:
        try:
            raw = await self._redis.get(self._prefix + key)
        except (RedisError, OSError):
            return None
        return json.loads(raw) if raw is not None else None

    async def set(self, key: str, value: Any, ttl_s: float) -> None:
        if ttl_s <= 0:
            return
        try:
            await self._redis.set(self._prefix + key, json.dumps(value), px=int(ttl_s * 1000))
        except (RedisError, OSError):
            return

    async def delete(self, key: str) -> None:
        await self._redis.delete(self._prefix + key)

    async def close(self) -> None:
        await self._redis.aclose()
