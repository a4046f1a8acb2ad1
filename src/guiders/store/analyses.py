"""Visitor analyses, conversions and the e-mail outbox."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from guiders.domain.analysis import Analysis, Conversion, Segment
from guiders.services.ports import AnalysisRepository, MailQueue, QueuedEmail
from guiders.store.tables import mail_outbox, visitor_analyses, visitor_conversions

_UPSERT: dict[str, Any] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class SqlAnalysisRepository(AnalysisRepository):
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, visitor_id: UUID) -> Analysis | None:
        row = (
            await self._conn.execute(
                select(visitor_analyses).where(visitor_analyses.c.visitor_id == visitor_id)
            )
        ).first()
        return _analysis(row._mapping) if row else None

    async def save(self, analysis: Analysis) -> None:
        """An upsert: two scores of one visitor at once leave the later one, never an error."""
        values = _analysis_values(analysis)
        insert = _UPSERT[self._conn.dialect.name]
        stmt = insert(visitor_analyses).values(visitor_id=analysis.visitor_id, **values)
        await self._conn.execute(
            stmt.on_conflict_do_update(index_elements=[visitor_analyses.c.visitor_id], set_=values)
        )

    async def add_conversion(self, conversion: Conversion) -> None:
        await self._conn.execute(
            visitor_conversions.insert().values(
                id=conversion.id,
                visitor_id=conversion.visitor_id,
                company_id=conversion.company_id,
                session_id=conversion.session_id,
                value=conversion.value,
                currency=conversion.currency,
                occurred_at=conversion.occurred_at,
            )
        )

    async def conversions(self, visitor_id: UUID) -> list[Conversion]:
        stmt = (
            select(visitor_conversions)
            .where(visitor_conversions.c.visitor_id == visitor_id)
            .order_by(visitor_conversions.c.occurred_at)
        )
        return [_conversion(r._mapping) for r in await self._conn.execute(stmt)]


def _analysis_values(a: Analysis) -> dict[str, Any]:
    return {
        "company_id": a.company_id,
        "session_id": a.session_id,
        "conversion_probability": a.conversion_probability,
        "segment": a.segment.value,
        "model_version": a.model_version,
        "top_factors": a.top_factors,
        "features": a.features,
        "profile": a.profile,
        "context": a.context,
        "scored_at": a.scored_at,
    }


def _analysis(r: Any) -> Analysis:
    return Analysis(
        visitor_id=r["visitor_id"],
        company_id=r["company_id"],
        session_id=r["session_id"],
        conversion_probability=float(r["conversion_probability"]),
        segment=Segment(r["segment"]),
        model_version=r["model_version"],
        top_factors=list(r["top_factors"] or []),
        features=dict(r["features"] or {}),
        profile=dict(r["profile"] or {}),
        context=dict(r["context"] or {}),
        scored_at=r["scored_at"],
    )


def _conversion(r: Any) -> Conversion:
    return Conversion(
        id=r["id"],
        visitor_id=r["visitor_id"],
        company_id=r["company_id"],
        session_id=r["session_id"],
        value=r["value"],
        currency=r["currency"],
        occurred_at=r["occurred_at"],
    )


class SqlMailQueue(MailQueue):
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, email: QueuedEmail) -> None:
        await self._conn.execute(
            mail_outbox.insert().values(
                id=email.id,
                company_id=email.company_id,
                visitor_id=email.visitor_id,
                kind=email.kind,
                to_address=email.to_address,
                subject=email.subject,
                body=email.body,
                status=email.status,
                attempts=email.attempts,
                next_attempt_at=email.next_attempt_at,
                created_at=email.created_at,
                reply_to=email.reply_to,
            )
        )

    async def last_queued_at(self, visitor_id: UUID, kind: str) -> datetime | None:
        row = (
            await self._conn.execute(
                select(mail_outbox.c.created_at)
                .where(mail_outbox.c.visitor_id == visitor_id, mail_outbox.c.kind == kind)
                .order_by(mail_outbox.c.created_at.desc())
                .limit(1)
            )
        ).first()
        return row[0] if row else None

    async def count_queued_to(
        self, company_id: UUID, address: str, kind: str, since: datetime
    ) -> int:
        found = await self._conn.scalar(
            select(func.count())
            .select_from(mail_outbox)
            .where(
                mail_outbox.c.company_id == company_id,
                mail_outbox.c.kind == kind,
                mail_outbox.c.created_at >= since,
                func.lower(mail_outbox.c.to_address) == address.lower(),
            )
        )
        return int(found or 0)

    async def claim_due(
        self, now: datetime, lease_s: float, limit: int, companies: frozenset[UUID] | None = None
    ) -> list[QueuedEmail]:
        free = or_(mail_outbox.c.locked_until.is_(None), mail_outbox.c.locked_until < now)
        due = [mail_outbox.c.status == "pending", mail_outbox.c.next_attempt_at <= now, free]
        if companies is not None:
            due.append(mail_outbox.c.company_id.in_(companies))
        rows = list(
            await self._conn.execute(
                select(mail_outbox).where(*due).order_by(mail_outbox.c.next_attempt_at).limit(limit)
            )
        )
        claimed: list[QueuedEmail] = []
        until = now + timedelta(seconds=lease_s)
        for row in rows:
            result = await self._conn.execute(
                update(mail_outbox)
                .where(mail_outbox.c.id == row.id, mail_outbox.c.status == "pending", free)
                .values(locked_until=until)
            )
            if result.rowcount == 1:
                claimed.append(_email(row._mapping))
        return claimed

    async def mark_sent(self, email_id: UUID, at: datetime) -> None:
        await self._conn.execute(
            update(mail_outbox)
            .where(mail_outbox.c.id == email_id)
            .values(
                status="sent",
                sent_at=at,
                attempts=mail_outbox.c.attempts + 1,
                locked_until=None,
                last_error=None,
            )
        )

    async def mark_failed(
        self, email_id: UUID, error: str, next_attempt_at: datetime, final: bool
    ) -> None:
        await self._conn.execute(
            update(mail_outbox)
            .where(mail_outbox.c.id == email_id)
            .values(
                status="failed" if final else "pending",
                attempts=mail_outbox.c.attempts + 1,
                next_attempt_at=next_attempt_at,
                locked_until=None,
                last_error=error[:500],
            )
        )

    async def of_visitor(self, visitor_id: UUID) -> list[QueuedEmail]:
        stmt = (
            select(mail_outbox)
            .where(mail_outbox.c.visitor_id == visitor_id)
            .order_by(mail_outbox.c.created_at)
        )
        return [_email(r._mapping) for r in await self._conn.execute(stmt)]

    async def get(self, email_id: UUID) -> QueuedEmail | None:
        row = (
            await self._conn.execute(select(mail_outbox).where(mail_outbox.c.id == email_id))
        ).first()
        return _email(row._mapping) if row else None


def _email(r: Any) -> QueuedEmail:
    return QueuedEmail(
        id=r["id"],
        company_id=r["company_id"],
        visitor_id=r["visitor_id"],
        kind=r["kind"],
        to_address=r["to_address"],
        subject=r["subject"],
        body=r["body"],
        created_at=r["created_at"],
        next_attempt_at=r["next_attempt_at"],
        status=r["status"],
        attempts=r["attempts"],
        last_error=r["last_error"],
        sent_at=r["sent_at"],
        reply_to=r["reply_to"],
    )
