"""In-process workers of ``guiders up`` (bot, analytics, pipeline): one way to run them all.

Each worker is a coroutine factory that talks to its own server through the client, so it
first waits until the server answers ``/api/health`` (the lifespan starts before the port is
bound). A worker that crashes is logged and started again after a growing pause, so one bad
moment (the server restarting a connection, a transient error) does not silently leave the
demo without its bot; a worker that ran long enough before failing starts again from the
shortest pause. Cancelling the supervisor stops the worker.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import httpx
import structlog

log = structlog.get_logger(__name__)

WorkerFactory = Callable[[], Coroutine[Any, Any, None]]


@dataclass(slots=True)
class Readiness:
    """Whether a worker can do its job now (the bot: its model loaded and its socket joined);
    ``/api/ready`` answers 503 while a worker that gates readiness is not ready."""

    ready: bool = False

    def set(self, ready: bool) -> None:
        self.ready = ready


@dataclass(frozen=True, slots=True)
class BackgroundWorker:
    name: str
    run: WorkerFactory
    server: str | None = None
    """Base URL to wait for before the first start (None: start at once)."""
    readiness: Readiness | None = None
    """Set for a worker the server is not ready without (the in-process bot)."""


async def wait_until_serving(base_url: str, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    async with httpx.AsyncClient(base_url=base_url, timeout=2.0) as http:
        while True:
            try:
                if (await http.get("/api/health")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{base_url} did not answer within {timeout_s:g} s")
            await asyncio.sleep(0.1)


async def supervise(
    worker: BackgroundWorker,
    *,
    backoff_initial_s: float = 1.0,
    backoff_max_s: float = 60.0,
    healthy_after_s: float = 60.0,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """Runs ``worker`` until cancelled, restarting it with exponential backoff."""
    delay = backoff_initial_s
    if worker.server is not None:
        await wait_until_serving(worker.server)
    while True:
        started = time.monotonic()
        if worker.readiness is not None:
            worker.readiness.set(False)
        try:
            log.info("worker starting", worker=worker.name)
            await worker.run()
            log.warning("worker stopped on its own", worker=worker.name, restart_in_s=delay)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("worker crashed", worker=worker.name, error=repr(exc), restart_in_s=delay)
        if time.monotonic() - started >= healthy_after_s:
            delay = backoff_initial_s
        await sleep(delay)
        delay = min(delay * 2, backoff_max_s)
