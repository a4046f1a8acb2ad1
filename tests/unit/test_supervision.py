"""In-process workers: a crash is logged and the worker starts again, cancel stops it."""

from __future__ import annotations

import asyncio

import pytest

from guiders.supervision import BackgroundWorker, supervise


async def test_a_crashing_worker_is_restarted_with_a_growing_pause() -> None:
    starts: list[float] = []
    loop = asyncio.get_running_loop()

    async def flaky() -> None:
        starts.append(loop.time())
        if len(starts) < 3:
            raise RuntimeError("boom")
        await asyncio.Event().wait()

    task = asyncio.create_task(
        supervise(BackgroundWorker("flaky", flaky), backoff_initial_s=0.05, backoff_max_s=1)
    )
    while len(starts) < 3:  # noqa: ASYNC110 - the supervisor runs on its own task
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    first, second = starts[1] - starts[0], starts[2] - starts[1]
    assert first >= 0.04 and second >= 0.09 and second > first


async def test_cancelling_the_supervisor_cancels_the_worker() -> None:
    cancelled = asyncio.Event()

    async def forever() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            cancelled.set()

    task = asyncio.create_task(supervise(BackgroundWorker("forever", forever)))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cancelled.is_set()
