"""In-process workers: a crash is logged and the worker starts again, cancel stops it."""

from __future__ import annotations

import asyncio

import pytest
from tests.waiting import eventually

from guiders.supervision import BackgroundWorker, supervise


async def test_a_crashing_worker_is_restarted_with_a_growing_pause() -> None:
    starts = 0
    pauses: list[float] = []

    async def flaky() -> None:
        nonlocal starts
        starts += 1
        if starts < 5:
            raise RuntimeError("boom")
        await asyncio.Event().wait()

    async def pause(seconds: float) -> None:
        pauses.append(seconds)

    task = asyncio.create_task(
        supervise(
            BackgroundWorker("flaky", flaky), backoff_initial_s=1, backoff_max_s=5, sleep=pause
        )
    )
    await eventually(lambda: starts >= 5, timeout=5, what="the fifth start")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert pauses == [1, 2, 4, 5]


async def test_cancelling_the_supervisor_cancels_the_worker() -> None:
    cancelled, running = asyncio.Event(), asyncio.Event()

    async def forever() -> None:
        running.set()
        try:
            await asyncio.Event().wait()
        finally:
            cancelled.set()

    task = asyncio.create_task(supervise(BackgroundWorker("forever", forever)))
    await asyncio.wait_for(running.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cancelled.is_set()
