"""The process-local cache: a time to live per entry, and a size bound (least recent out)."""

from __future__ import annotations

from guiders.cache.memory import MemoryCache


async def test_each_entry_expires_after_its_own_ttl() -> None:
    now = [0.0]
    cache = MemoryCache(clock=lambda: now[0])
    await cache.set("short", 1, ttl_s=5)
    await cache.set("long", 2, ttl_s=50)
    now[0] = 10.0
    assert await cache.get("short") is None and await cache.get("long") == 2
    now[0] = 50.0
    assert await cache.get("long") is None


async def test_it_holds_at_most_max_items_dropping_the_least_recently_used() -> None:
    cache = MemoryCache(max_items=2, clock=lambda: 0.0)
    await cache.set("a", 1, ttl_s=60)
    await cache.set("b", 2, ttl_s=60)
    assert await cache.get("a") == 1  # "b" is now the least recently used
    await cache.set("c", 3, ttl_s=60)
    assert [await cache.get(k) for k in ("a", "b", "c")] == [1, None, 3]
