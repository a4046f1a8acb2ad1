"""One use case run from the command line against the configured database, without a server.

The operator commands build the same :class:`Runtime` as the server (never their own store or
bus), call one thing on it, and release the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from guiders.config import Settings
from guiders.runtime.root import Runtime

T = TypeVar("T")


def run_once(settings: Settings, fn: Callable[[Runtime], Awaitable[T]]) -> T:
    """``fn(runtime)`` in a fresh event loop; the database is disposed whatever happens."""

    async def go() -> T:
        runtime = Runtime.build(settings)
        try:
            return await fn(runtime)
        finally:
            await runtime.db.dispose()

    return asyncio.run(go())
