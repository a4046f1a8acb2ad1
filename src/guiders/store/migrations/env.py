"""Alembic environment: runs migrations over the same async engine the server uses."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from guiders.store.database import Database
from guiders.store.tables import metadata

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def _migrate() -> None:
    db = Database(
        config.get_main_option("sqlalchemy.url") or "",
        schema=config.get_main_option("guiders.schema"),
    )
    async with db.engine.connect() as conn:
        await conn.run_sync(_run)
        await conn.commit()
    await db.dispose()


if context.is_offline_mode():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata, literal_binds=True
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_migrate())
