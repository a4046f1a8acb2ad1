"""An async circuit breaker: closed -> open after N failures -> half-open after a pause ->
closed after M successes in a row (any failure while half-open opens it again).

Written here rather than taken from purgatory (the design's first choice, see
docs/architecture.md, "Libraries and why"): purgatory 3.0.1
closes a half-open circuit on the *first* success (``HalfOpenedState.handle_end_request``) and
its ``Context`` builds the state objects itself, so "close after 3 successes" cannot be
configured without patching its internals. This is the whole state machine, ~100 lines.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import TypeVar

import structlog

from guiders.domain.errors import Unavailable

log = structlog.get_logger(__name__)
T = TypeVar("T")


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitOpen(Unavailable):
    code = "circuit_open"


StateListener = Callable[[str, BreakerState, BreakerState], None]


class CircuitBreaker:
    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int = 5,
        recovery_timeout_s: float = 30.0,
        success_threshold: int = 3,
        clock: Callable[[], float] = time.monotonic,
        on_change: StateListener | None = None,
    ) -> None:
        self.name = name
        self.failure_threshold = failure_threshold
        self.recovery_timeout_s = recovery_timeout_s
        self.success_threshold = success_threshold
        self._clock = clock
        self._on_change = on_change
        self._state = BreakerState.CLOSED
        self.failures = 0
        self.successes = 0
        self.opened_at: float | None = None

    @property
    def state(self) -> BreakerState:
        """The current state, read without changing anything: an open circuit whose pause is
        over reads as half-open (the move itself happens on the next call, ``_tick``)."""
        return BreakerState.HALF_OPEN if self._pause_over() else self._state

    def _pause_over(self) -> bool:
        return (
            self._state == BreakerState.OPEN
            and self.opened_at is not None
            and self._clock() - self.opened_at >= self.recovery_timeout_s
        )

    def _tick(self) -> None:
        """The time-based transition: open -> half-open once the pause is over."""
        if self._pause_over():
            self._move(BreakerState.HALF_OPEN)

    async def call(self, fn: Callable[[], Awaitable[T]]) -> T:
        """Run ``fn`` through the breaker; raises :class:`CircuitOpen` without calling it
        while the circuit is open."""
        self._tick()
        if self._state == BreakerState.OPEN:
            raise CircuitOpen(f"circuit {self.name!r} is open")
        try:
            result = await fn()
        except Exception:
            self.record_failure()
            raise
        self.record_success()
        return result

    def record_success(self) -> None:
        self._tick()
        if self._state == BreakerState.HALF_OPEN:
            self.successes += 1
            if self.successes >= self.success_threshold:
                self._move(BreakerState.CLOSED)
        else:
            self.failures = 0

    def record_failure(self) -> None:
        self._tick()
        if self._state == BreakerState.HALF_OPEN:
            self._move(BreakerState.OPEN)
            return
        self.failures += 1
        if self._state == BreakerState.CLOSED and self.failures >= self.failure_threshold:
            self._move(BreakerState.OPEN)

    def _move(self, target: BreakerState) -> None:
        previous, self._state = self._state, target
        self.failures = 0
        self.successes = 0
        self.opened_at = self._clock() if target == BreakerState.OPEN else None
        log.warning("circuit breaker state changed", circuit=self.name, old=previous, new=target)
        if self._on_change is not None:
            self._on_change(self.name, previous, target)
