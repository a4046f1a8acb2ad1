"""Item 1: no built-in secret. A server started without ``GUIDERS_JWT_SECRET`` makes its own."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from guiders.api.app import create_app
from guiders.config import Settings
from guiders.demo import seed_demo
from guiders.runtime import Runtime
from tests.security.forgery import PUBLISHED_PLACEHOLDER, forged_admin_token


def _unset(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GUIDERS_JWT_SECRET", "GUIDERS_ENVIRONMENT", "GUIDERS_PROFILE"):
        monkeypatch.delenv(name, raising=False)


async def test_a_token_signed_with_the_old_placeholder_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _unset(monkeypatch)
    settings = Settings(_env_file=None, data_dir=tmp_path)  # no secret configured
    runtime = Runtime.build(settings)
    await runtime.db.create_schema()
    await runtime.start()
    try:
        demo: dict[str, Any] = await seed_demo(runtime.services, tmp_path)
        forged = forged_admin_token(demo["companyId"])
        transport = httpx.ASGITransport(app=create_app(settings, runtime))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            r = await http.get("/api/v2/chats", headers={"authorization": f"Bearer {forged}"})
        assert r.status_code == 401, r.text
        assert r.json()["error"] == "unauthorized"
    finally:
        await runtime.stop()


def test_the_generated_secret_is_private_and_kept_across_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from guiders.secret_file import JWT_SECRET_FILE

    _unset(monkeypatch)
    first = Runtime.build(Settings(_env_file=None, data_dir=tmp_path))
    path = tmp_path / JWT_SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    second = Runtime.build(Settings(_env_file=None, data_dir=tmp_path))
    assert first.settings.jwt_secret == second.settings.jwt_secret
    assert len((first.settings.jwt_secret or "").encode()) >= 32
    other = Runtime.build(Settings(_env_file=None, data_dir=tmp_path / "elsewhere"))
    assert other.settings.jwt_secret != first.settings.jwt_secret


@pytest.mark.parametrize(
    "env",
    [
        {"environment": "production"},
        {"environment": "production", "jwt_secret": "too-short"},
        {"environment": "development", "jwt_secret": PUBLISHED_PLACEHOLDER},
        {"environment": "test", "jwt_secret": PUBLISHED_PLACEHOLDER},
    ],
)
def test_settings_refuse_a_missing_short_or_published_secret(
    env: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _unset(monkeypatch)
    with pytest.raises(ValidationError):
        Settings(_env_file=None, data_dir=tmp_path, **env)


def test_production_starts_with_a_long_random_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _unset(monkeypatch)
    s = Settings(_env_file=None, data_dir=tmp_path, environment="production", jwt_secret="x" * 32)
    assert s.jwt_secret == "x" * 32
