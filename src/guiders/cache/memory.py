"""The cache of a single process: a bounded dict with expiry times."""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from guiders.services.ports import Cache


class MemoryCache(Cache):
    """Values are stored as JSON, like in Redis, so a caller never shares a mutable object with
    the cache and both implementations behave the same."""

    def __init__(
        self, max_items: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_items = max_items
        self._clock = clock
        self._items: OrderedDict[str, tuple[float, str]] = OrderedDict()

    async def get(self, key: str) -> Any | None:
        item = self._items.get(key)
        if item is None:
            return None
        expires, raw = item
        if expires <= self._clock():
            del self._items[key]
            return None
        return json.loads(raw)

    async def set(self, key: str, value: Any, ttl_s: float) -> None:
        if ttl_s <= 0:
            return
        self._items[key] = (self._clock() + ttl_s, json.dumps(value))
        self._items.move_to_end(key)
        while len(self._items) > self.max_items:
            self._items.popitem(last=False)

    async def delete(self, key: str) -> None:
        self._items.pop(key, None)

    async def close(self) -> None:
        self._items.clear()
