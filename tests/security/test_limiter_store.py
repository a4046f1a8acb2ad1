"""Item 2: the limiter's store never resets a legitimate client's limit, however many other
keys arrive (the store used to be cleared for everyone at 100,000 keys)."""

from __future__ import annotations

import secrets
import time
import types
from pathlib import Path
from typing import Any

import httpx
import pytest

import guiders.api.local_windows
from guiders.api.app import create_app
from guiders.config import Settings
from guiders.demo import seed_demo
from guiders.runtime import Runtime

FLOOD = 100_001


def _rate_limit_middleware(app: Any) -> Any:
    layer = app.middleware_stack
    while layer is not None:
        if type(layer).__name__ == "RateLimitMiddleware":
            return layer
        layer = getattr(layer, "app", None)
    raise AssertionError("no RateLimitMiddleware in the stack")


async def test_a_flood_of_other_keys_does_not_reset_a_clients_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GUIDERS_REDIS_URL", raising=False)
    # The limiter's clock stands still: a flood of 100,001 requests takes longer than a window on
    # a slow machine, and the client's own limit would then lapse honestly, not by a reset.
    frozen = types.SimpleNamespace(time=lambda now=time.time(): now)
    monkeypatch.setattr(guiders.api.local_windows, "time", frozen)
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path,
        environment="test",
        jwt_secret="test-secret-of-at-least-thirty-two-bytes",
        rate_limit_per_minute=3,
        metrics_enabled=False,
    )
    runtime = Runtime.build(settings)
    await runtime.db.create_schema()
    await runtime.start()
    try:
        demo = await seed_demo(runtime.services, tmp_path)
        app = create_app(settings, runtime)
        headers = {"authorization": f"Bearer {demo['integrationKey']}"}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            codes = [
                (await http.get("/api/v2/chats", headers=headers)).status_code for _ in range(4)
            ]
            assert codes == [200, 200, 200, 429]

            # the flood goes through the limiter itself (the rest of the app would only slow
            # the test down): one request each with a fresh random credential, from elsewhere
            limiter = _rate_limit_middleware(app)
            inner = limiter.app

            async def nothing(scope: Any, receive: Any, send: Any) -> None:
                await send({"type": "http.response.start", "status": 204, "headers": []})
                await send({"type": "http.response.body", "body": b""})

            async def receive() -> dict[str, Any]:
                return {"type": "http.request", "body": b"", "more_body": False}

            async def send(_: Any) -> None:
                return None

            limiter.app = nothing
            try:
                for i in range(FLOOD):
                    scope = {
                        "type": "http",
                        "method": "GET",
                        "path": "/api/v2/chats",
                        "headers": [
                            (b"authorization", b"Bearer " + secrets.token_hex(16).encode())
                        ],
                        "client": (f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}", 1234),
                        "query_string": b"",
                    }
                    await limiter(scope, receive, send)
            finally:
                limiter.app = inner

            again = await http.get("/api/v2/chats", headers=headers)
            assert again.status_code == 429, "the client's limit was reset by other keys"
    finally:
        await runtime.stop()
