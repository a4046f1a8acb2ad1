"""Each company's e-mail toggles (e-mail consents are in ``visitor_consents``, with every
other consent: ``store/privacy.py``).

Registered on the one ``metadata`` (``tables.py`` imports this module at its end).
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import Boolean, Column, ForeignKey, String, Table, Uuid, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from guiders.services.ports.chat_mail import ChatMailRecords, ChatMailSettings
from guiders.store.metadata import metadata
from guiders.store.settings import section_value, set_section_value

chat_mail_settings = Table(
    "chat_mail_settings",
    metadata,
    Column("company_id", Uuid, ForeignKey("companies.id"), primary_key=True),
    Column("transcript_on_close", Boolean, nullable=False),
    Column("inbound_domain", String(253), index=True),
    Column("chat_page_url", String(500)),
)


class SqlChatMailRecords(ChatMailRecords):
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def settings(self, company_id: UUID) -> ChatMailSettings:
        row = (
            await self._conn.execute(
                select(chat_mail_settings).where(chat_mail_settings.c.company_id == company_id)
            )
        ).first()
        on_close = bool(
            await section_value(self._conn, company_id, "privacy", "transcript_on_close")
        )
        if row is None:
            return ChatMailSettings(company_id=company_id, transcript_on_close=on_close)
        r = row._mapping
        return ChatMailSettings(
            company_id=company_id,
            transcript_on_close=on_close,
            inbound_domain=r["inbound_domain"],
            chat_page_url=r["chat_page_url"],
        )

    async def save_settings(self, settings: ChatMailSettings) -> None:
        # the toggle lives in the company's privacy section (Settings → Privacy shows it too)
        await set_section_value(
            self._conn,
            settings.company_id,
            "privacy",
            "transcript_on_close",
            settings.transcript_on_close,
        )
        values = {
            "transcript_on_close": settings.transcript_on_close,
            "inbound_domain": settings.inbound_domain,
            "chat_page_url": settings.chat_page_url,
        }
        result = await self._conn.execute(
            update(chat_mail_settings)
            .where(chat_mail_settings.c.company_id == settings.company_id)
            .values(**values)
        )
        if result.rowcount == 0:
            await self._conn.execute(
                chat_mail_settings.insert().values(company_id=settings.company_id, **values)
            )

    async def inbound_domains(self) -> frozenset[str]:
        rows = await self._conn.execute(
            select(chat_mail_settings.c.inbound_domain).where(
                chat_mail_settings.c.inbound_domain.is_not(None)
            )
        )
        return frozenset(str(r[0]).lower() for r in rows)
