"""A company's settings sections: one JSON document per section, with a revision."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Uuid, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

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
