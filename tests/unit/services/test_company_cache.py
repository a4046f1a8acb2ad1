"""The per-company answer cache: one look-up per company per TTL, whatever the flood."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import pytest

from guiders.services.company_cache import CompanyCache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_a_flood_of_concurrent_misses_shares_one_look_up() -> None:
    cache: CompanyCache[int] = CompanyCache(ttl_s=3)
    company, gate, calls = uuid4(), asyncio.Event(), []

    async def load() -> int:
        calls.append(1)
        await gate.wait()
        return 42

    flood = [asyncio.create_task(cache.get(company, load)) for _ in range(1000)]
    await asyncio.sleep(0)
    gate.set()
    assert set(await asyncio.gather(*flood)) == {42}
    assert await cache.get(company, load) == 42
    assert len(calls) == 1 and cache.lookups == 1


async def test_the_answer_lasts_the_ttl_per_company() -> None:
    clock = Clock()
    cache: CompanyCache[str] = CompanyCache(ttl_s=3, clock=clock)
    a, b, answers = uuid4(), uuid4(), iter(["a1", "b1", "a2"])

    async def load() -> str:
        return next(answers)

    assert await cache.get(a, load) == "a1"
    assert await cache.get(b, load) == "b1"  # another company: its own look-up
    clock.now = 2.9
    assert await cache.get(a, load) == "a1"
    clock.now = 3.1
    assert await cache.get(a, load) == "a2"
    assert cache.lookups == 3


async def test_forget_drops_the_answer_and_a_look_up_under_way() -> None:
    cache: CompanyCache[str] = CompanyCache(ttl_s=60)
    company, gate = uuid4(), asyncio.Event()
    answers = iter(["old", "new", "newer"])

    async def slow() -> str:
        await gate.wait()
        return next(answers)

    running = asyncio.create_task(cache.get(company, slow))
    await asyncio.sleep(0)
    cache.forget(company)  # a status changed while the look-up read the old one
    gate.set()
    assert await running == "old"  # its caller gets it...
    assert await cache.get(company, slow) == "new"  # ...but it was not kept
    cache.forget(company)
    assert await cache.get(company, slow) == "newer"


async def test_a_failed_look_up_is_not_kept_and_stale_answers_are_read_again_once() -> None:
    cache: CompanyCache[int] = CompanyCache(ttl_s=60)
    company = uuid4()

    async def broken() -> int:
        raise RuntimeError("database down")

    with pytest.raises(RuntimeError):
        await cache.get(company, broken)
    counter = iter(range(10))

    async def load() -> int:
        return next(counter)

    assert await cache.get(company, load) == 0
    stale = [
        asyncio.create_task(cache.get(company, load, stale=lambda v: v < 1)) for _ in range(50)
    ]
    assert set(await asyncio.gather(*stale)) == {1}
    assert await cache.get(company, load) == 1
    assert cache.lookups == 3


async def test_the_cache_is_bounded_in_companies() -> None:
    cache: CompanyCache[int] = CompanyCache(ttl_s=60, companies=10)
    companies = [uuid4() for _ in range(100)]

    async def load() -> int:
        return 1

    for company in companies:
        await cache.get(company, load)
    await cache.get(companies[-1], load)  # kept
    assert cache.lookups == 100
    await cache.get(companies[0], load)  # pushed out long ago
    assert cache.lookups == 101
