"""The in-process rate-limit counters (api/local_windows.py) answer as the ``limits`` library's
sliding window counter on its ``MemoryStorage`` does: same decisions, same remaining counts,
same reset times, under the same clock, across window boundaries and idle gaps."""

from __future__ import annotations

import random
import types
from typing import Any

import limits.aio.storage.memory
import limits.aio.strategies
import pytest
from limits import RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

from guiders.api.local_windows import LocalWindows

STEPS = [0.0, 0.01, 0.2, 1.3, 7.0, 31.0, 75.0, 190.0]
WEIGHTS = [40, 30, 20, 10, 5, 3, 2, 1]


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock(1_765_000_000.25)
    frozen: Any = types.SimpleNamespace(time=clock.time)
    monkeypatch.setattr(limits.aio.storage.memory, "time", frozen)
    monkeypatch.setattr(limits.aio.strategies, "time", frozen)
    return clock


async def test_the_same_answers_as_limits_memory_storage(clock: Clock) -> None:
    rng = random.Random(18)
    items = [RateLimitItemPerMinute(5, namespace="a"), RateLimitItemPerSecond(3, namespace="b")]
    reference = SlidingWindowCounterRateLimiter(MemoryStorage())
    local = LocalWindows()
    keys = ["k1", "k2", "k3"]
    refused = 0
    for _ in range(3000):
        # mostly short steps (bursts within a window), now and then a long gap
        clock.now += rng.choices(STEPS, WEIGHTS)[0]
        item, key = rng.choice(items), rng.choice(keys)
        expected_test = await reference.test(item, key)
        assert local.test(item, key, clock.now) == expected_test
        expected_hit = await reference.hit(item, key)
        stats = await reference.get_window_stats(item, key)
        remaining = local.hit(item, key, clock.now)
        if expected_hit:
            assert remaining == stats.remaining
        else:
            refused += 1
            assert remaining is None
            assert local.reset_in(item, key, clock.now) == pytest.approx(
                stats.reset_time - clock.now, abs=1e-6
            )
    assert 300 < refused < 2700, refused  # both answers were exercised


def test_passed_windows_are_dropped() -> None:
    item = RateLimitItemPerMinute(10, namespace="p")
    local = LocalWindows()
    now = 1_765_000_000.0
    for minute in range(10):
        for key in range(100):
            local.hit(item, f"address-{minute}-{key}", now + 60 * minute)
    # only the current and the previous minute can still be read
    assert len(local._windows) == 2
    assert sum(len(counts) for counts in local._windows.values()) == 200


def test_a_flood_of_other_keys_does_not_reset_a_key() -> None:
    item = RateLimitItemPerMinute(3, namespace="p")
    local = LocalWindows()
    now = 1_765_000_000.0
    assert [local.hit(item, "client", now) for _ in range(4)] == [2, 1, 0, None]
    for i in range(50_000):
        local.hit(item, f"other-{i}", now)
    assert local.hit(item, "client", now) is None
