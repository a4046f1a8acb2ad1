"""Waiting for a condition with a deadline, never for a fixed time.

A fixed sleep is either too short on a busy machine (a flaky failure) or too long everywhere (a
slow suite). ``eventually`` polls a predicate until it holds and fails, naming what it waited
for, when the deadline passes. ``never`` is its opposite for the rare negative check ("nothing
arrives"): it holds the predicate false for a window that the caller states and explains.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

DEFAULT_TIMEOUT_S = 10.0
DEFAULT_INTERVAL_S = 0.02


async def eventually(
    predicate: Callable[[], T | Awaitable[T]],
    *,
    timeout: float = DEFAULT_TIMEOUT_S,  # noqa: ASYNC109 - the deadline of many polls
    interval: float = DEFAULT_INTERVAL_S,
    what: str | None = None,
) -> T:
    """The predicate's first truthy value; an AssertionError naming ``what`` after ``timeout``.

    The predicate may be sync or async. An exception it raises counts as "not yet", and the last
    one is chained to the failure so a timeout still shows why the condition was false.
    """
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while True:
        try:
            value = predicate()
            if inspect.isawaitable(value):
                value = await value
            if value:
                return value  # type: ignore[return-value]
            last_error = None
        except AssertionError as exc:
            last_error = exc
        if time.monotonic() >= deadline:
            raise AssertionError(
                f"waited {timeout:g} s for {what or _name(predicate)}, in vain"
            ) from last_error
        await asyncio.sleep(interval)


def eventually_sync(
    predicate: Callable[[], T],
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
    interval: float = DEFAULT_INTERVAL_S,
    what: str | None = None,
) -> T:
    """``eventually`` for a test without an event loop (subprocesses, a browser page)."""
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while True:
        try:
            value = predicate()
            if value:
                return value
            last_error = None
        except AssertionError as exc:
            last_error = exc
        if time.monotonic() >= deadline:
            raise AssertionError(
                f"waited {timeout:g} s for {what or _name(predicate)}, in vain"
            ) from last_error
        time.sleep(interval)


async def never(
    predicate: Callable[[], object | Awaitable[object]],
    *,
    window: float,
    interval: float = DEFAULT_INTERVAL_S,
    what: str | None = None,
) -> None:
    """Fails as soon as the predicate holds within ``window`` seconds.

    A negative can only be observed over a span of time: the caller's ``window`` is that span,
    and must be longer than the time the unwanted thing would take to show if it happened.
    """
    deadline = time.monotonic() + window
    while True:
        value = predicate()
        if inspect.isawaitable(value):
            value = await value
        assert not value, f"{what or _name(predicate)} happened within {window:g} s"
        if time.monotonic() >= deadline:
            return
        await asyncio.sleep(interval)


def _name(predicate: Callable[..., object]) -> str:
    name = getattr(predicate, "__name__", "")
    if name and name != "<lambda>":
        return name.replace("_", " ")
    try:
        return inspect.getsource(predicate).strip()[:120]
    except (OSError, TypeError):
        return repr(predicate)
