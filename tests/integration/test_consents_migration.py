"""Migration 0020 folds ``email_consents`` into ``visitor_consents`` on SQLite and PostgreSQL:
every answer to the e-mail line survives as an ``email`` consent from the ``email_line``, with
its words, language, chat and address; the consents API's rows are marked ``api``; the old
table goes. The downgrade gives the e-mail line's rows back to their own table."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import sqlalchemy as sa
from alembic import command

from guiders.config import Settings
from guiders.store.database import Database
from guiders.store.migrate import alembic_config, upgrade
from guiders.store.tables import companies

_email_consents = sa.table(
    "email_consents",
    sa.column("id", sa.Uuid()),
    sa.column("company_id", sa.Uuid()),
    sa.column("visitor_id", sa.Uuid()),
    sa.column("chat_id", sa.Uuid()),
    sa.column("email", sa.String()),
    sa.column("given", sa.Boolean()),
    sa.column("text", sa.Text()),
    sa.column("language", sa.String()),
    sa.column("at", sa.DateTime(timezone=True)),
)
_old_visitor_consents = sa.table(
    "visitor_consents",
    sa.column("id", sa.Uuid()),
    sa.column("company_id", sa.Uuid()),
    sa.column("visitor_id", sa.Uuid()),
    sa.column("purpose", sa.String()),
    sa.column("granted", sa.Boolean()),
    sa.column("text", sa.Text()),
    sa.column("recorded_at", sa.DateTime(timezone=True)),
)


async def _tables(db: Database, schema: str | None) -> list[str]:
    async with db.engine.connect() as conn:
        return await conn.run_sync(lambda c: sa.inspect(c).get_table_names(schema=schema))


async def test_email_consents_move_into_the_one_table_and_back(settings: Settings) -> None:
    url, schema = settings.resolved_database_url, settings.database_schema
    await asyncio.to_thread(upgrade, url, "0019_arch", schema=schema)
    company, visitor, chat = uuid4(), uuid4(), uuid4()
    given, refused, tracking = uuid4(), uuid4(), uuid4()
    now = datetime.now(UTC).replace(microsecond=0)
    db = Database(url, schema=schema)
    try:
        async with db.engine.begin() as conn:
            await conn.execute(companies.insert().values(id=company, name="c", created_at=now))
            await conn.execute(
                _email_consents.insert(),
                [
                    {
                        "id": given,
                        "company_id": company,
                        "visitor_id": visitor,
                        "chat_id": chat,
                        "email": "ana@example.com",
                        "given": True,
                        "text": "E-mail me the replies",
                        "language": "es",
                        "at": now - timedelta(minutes=2),
                    },
                    {
                        "id": refused,
                        "company_id": company,
                        "visitor_id": visitor,
                        "chat_id": None,
                        "email": None,
                        "given": False,
                        "text": "E-mail me the replies",
                        "language": None,
                        "at": now - timedelta(minutes=1),
                    },
                ],
            )
            await conn.execute(
                _old_visitor_consents.insert().values(
                    id=tracking,
                    company_id=company,
                    visitor_id=visitor,
                    purpose="tracking",
                    granted=False,
                    text="Remember what I browse",
                    recorded_at=now,
                )
            )
    finally:
        await db.dispose()

    await asyncio.to_thread(upgrade, url, schema=schema)

    db = Database(url, schema=schema)
    try:
        async with db.engine.connect() as conn:
            rows = {
                _uuid(r.id): r
                for r in await conn.execute(
                    sa.text("SELECT * FROM visitor_consents ORDER BY recorded_at")
                )
            }
        tables = await _tables(db, schema)
    finally:
        await db.dispose()
    assert "email_consents" not in tables
    assert set(rows) == {_uuid(given), _uuid(refused), _uuid(tracking)}
    first, second, third = (rows[_uuid(k)] for k in (given, refused, tracking))
    assert (first.purpose, first.granted, first.text, first.language, first.source) == (
        "email",
        True,
        "E-mail me the replies",
        "es",
        "email_line",
    )
    assert (_uuid(first.chat_id), first.email) == (_uuid(chat), "ana@example.com")
    assert (second.purpose, second.granted, second.source, second.email) == (
        "email",
        False,
        "email_line",
        None,
    )
    assert (third.purpose, third.granted, third.source) == ("tracking", False, "api")

    await asyncio.to_thread(command.downgrade, alembic_config(url, schema), "0019_arch")

    db = Database(url, schema=schema)
    try:
        async with db.engine.connect() as conn:
            back = {r.id: r.given for r in await conn.execute(sa.select(_email_consents))}
            kept = [r.id for r in await conn.execute(sa.select(_old_visitor_consents))]
    finally:
        await db.dispose()
    assert back == {given: True, refused: False}
    assert kept == [tracking]


def _uuid(value: object) -> str:
    """SQLite hands raw ``SELECT *`` UUIDs back as hex text, PostgreSQL as ``UUID``."""
    return str(value).replace("-", "")
