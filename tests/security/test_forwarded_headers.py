"""Rotating ``X-Forwarded-For`` must not make one client look like many."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from guiders import cli
from guiders.api.app import create_app
from guiders.config import Settings
from guiders.domain.login_throttle import ThrottlePolicy
from guiders.runtime import Runtime
from tests.security.conftest import open_settings

SMALL = ThrottlePolicy(
    max_failures=10,
    window=timedelta(minutes=15),
    base_lock=timedelta(minutes=5),
    max_lock=timedelta(hours=1),
)


async def _spray(runtime: Runtime, settings: Settings) -> list[int]:
    """Wrong passwords for ever new e-mails (no account lock), each from a 'new' address."""
    runtime.services.login._address_policy = SMALL
    app = create_app(settings, runtime)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
    statuses = []
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as api:
        for i in range(SMALL.max_failures + 3):
            r = await api.post(
                "/api/user/auth/login",
                json={"email": f"user{i}@nowhere.example", "password": "guess"},
                headers={"x-forwarded-for": f"203.0.113.{i + 1}"},
            )
            statuses.append(r.status_code)
    return statuses


async def test_a_rotated_forwarded_header_does_not_defeat_the_address_limit(
    runtime: Runtime, settings: Settings
) -> None:
    statuses = await _spray(runtime, open_settings(settings))
    assert statuses[: SMALL.max_failures] == [401] * SMALL.max_failures
    assert statuses[SMALL.max_failures :] == [429] * 3


async def test_a_configured_proxy_is_believed(runtime: Runtime, settings: Settings) -> None:
    statuses = await _spray(runtime, open_settings(settings, trusted_proxies="127.0.0.1/32"))
    assert set(statuses) == {401}, "behind a trusted proxy each forwarded address counts alone"


def test_uvicorn_does_not_trust_forwarded_headers_itself(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Uvicorn believes X-Forwarded-For from loopback unless told not to."""
    import uvicorn

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(kw))
    monkeypatch.setattr("guiders.store.migrate.upgrade", lambda *a, **k: None)
    monkeypatch.setattr("guiders.api.app.create_asgi", lambda *a, **k: object())
    settings = Settings(data_dir=tmp_path, environment="test", jwt_secret="x" * 40)
    cli._serve(settings, "127.0.0.1", 0, seed=False)
    assert seen["proxy_headers"] is False
