"""E-mail consents (with the text shown) and each company's e-mail toggles.

Registered on the one ``metadata`` (``tables.py`` imports this module at its end).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Boolean, Column, ForeignKey, String, Table, Text, Uuid, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from guiders.services.ports.chat_mail import ChatMailRecords, ChatMailSettings, EmailConsent
from guiders.store.metadata import metadata
from guiders.store.settings import section_value, set_section_value
from guiders.store.types import UTCDateTime

email_consents = Table(
    "email_consents",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("company_id", Uuid, ForeignKey("companies.id"), nullable=False),
    Column("visitor_id", Uuid, nullable=False, index=True),
    Column("chat_id", Uuid),
    Column("email", String(254)),
    Column("given", Boolean, nullable=False),
    Column("text", Text, nullable=False),
    Column("language", String(20)),
    Column("at", UTCDateTime, nullable=False),
)
"""Every answer to the e-mail consent line, append-only: what was shown and what was said."""

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

    async def add_consent(self, consent: EmailConsent) -> None:
        await self._conn.execute(
            email_consents.insert().values(
                id=consent.id,
                company_id=consent.company_id,
                visitor_id=consent.visitor_id,
                chat_id=consent.chat_id,
                email=consent.email,
                given=consent.given,
                text=consent.text,
                language=consent.language,
                at=consent.at,
            )
        )

    async def consents_of(self, visitor_id: UUID) -> list[EmailConsent]:
        rows = await self._conn.execute(
            select(email_consents)
            .where(email_consents.c.visitor_id == visitor_id)
            .order_by(email_consents.c.at)
        )
        return [_consent(r._mapping) for r in rows]

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


def _consent(r: Any) -> EmailConsent:
    return EmailConsent(
        id=r["id"],
        company_id=r["company_id"],
        visitor_id=r["visitor_id"],
        chat_id=r["chat_id"],
        email=r["email"],
        given=r["given"],
        text=r["text"],
        language=r["language"],
        at=r["at"],
    )
