"""Migration 0019 drops ``privacy_settings`` on SQLite and PostgreSQL, moving a retention
period still kept there into the company's ``privacy`` settings section first."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from uuid import uuid4

import sqlalchemy as sa

from guiders.config import Settings
from guiders.store.database import Database
from guiders.store.migrate import upgrade
from guiders.store.settings import company_settings
from guiders.store.tables import companies


async def test_the_period_moves_to_the_settings_and_the_table_goes(settings: Settings) -> None:
    url, schema = settings.resolved_database_url, settings.database_schema
    await asyncio.to_thread(upgrade, url, "0018_sla", schema=schema)
    moved, kept, untouched = uuid4(), uuid4(), uuid4()
    now = datetime.now(UTC)
    old = sa.table(
        "privacy_settings",
        sa.column("company_id", sa.Uuid()),
        sa.column("retention_days", sa.Integer()),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    db = Database(url, schema=schema)
    try:
        async with db.engine.begin() as conn:
            for company in (moved, kept, untouched):
                await conn.execute(companies.insert().values(id=company, name="c", created_at=now))
            await conn.execute(
                company_settings.insert().values(
                    company_id=kept,
                    section="privacy",
                    document={"retention_days": 30, "transcript_on_close": True},
                    revision=3,
                    updated_at=now,
                )
            )
            await conn.execute(
                old.insert(),
                [
                    {"company_id": moved, "retention_days": 90, "updated_at": now},
                    {"company_id": kept, "retention_days": 7, "updated_at": now},
                    {"company_id": untouched, "retention_days": None, "updated_at": now},
                ],
            )
    finally:
        await db.dispose()

    await asyncio.to_thread(upgrade, url, schema=schema)

    db = Database(url, schema=schema)
    try:
        async with db.engine.connect() as conn:
            rows = {
                r.company_id: (r.document, r.revision)
                for r in await conn.execute(
                    sa.select(company_settings).where(company_settings.c.section == "privacy")
                )
            }
            tables = await conn.run_sync(lambda c: sa.inspect(c).get_table_names(schema=schema))
    finally:
        await db.dispose()
    assert rows[moved] == ({"retention_days": 90, "transcript_on_close": False}, 1)
    assert rows[kept] == ({"retention_days": 30, "transcript_on_close": True}, 3)
    assert untouched not in rows
    assert "privacy_settings" not in tables
