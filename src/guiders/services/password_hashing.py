"""Argon2 off the event loop, a few at a time.

One Argon2id verification is ~50-150 ms of CPU and 64 MiB of memory. Run on the event loop it
stalls every request and socket of the process; run in unbounded threads a burst of logins takes
all cores and memory. So hashes run in worker threads (argon2-cffi releases the GIL), at most
``concurrency`` at once, with at most ``max_waiting`` callers queued behind them: beyond that the
login is refused at once with 503 instead of queueing without bound.

A login for an unknown e-mail verifies against a dummy hash made with the same parameters, so it
takes as long as a wrong password for a real account (no user enumeration by timing).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from guiders.domain.errors import Unavailable
from guiders.services.credentials import hash_password, verify_password

P = ParamSpec("P")
R = TypeVar("R")


class PasswordHashing:
    def __init__(self, *, concurrency: int = 2, max_waiting: int = 64) -> None:
        self._slots = asyncio.Semaphore(concurrency)
        self._max_waiting = max_waiting
        self._waiting = 0
        self._dummy: str | None = None

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """``None`` (no such account) burns the same time and answers False."""
        if password_hash is None:
            await self._run(verify_password, await self._dummy_hash(), password)
            return False
        return await self._run(verify_password, password_hash, password)

    async def hash(self, password: str) -> str:
        return await self._run(hash_password, password)

    async def _dummy_hash(self) -> str:
        if self._dummy is None:
            self._dummy = await self._run(hash_password, secrets.token_urlsafe(24))
        return self._dummy

    async def _run(self, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        if self._waiting >= self._max_waiting:
            raise Unavailable("Too many sign-ins at once; retry in a moment")
        self._waiting += 1
        try:
            async with self._slots:
                return await asyncio.to_thread(fn, *args, **kwargs)
        finally:
            self._waiting -= 1
