"""A database connection dropped under the server is a retryable 503, then business as usual."""

from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import text

from guiders.api.app import create_app
from guiders.config import Settings
from guiders.demo import seed_demo
from guiders.runtime import Runtime
from tests.conftest import PG_URL


async def test_a_dropped_connection_is_a_503_and_the_next_request_succeeds(
    settings: Settings,
) -> None:
    if settings.is_sqlite:
        pytest.skip("only a database server can drop a connection under us")
    one = settings.model_copy(update={"db_pool_min": 1, "db_pool_max": 1})
    runtime = Runtime.build(one)
    await runtime.db.create_schema()
    await runtime.start()
    try:
        demo: dict[str, Any] = await seed_demo(runtime.services, settings.data_dir)
        key = {"authorization": f"Bearer {demo['integrationKey']}"}
        transport = httpx.ASGITransport(app=create_app(one, runtime))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as api:
            assert (await api.get("/api/v2/commercials", headers=key)).status_code == 200
            async with runtime.db.engine.connect() as conn:  # the pool's only connection
                pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            admin = await asyncpg.connect(PG_URL.replace("+asyncpg", ""))
            try:
                assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
            finally:
                await admin.close()

            # asyncpg may notice the closed socket first and the pool reconnect on its own;
            # otherwise the request that finds the dead connection is told to retry.
            first = await api.get("/api/v2/commercials", headers=key)
            assert first.status_code in (200, 503)
            if first.status_code == 503:
                assert first.json()["error"] == "service_unavailable"
                assert first.headers["retry-after"] == "1"
            assert (await api.get("/api/v2/commercials", headers=key)).status_code == 200
    finally:
        await runtime.stop()
