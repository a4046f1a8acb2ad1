"""Migration 0005 (after 0006, which reached main first) creates exactly the knowledge tables
``metadata`` describes, on SQLite and PostgreSQL, and goes down again."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from guiders.config import Settings
from guiders.store.database import Database
from guiders.store.migrate import alembic_config, upgrade
from guiders.store.tables import metadata


async def _differences(settings: Settings) -> list[Any]:
    db = Database.from_settings(settings)
    try:
        async with db.engine.connect() as conn:
            return await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
            )
    finally:
        await db.dispose()


async def test_migrations_create_the_knowledge_tables_as_declared(settings: Settings) -> None:
    url, schema = settings.resolved_database_url, settings.database_schema
    await asyncio.to_thread(upgrade, url, schema=schema)
    diffs = [d for d in await _differences(settings) if "knowledge" in repr(d)]
    assert diffs == []
    await asyncio.to_thread(command.downgrade, alembic_config(url, schema), "0006")
    diffs = await _differences(settings)
    assert any(d[0] == "add_table" and d[1].name == "knowledge_chunks" for d in diffs)
