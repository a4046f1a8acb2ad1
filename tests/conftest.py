"""Shared fixtures: a database per test on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from guiders.api.app import create_app
from guiders.config import Settings
from guiders.demo import seed_demo
from guiders.runtime import Runtime
from guiders.services import credentials

IN_CI = os.environ.get("CI", "").lower() == "true"
PG_URL = os.environ.get(
    "GUIDERS_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


E2E = Path(__file__).parent / "e2e"


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The end-to-end tests run alone (``serial``): each drives ``guiders up`` processes, some a
    browser or a training run, with deadlines set for one such test at a time."""
    for item in items:
        if item.path.is_relative_to(E2E):
            item.add_marker(pytest.mark.serial)


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes() -> Iterator[None]:
    """Argon2 at argon2-cffi's testing profile for the in-process tests.

    The production parameters cost about a second of both cores per hash on a loaded machine,
    and each demo tenant hashes four passwords, each login verifies one: the suite spent minutes
    there. The code path is the same (a hash made this way verifies like any other); what the
    cost itself buys is tested with the real parameters in tests/security/test_login_timing.py
    (``real_password_hashes``) and by every ``guiders up`` process of tests/e2e.
    """
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(credentials, "_hasher", PasswordHasher.from_parameters(CHEAPEST))
        yield


@pytest.fixture
def real_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The production Argon2 parameters, for tests about what their cost does."""
    monkeypatch.setattr(credentials, "_hasher", PasswordHasher())


async def _postgres_up() -> bool:
    import asyncpg

    try:
        conn = await asyncpg.connect(PG_URL.replace("+asyncpg", ""), timeout=3)
    except (TimeoutError, OSError, asyncpg.PostgresError):
        return False
    await conn.close()
    return True


def require_service(name: str, up: bool) -> None:
    """In CI a missing service fails the run; on a laptop the test is skipped with the reason."""
    if up:
        return
    message = f"{name} is not reachable"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: services are required)")
    pytest.skip(f"{message}; start it to run this test")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def settings(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Settings]:
    """A fresh, empty database: a SQLite file, or a PostgreSQL schema of its own."""
    base = {
        "data_dir": tmp_path,
        "environment": "test",
        "jwt_secret": "test-secret-of-at-least-thirty-two-bytes",
        # most tests drive agents over REST only (no console socket); the presence tests
        # turn this back on (tests/integration/test_presence_truth.py)
        "presence_requires_connection": False,
    }
    if request.param == "sqlite":
        yield Settings(**base)
        return
    require_service("PostgreSQL", await _postgres_up())
    import asyncpg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    raw = PG_URL.replace("+asyncpg", "")
    conn = await asyncpg.connect(raw)
    await conn.execute(f"CREATE SCHEMA {schema}")
    await conn.close()
    yield Settings(**base, database_url=PG_URL, database_schema=schema)
    conn = await asyncpg.connect(raw)
    await conn.execute(f"DROP SCHEMA {schema} CASCADE")
    await conn.close()


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    rt = Runtime.build(settings)
    await rt.db.create_schema()
    await rt.start()
    yield rt
    await rt.stop()


@pytest.fixture
async def demo(runtime: Runtime, settings: Settings) -> dict[str, Any]:
    """The demo tenant's credentials, as ``guiders up`` writes them."""
    return await seed_demo(runtime.services, settings.data_dir)


@pytest.fixture
async def api(runtime: Runtime, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


REDIS_URL = os.environ.get("GUIDERS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


async def redis_up() -> bool:
    from redis import asyncio as aioredis
    from redis.exceptions import RedisError

    client = aioredis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        return bool(await client.ping())
    except (RedisError, OSError):
        return False
    finally:
        await client.aclose()


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    """The real Redis; use ``redis_prefix`` so tests running at once do not share keys."""
    require_service("Redis", await redis_up())
    yield REDIS_URL


@pytest.fixture
async def redis_prefix(redis_url: str) -> AsyncIterator[str]:
    """A key prefix of this test's own, deleted afterwards."""
    from redis import asyncio as aioredis

    prefix = f"t{uuid.uuid4().hex[:12]}"
    yield prefix
    client = aioredis.Redis.from_url(redis_url)
    try:
        await drop_redis_keys(client, prefix)
    finally:
        await client.aclose()


async def drop_redis_keys(redis: Any, prefix: str) -> None:
    """Removes what a test wrote under its own key prefix (the server is shared)."""
    keys = [k async for k in redis.scan_iter(f"{prefix}:*")]
    if keys:
        await redis.delete(*keys)
