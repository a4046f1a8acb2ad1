"""Attachments' metadata in the database (the bytes: ``files.py``)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from guiders.domain.attachment import Attachment
from guiders.services.ports import AttachmentRepository
from guiders.store.attachment_tables import attachments

_FIELDS = (
    "company_id",
    "chat_id",
    "visitor_id",
    "message_id",
    "uploader_id",
    "uploader_role",
    "name",
    "content_type",
    "size",
    "sha256",
    "storage_key",
    "created_at",
)


class SqlAttachmentRepository(AttachmentRepository):
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, attachment: Attachment) -> None:
        values = {f: getattr(attachment, f) for f in _FIELDS}
        await self._conn.execute(attachments.insert().values(id=attachment.id, **values))

    async def get(self, attachment_id: UUID) -> Attachment | None:
        stmt = select(attachments).where(attachments.c.id == attachment_id)
        row = (await self._conn.execute(stmt)).first()
        return _from_row(row._mapping) if row else None

    async def usage_of_visitor(self, visitor_id: UUID) -> tuple[int, int]:
        stmt = select(func.count(), func.coalesce(func.sum(attachments.c.size), 0)).where(
            attachments.c.visitor_id == visitor_id
        )
        count, total = (await self._conn.execute(stmt)).one()
        return int(count), int(total)

    async def of_visitor(self, visitor_id: UUID) -> list[Attachment]:
        stmt = (
            select(attachments)
            .where(attachments.c.visitor_id == visitor_id)
            .order_by(attachments.c.created_at, attachments.c.id)
        )
        return [_from_row(r._mapping) for r in await self._conn.execute(stmt)]

    async def delete_of_visitor(self, visitor_id: UUID) -> list[Attachment]:
        found = await self.of_visitor(visitor_id)
        await self._conn.execute(delete(attachments).where(attachments.c.visitor_id == visitor_id))
        return found


def _from_row(r: Any) -> Attachment:
    return Attachment(id=r["id"], **{f: r[f] for f in _FIELDS})
