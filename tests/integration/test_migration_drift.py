"""The migrations build exactly the schema that ``store/tables.py`` describes.

The tests and ``guiders up --demo`` paths differ: tests call ``metadata.create_all`` while a real
deployment runs ``guiders migrate``. A column added to the tables but forgotten in a migration
(or a type, index or nullability changed on one side only) would pass every other test and break
production on its first write. Here the migrations run on an empty database (a SQLite file and a
PostgreSQL schema of its own) and Alembic's autogenerate comparison must find nothing to do.
"""

from __future__ import annotations

import asyncio
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from guiders.config import Settings
from guiders.store.database import Database
from guiders.store.migrate import upgrade
from guiders.store.search import is_search_object
from guiders.store.tables import metadata


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection,
        opts={
            "compare_type": True,
            "compare_server_default": True,
            # full-text search is raw DDL on both databases (store/search.py), not metadata
            "include_name": lambda name, type_, parents: not is_search_object(name),
        },
    )
    return list(compare_metadata(context, metadata))


async def test_migrations_match_the_tables(settings: Settings) -> None:
    url, schema = settings.resolved_database_url, settings.database_schema
    # Alembic's environment runs its own event loop: off this one, in a thread.
    await asyncio.to_thread(upgrade, url, schema=schema)
    db = Database(url, schema=schema)
    try:
        async with db.engine.connect() as conn:
            differences = await conn.run_sync(_differences)
    finally:
        await db.dispose()
    assert differences == [], "the migrations and store/tables.py differ:\n" + "\n".join(
        repr(d) for d in differences
    )
