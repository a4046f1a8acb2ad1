"""A company's settings sections: one JSON document per section, with a revision."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Uuid, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from guiders.domain import settings as catalogue
from guiders.domain.settings import Section
from guiders.services.ports import SettingsStore, StoredSection
from guiders.store.metadata import metadata
from guiders.store.types import JSONType, UTCDateTime

company_settings = Table(
    "company_settings",
    metadata,
    Column("company_id", Uuid, ForeignKey("companies.id"), primary_key=True),
    Column("section", String(40), primary_key=True),
    Column("document", JSONType, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", String(80)),
)


class SqlSettingsStore(SettingsStore):
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def section(self, company_id: UUID, section: str) -> StoredSection | None:
        row = (
            await self._conn.execute(
                select(company_settings).where(
                    company_settings.c.company_id == company_id,
                    company_settings.c.section == section,
                )
            )
        ).first()
        return _section(row._mapping) if row else None

    async def sections(self, company_id: UUID) -> list[StoredSection]:
        rows = await self._conn.execute(
            select(company_settings)
            .where(company_settings.c.company_id == company_id)
            .order_by(company_settings.c.section)
        )
        return [_section(r._mapping) for r in rows]

    async def of_every_company(self, section: str) -> list[StoredSection]:
        rows = await self._conn.execute(
            select(company_settings).where(company_settings.c.section == section)
        )
        return [_section(r._mapping) for r in rows]

    async def save_section(self, stored: StoredSection) -> None:
        values = {
            "document": stored.document,
            "revision": stored.revision,
            "updated_at": stored.updated_at,
            "updated_by": stored.updated_by,
        }
        if stored.revision == 1:
            await self._conn.execute(
                company_settings.insert().values(
                    company_id=stored.company_id, section=stored.section, **values
                )
            )
            return
        await self._conn.execute(
            update(company_settings)
            .where(
                company_settings.c.company_id == stored.company_id,
                company_settings.c.section == stored.section,
            )
            .values(**values)
        )


def _section(r: Any) -> StoredSection:
    return StoredSection(
        company_id=r["company_id"],
        section=r["section"],
        document=dict(r["document"]),
        revision=r["revision"],
        updated_at=r["updated_at"],
        updated_by=r["updated_by"],
    )


async def section_value(conn: AsyncConnection, company_id: UUID, section: str, key: str) -> Any:
    """One field of a company's section, its default when never saved (for the stores of
    features whose own screens edit a field of a section: retention, transcripts)."""
    stored = await SqlSettingsStore(conn).section(company_id, section)
    values = catalogue.stored(section, stored.document if stored else None)
    return getattr(values, key)


async def set_section_value(
    conn: AsyncConnection, company_id: UUID, section: str, key: str, value: Any
) -> None:
    """Changes one field of a section in this transaction; the section keeps one place, so the
    console's settings page and the feature's own panel always show the same value."""
    store = SqlSettingsStore(conn)
    stored = await store.section(company_id, section)
    document = catalogue.to_document(catalogue.stored(section, stored.document if stored else None))
    document[key] = value
    values = catalogue.parse(section, document)
    await store.save_section(
        StoredSection(
            company_id=company_id,
            section=section,
            document=catalogue.to_document(values),
            revision=(stored.revision if stored else 0) + 1,
            updated_at=datetime.now(UTC),
            updated_by=stored.updated_by if stored else None,
        )
    )


async def companies_with(conn: AsyncConnection, section: str) -> list[tuple[UUID, Section]]:
    rows = await conn.execute(
        select(company_settings.c.company_id, company_settings.c.document).where(
            company_settings.c.section == section
        )
    )
    return [(cid, catalogue.stored(section, dict(doc))) for cid, doc in rows]
