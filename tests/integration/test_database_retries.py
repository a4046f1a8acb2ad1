"""Getting a connection is retried with backoff; a database that stays down still fails."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection

from guiders.config import Settings
from guiders.store.database import Database


class Flaky(Database):
    """The database refuses the first ``failures`` connections, as during a restart."""

    failures = 0
    attempts = 0

    async def _connect(self) -> AsyncConnection:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise OperationalError("connect", {}, ConnectionRefusedError("restarting"))
        return await super()._connect()


def flaky(settings: Settings, failures: int, retries: int) -> Flaky:
    db = Flaky(
        settings.resolved_database_url,
        schema=settings.database_schema,
        connect_retries=retries,
        retry_backoff_s=0.01,
    )
    db.failures = failures
    return db


async def test_a_connection_refused_twice_is_retried(settings: Settings) -> None:
    db = flaky(settings, failures=2, retries=3)
    try:
        conn = await db.begin()
        assert (await conn.execute(text("SELECT 1"))).scalar_one() == 1
        await conn.close()
        assert db.attempts == 3
    finally:
        await db.dispose()


async def test_it_gives_up_after_the_configured_retries(settings: Settings) -> None:
    db = flaky(settings, failures=5, retries=2)
    try:
        with pytest.raises(OperationalError):
            await db.begin()
        assert db.attempts == 3
    finally:
        await db.dispose()
