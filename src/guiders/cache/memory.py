"""The cache of a single process: cachetools' ``TLRUCache`` (a time to live per entry, the
least recently used out first when full)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from cachetools import TLRUCache

from guiders.services.ports import Cache


def _expires(_key: str, entry: tuple[float, str], now: float) -> float:
    return now + entry[0]


class MemoryCache(Cache):
    """Values are stored as JSON, like in Redis, so a caller never shares a mutable object with
    the cache and both implementations behave the same."""

    def __init__(
        self, max_items: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_items = max_items
        self._items: TLRUCache[str, tuple[float, str]] = TLRUCache(
            maxsize=max_items, ttu=_expires, timer=clock
        )

    async def get(self, key: str) -> Any | None:
        entry = self._items.get(key)
        return None if entry is None else json.loads(entry[1])

    async def set(self, key: str, value: Any, ttl_s: float) -> None:
        if ttl_s <= 0:
            return
        self._items[key] = (ttl_s, json.dumps(value))

    async def delete(self, key: str) -> None:
        self._items.pop(key, None)

    async def close(self) -> None:
        self._items.clear()
