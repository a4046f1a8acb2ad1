"""The breaker's state machine on a fake clock: 5 failures open, 30 s to half-open,
3 successes close, a half-open failure reopens."""

from __future__ import annotations

import pytest

from guiders.ai.circuit_breaker import BreakerState, CircuitBreaker, CircuitOpen


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def ok() -> str:
    return "ok"


async def boom() -> str:
    raise RuntimeError("provider down")


async def fail(breaker: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        with pytest.raises(RuntimeError):
            await breaker.call(boom)


async def test_opens_after_five_failures_in_a_row_and_refuses_without_calling() -> None:
    changes: list[tuple[BreakerState, BreakerState]] = []
    breaker = CircuitBreaker("llm", clock=Clock(), on_change=lambda _, a, b: changes.append((a, b)))
    await fail(breaker, 4)
    assert breaker.state == BreakerState.CLOSED
    await breaker.call(ok)  # a success resets the count
    await fail(breaker, 4)
    assert breaker.state == BreakerState.CLOSED
    await fail(breaker, 1)
    assert breaker.state == BreakerState.OPEN
    called = False

    async def spy() -> str:
        nonlocal called
        called = True
        return "x"

    with pytest.raises(CircuitOpen):
        await breaker.call(spy)
    assert not called
    assert changes == [(BreakerState.CLOSED, BreakerState.OPEN)]


async def test_half_open_after_the_pause_then_closes_after_three_successes() -> None:
    clock = Clock()
    breaker = CircuitBreaker("llm", clock=clock)
    await fail(breaker, 5)
    clock.now += 29.9
    assert breaker.state == BreakerState.OPEN
    clock.now += 0.1
    assert breaker.state == BreakerState.HALF_OPEN
    await breaker.call(ok)
    await breaker.call(ok)
    assert breaker.state == BreakerState.HALF_OPEN
    await breaker.call(ok)
    assert breaker.state == BreakerState.CLOSED


async def test_a_failure_while_half_open_opens_again_for_a_full_pause() -> None:
    clock = Clock()
    breaker = CircuitBreaker("llm", clock=clock)
    await fail(breaker, 5)
    clock.now += 30
    await breaker.call(ok)
    await fail(breaker, 1)
    assert breaker.state == BreakerState.OPEN
    clock.now += 29
    with pytest.raises(CircuitOpen):
        await breaker.call(ok)


async def test_reading_the_state_changes_nothing() -> None:
    clock = Clock()
    changes: list[tuple[BreakerState, BreakerState]] = []
    breaker = CircuitBreaker("llm", clock=clock, on_change=lambda _, a, b: changes.append((a, b)))
    await fail(breaker, 5)
    clock.now += 30
    assert breaker.state == BreakerState.HALF_OPEN  # what a call would find
    assert breaker.state == BreakerState.HALF_OPEN
    assert changes == [(BreakerState.CLOSED, BreakerState.OPEN)]  # no move, no event, on a read
    await breaker.call(ok)  # the call makes the move, once
    assert changes[1:] == [(BreakerState.OPEN, BreakerState.HALF_OPEN)]
