"""User enumeration and a stalled event loop: an unknown e-mail costs what a known one does, and
Argon2 runs beside the event loop, not on it."""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from datetime import timedelta
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher

from guiders.domain.login_throttle import ThrottlePolicy
from guiders.runtime import Runtime

NO_LOCKS = ThrottlePolicy(
    max_failures=10**6,
    window=timedelta(minutes=1),
    base_lock=timedelta(seconds=1),
    max_lock=timedelta(seconds=1),
)


@pytest.fixture
def unlocked(runtime: Runtime) -> None:
    """These tests fail passwords on purpose, more often than the locks allow."""
    runtime.services.login._account_policy = NO_LOCKS
    runtime.services.login._address_policy = NO_LOCKS


async def _login_ms(api: httpx.AsyncClient, email: str) -> float:
    started = time.perf_counter()
    r = await api.post("/api/user/auth/login", json={"email": email, "password": "wrong-guess"})
    assert r.status_code == 401, r.text
    return (time.perf_counter() - started) * 1000


async def test_an_unknown_email_takes_as_long_as_a_known_one(
    open_api: httpx.AsyncClient,
    demo: dict[str, Any],
    unlocked: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    verified = 0
    original = PasswordHasher.verify

    def counting(self: PasswordHasher, hash: str | bytes, password: str | bytes) -> bool:
        nonlocal verified
        verified += 1
        return original(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    known = demo["staff"][1]["email"]
    await _login_ms(open_api, known)  # warm-up (the dummy hash is made on first use)
    await _login_ms(open_api, "warm@nowhere.example")
    verified = 0
    known_ms = [await _login_ms(open_api, known) for _ in range(5)]
    unknown_ms = [await _login_ms(open_api, f"nobody{i}@nowhere.example") for i in range(5)]
    assert verified == 10, "every attempt, known e-mail or not, verifies one Argon2 hash"
    ratio = statistics.median(known_ms) / statistics.median(unknown_ms)
    print(
        f"median known {statistics.median(known_ms):.1f} ms, unknown "
        f"{statistics.median(unknown_ms):.1f} ms, ratio {ratio:.2f}"
    )
    assert 1 / 3 < ratio < 3


async def test_health_answers_while_argon2_works(
    open_api: httpx.AsyncClient,
    demo: dict[str, Any],
    unlocked: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Four clients send wrong passwords; health requests must complete while a verification
    is running (impossible when Argon2 holds the event loop)."""
    lock = threading.Lock()
    in_flight = 0
    original = PasswordHasher.verify

    def tracked(self: PasswordHasher, hash: str | bytes, password: str | bytes) -> bool:
        nonlocal in_flight
        with lock:
            in_flight += 1
        try:
            return original(self, hash, password)
        finally:
            with lock:
                in_flight -= 1

    monkeypatch.setattr(PasswordHasher, "verify", tracked)
    baseline = []
    for _ in range(10):
        started = time.perf_counter()
        assert (await open_api.get("/api/health")).status_code == 200
        baseline.append((time.perf_counter() - started) * 1000)

    stop = asyncio.Event()
    email = demo["staff"][1]["email"]

    async def attacker() -> None:
        while not stop.is_set():
            await open_api.post("/api/user/auth/login", json={"email": email, "password": "x"})

    attackers = [asyncio.create_task(attacker()) for _ in range(4)]
    during: list[float] = []
    beside_argon2 = 0
    deadline = time.monotonic() + 30
    try:
        while beside_argon2 < 10 and time.monotonic() < deadline:
            started = time.perf_counter()
            assert (await open_api.get("/api/health")).status_code == 200
            during.append((time.perf_counter() - started) * 1000)
            if in_flight > 0:
                beside_argon2 += 1
            await asyncio.sleep(0)  # load pacing: one turn of the loop between requests
    finally:
        stop.set()
        await asyncio.gather(*attackers)
    print(
        f"health median {statistics.median(baseline):.1f} ms alone, "
        f"{statistics.median(during):.1f} ms with 4 failing logins ({len(during)} requests)"
    )
    assert beside_argon2 >= 10, "health requests should complete while Argon2 is running"
