"""A database connection dropped under the server is a retryable 503, then business as usual."""

from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import text

from guiders.config import Settings
from guiders.runtime import Runtime
from tests.conftest import PG_URL


async def test_a_dropped_connection_is_a_503_and_the_next_request_succeeds(
    settings: Settings, runtime: Runtime, demo: dict[str, Any], api: httpx.AsyncClient
) -> None:
    if runtime.db.is_sqlite:
        pytest.skip("only a database server can drop a connection under us")
    key = {"authorization": f"Bearer {demo['integrationKey']}"}
    await runtime.db.engine.dispose()
    assert (await api.get("/api/v2/commercials", headers=key)).status_code == 200
    async with runtime.db.engine.connect() as conn:  # the one pooled connection
        pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
    admin = await asyncpg.connect(PG_URL.replace("+asyncpg", ""))
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()

    # asyncpg usually notices the closed socket and the pool reconnects transparently; when
    # it does not, the request that finds the dead connection is told to retry.
    first = await api.get("/api/v2/commercials", headers=key)
    assert first.status_code in (200, 503)
    if first.status_code == 503:
        assert first.json()["error"] == "service_unavailable"
        assert first.headers["retry-after"] == "1"
    assert (await api.get("/api/v2/commercials", headers=key)).status_code == 200
