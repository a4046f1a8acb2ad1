"""Presence in Redis, shared by every node.

Sockets: one sorted set per user, member = socket id, score = when the entry expires; nodes
refresh their own sockets' scores, so a dead node's sockets stop counting after ``ttl_s``.
Typing: one hash per chat, field = user id, value = who and until when.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from redis import asyncio as aioredis
from redis.exceptions import RedisError

from guiders.domain.errors import Unavailable
from guiders.services.ports import PresenceStore, Typing


@asynccontextmanager
async def _reachable() -> AsyncIterator[None]:
    """A Redis outage is the caller's 503, not a stack trace."""
    try:
        yield
    except (RedisError, OSError) as exc:
        raise Unavailable("The presence store (Redis) is unreachable") from exc


class RedisPresence(PresenceStore):
    def __init__(self, url: str, *, prefix: str) -> None:
        self._redis: aioredis.Redis = aioredis.Redis.from_url(url)
        self._prefix = prefix
        self._staff_key = f"{prefix}:presence:staff"

    def _sockets_key(self, user_id: str) -> str:
        return f"{self._prefix}:presence:sockets:{user_id}"

    def _typing_key(self, chat_id: str) -> str:
        return f"{self._prefix}:presence:typing:{chat_id}"

    async def socket_opened(self, user_id: str, socket_id: str, ttl_s: float) -> int:
        async with _reachable():
            key, now = self._sockets_key(user_id), time.time()
            async with self._redis.pipeline(transaction=True) as pipe:
                _ = pipe.zadd(key, {socket_id: now + ttl_s})
                _ = pipe.zremrangebyscore(key, "-inf", now)
                _ = pipe.zcard(key)
                _ = pipe.expire(key, int(ttl_s) + 1)
                result: list[Any] = await pipe.execute()
            return int(result[2])

    async def socket_closed(self, user_id: str, socket_id: str) -> int:
        async with _reachable():
            key, now = self._sockets_key(user_id), time.time()
            async with self._redis.pipeline(transaction=True) as pipe:
                _ = pipe.zrem(key, socket_id)
                _ = pipe.zremrangebyscore(key, "-inf", now)
                _ = pipe.zcard(key)
                result: list[Any] = await pipe.execute()
            return int(result[2])

    async def socket_count(self, user_id: str) -> int:
        async with _reachable():
            count: Any = await self._redis.zcount(self._sockets_key(user_id), time.time(), "+inf")
            return int(count)

    async def connected(self, user_ids: Sequence[str]) -> set[str]:
        async with _reachable():
            if not user_ids:
                return set()
            now = time.time()
            async with self._redis.pipeline(transaction=False) as pipe:
                for user_id in user_ids:
                    _ = pipe.zcount(self._sockets_key(user_id), now, "+inf")
                counts: list[Any] = await pipe.execute()
            return {u for u, n in zip(user_ids, counts, strict=True) if int(n) > 0}

    async def refresh(self, sockets: Sequence[tuple[str, str]], ttl_s: float) -> None:
        async with _reachable():
            if not sockets:
                return
            until = time.time() + ttl_s
            async with self._redis.pipeline(transaction=False) as pipe:
                for user_id, socket_id in sockets:
                    key = self._sockets_key(user_id)
                    _ = pipe.zadd(key, {socket_id: until}, xx=True)
                    _ = pipe.expire(key, int(ttl_s) + 1)
                await pipe.execute()

    async def staff_seen(self, key: str, at: float) -> None:
        async with _reachable():
            _ = await self._redis.hset(self._staff_key, key, str(at))

    async def staff_gone(self, key: str) -> None:
        async with _reachable():
            _ = await self._redis.hdel(self._staff_key, key)

    async def staff_last_seen(self) -> dict[str, float]:
        async with _reachable():
            raw: Any = await self._redis.hgetall(self._staff_key)
            return {k.decode(): float(v) for k, v in raw.items()}

    async def claim(self, name: str, ttl_s: float) -> bool:
        async with _reachable():
            key = f"{self._prefix}:presence:claim:{name}"
            return bool(await self._redis.set(key, "1", nx=True, px=max(1, int(ttl_s * 1000))))

    async def set_typing(self, chat_id: str, typing: Typing, ttl_s: float) -> None:
        async with _reachable():
            key = self._typing_key(chat_id)
            value = json.dumps(
                {
                    "userType": typing.user_type,
                    "since": typing.since.isoformat(),
                    "until": time.time() + ttl_s,
                }
            )
            async with self._redis.pipeline(transaction=True) as pipe:
                _ = pipe.hset(key, typing.user_id, value)
                _ = pipe.expire(key, int(ttl_s) + 1)
                await pipe.execute()

    async def clear_typing(self, chat_id: str, user_id: str) -> None:
        async with _reachable():
            _ = await self._redis.hdel(self._typing_key(chat_id), user_id)

    async def typing(self, chat_id: str) -> list[Typing]:
        async with _reachable():
            raw: Any = await self._redis.hgetall(self._typing_key(chat_id))
            now, live = time.time(), []
            for user, value in raw.items():
                entry = json.loads(value)
                if entry["until"] > now:
                    live.append(
                        Typing(
                            user_id=user.decode(),
                            user_type=entry["userType"],
                            since=datetime.fromisoformat(entry["since"]),
                        )
                    )
            return sorted(live, key=lambda t: t.since)

    async def close(self) -> None:
        await self._redis.aclose()
