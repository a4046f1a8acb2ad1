"""The privacy port on SQL: one visitor's rows found, exported, erased; old data expired.

Erasure reaches every table that holds something of the visitor (their chats' messages, the
unanswered questions and hand-off summaries drawn from them, tracking, scores, e-mails,
consents, tokens, dead letters carrying their events) and deletes their data key, which
shreds their sealed facts in the log. Rows of the log written before sealing existed (or with
no visitor to key them to) are rewritten with placeholders: the one exception to an
append-only log, because the law asks for it.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import String, Table, cast, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from guiders.domain.events import SCHEMA_VERSION
from guiders.domain.personal_data import PERSONAL, SEALED_KEY, erased, set_aside
from guiders.domain.upcasting import upcast
from guiders.services.privacy_ports import (
    MAX_CONSENT_HISTORY,
    PURPOSES,
    Consent,
    Expiry,
    PrivacyStore,
)
from guiders.store.event_log import opened_events
from guiders.store.knowledge_tables import knowledge_questions
from guiders.store.privacy_tables import visitor_consents
from guiders.store.settings import companies_with, section_value, set_section_value
from guiders.store.tables import (
    chats,
    dead_letters,
    events,
    mail_outbox,
    messages,
    refresh_tokens,
    sagas,
    tracking_events,
    visitor_analyses,
    visitor_conversions,
    visitor_sessions,
    visitors,
)
from guiders.store.visitor_keys import KeySession

_BY_VISITOR: dict[str, Table] = {
    "trackingEvents": tracking_events,
    "sessions": visitor_sessions,
    "analyses": visitor_analyses,
    "conversions": visitor_conversions,
    "emails": mail_outbox,
    "consents": visitor_consents,
}
"""Tables with a ``visitor_id`` column, children of ``visitors``, deleted before it (by the
name the export gives them)."""


class SqlPrivacyStore(PrivacyStore):
    def __init__(self, conn: AsyncConnection, keys: KeySession | None) -> None:
        self._conn = conn
        self._keys = keys

    async def visitor_company(self, visitor_id: UUID) -> UUID | None:
        stmt = select(visitors.c.company_id).where(visitors.c.id == visitor_id)
        return (await self._conn.execute(stmt)).scalar_one_or_none()

    async def _chat_ids(self, visitor_id: UUID) -> list[UUID]:
        stmt = select(chats.c.id).where(chats.c.visitor_id == visitor_id)
        return list((await self._conn.execute(stmt)).scalars())

    async def export(self, company_id: UUID, visitor_id: UUID) -> dict[str, Any]:
        chat_ids = await self._chat_ids(visitor_id)
        out: dict[str, Any] = {
            "visitor": await self._rows(visitors, visitors.c.id == visitor_id),
            "chats": await self._rows(chats, chats.c.id.in_(chat_ids)),
            "messages": await self._rows(messages, messages.c.chat_id.in_(chat_ids)),
            "unansweredQuestions": await self._rows(
                knowledge_questions,
                knowledge_questions.c.chat_id.in_([str(c) for c in chat_ids]),
                skip={"vector"},
            ),
        }
        for name, table in _BY_VISITOR.items():
            out[name] = await self._rows(table, table.c.visitor_id == visitor_id)
        out["emailConsents"] = [c for c in out["consents"] if c["purpose"] == "email"]
        rows = await self._conn.execute(
            select(events)
            .where(events.c.company_id == company_id)
            .where(events.c.aggregate_id.in_([visitor_id, *chat_ids]))
            .order_by(events.c.seq)
        )
        out["events"] = [
            {
                "seq": e.seq,
                "type": e.type,
                "occurredAt": e.occurred_at.isoformat(),
                "payload": e.payload,
            }
            for e in await opened_events(self._conn, self._keys, [r._mapping for r in rows])
        ]
        return out

    async def _rows(self, table: Table, where: Any, skip: Collection[str] = ()) -> list[Any]:
        rows = await self._conn.execute(select(table).where(where))
        return [{k: _json(v) for k, v in r._mapping.items() if k not in skip} for r in rows]

    async def erase(self, company_id: UUID, visitor_id: UUID) -> dict[str, int]:
        chat_ids = await self._chat_ids(visitor_id)
        chat_keys = [str(c) for c in chat_ids]
        texts = [
            t
            for t in (
                await self._conn.execute(
                    select(messages.c.content).where(messages.c.chat_id.in_(chat_ids))
                )
            ).scalars()
            if t
        ]
        counts: dict[str, int] = {}

        async def gone(table: Table, where: Any) -> None:
            result = await self._conn.execute(delete(table).where(where))
            counts[table.name] = counts.get(table.name, 0) + int(result.rowcount or 0)

        aggregates = [visitor_id, *chat_ids]
        event_ids = list(
            (
                await self._conn.execute(
                    select(events.c.event_id).where(events.c.aggregate_id.in_(aggregates))
                )
            ).scalars()
        )
        for start in range(0, len(event_ids), 500):
            await gone(dead_letters, dead_letters.c.event_id.in_(event_ids[start : start + 500]))
        questions = knowledge_questions.c
        await gone(
            knowledge_questions,
            (questions.company_id == company_id)
            & or_(questions.chat_id.in_(chat_keys), questions.question.in_(texts[:1000])),
        )
        for key in chat_keys:
            await gone(
                sagas,
                (sagas.c.company_id == company_id) & cast(sagas.c.context, String).like(f"%{key}%"),
            )
        await gone(messages, messages.c.chat_id.in_(chat_ids))
        await gone(chats, chats.c.id.in_(chat_ids))
        for table in _BY_VISITOR.values():
            await gone(table, table.c.visitor_id == visitor_id)
        await gone(refresh_tokens, refresh_tokens.c.subject_id == visitor_id)
        await gone(visitors, visitors.c.id == visitor_id)
        counts["events_rewritten"] = await self._scrub_unsealed(aggregates)
        counts["visitor_keys"] = int(await self._keys.drop(visitor_id)) if self._keys else 0
        return counts

    async def _scrub_unsealed(self, aggregates: list[UUID]) -> int:
        """Rows with personal fields in the clear (schema 1, or never sealed): placeholders."""
        rows = await self._conn.execute(
            select(events.c.event_id, events.c.type, events.c.schema_version, events.c.payload)
            .where(events.c.aggregate_id.in_(aggregates))
            .where(events.c.type.in_(list(PERSONAL)))
        )
        count = 0
        for event_id, type_, version, payload in list(rows):
            if isinstance(payload, dict) and SEALED_KEY in payload:
                continue
            public, personal = set_aside(type_, upcast(type_, version, payload))
            if not personal:
                continue
            await self._conn.execute(
                update(events)
                .where(events.c.event_id == event_id)
                .values(payload=erased(public, list(personal)), schema_version=SCHEMA_VERSION)
            )
            count += 1
        return count

    async def expiry(self, company_id: UUID, before: datetime) -> Expiry:
        old_visitors = list(
            (
                await self._conn.execute(
                    select(visitors.c.id)
                    .where(visitors.c.company_id == company_id)
                    .where(visitors.c.last_seen_at < before)
                )
            ).scalars()
        )
        gone = set(old_visitors)
        old_chats = [
            cid
            for cid, vid in await self._conn.execute(
                select(chats.c.id, chats.c.visitor_id)
                .where(chats.c.company_id == company_id)
                .where(chats.c.updated_at < before)
            )
            if vid not in gone
        ]
        old_sessions = [
            sid
            for sid, vid in await self._conn.execute(
                select(visitor_sessions.c.id, visitor_sessions.c.visitor_id)
                .where(visitor_sessions.c.company_id == company_id)
                .where(visitor_sessions.c.last_heartbeat_at < before)
            )
            if vid not in gone
        ]
        tracking = await self._count(
            select(func.count())
            .select_from(tracking_events)
            .where(tracking_events.c.company_id == company_id)
            .where(tracking_events.c.occurred_at < before)
            .where(tracking_events.c.visitor_id.not_in(old_visitors))
        )
        all_chats = [
            *old_chats,
            *(
                await self._conn.execute(
                    select(chats.c.id).where(chats.c.visitor_id.in_(old_visitors))
                )
            ).scalars(),
        ]
        count_messages = await self._count(
            select(func.count()).select_from(messages).where(messages.c.chat_id.in_(all_chats))
        )
        return Expiry(old_visitors, old_chats, old_sessions, tracking, count_messages)

    async def _count(self, stmt: Any) -> int:
        return int((await self._conn.execute(stmt)).scalar_one())

    async def expire(self, company_id: UUID, before: datetime, expiry: Expiry) -> None:
        keys = [str(c) for c in expiry.chats]
        await self._conn.execute(
            delete(knowledge_questions)
            .where(knowledge_questions.c.company_id == company_id)
            .where(knowledge_questions.c.chat_id.in_(keys))
        )
        for key in keys:
            await self._conn.execute(
                delete(sagas)
                .where(sagas.c.company_id == company_id)
                .where(cast(sagas.c.context, String).like(f"%{key}%"))
            )
        await self._conn.execute(delete(messages).where(messages.c.chat_id.in_(expiry.chats)))
        await self._conn.execute(delete(chats).where(chats.c.id.in_(expiry.chats)))
        await self._conn.execute(
            delete(visitor_sessions).where(visitor_sessions.c.id.in_(expiry.sessions))
        )
        await self._conn.execute(
            delete(tracking_events)
            .where(tracking_events.c.company_id == company_id)
            .where(tracking_events.c.occurred_at < before)
        )

    async def add_consent(self, company_id: UUID, visitor_id: UUID, consent: Consent) -> None:
        await self._conn.execute(
            visitor_consents.insert().values(
                id=consent.id,
                company_id=company_id,
                visitor_id=visitor_id,
                purpose=consent.purpose,
                granted=consent.granted,
                text=consent.text,
                recorded_at=consent.recorded_at,
                language=consent.language,
                source=consent.source,
                chat_id=consent.chat_id,
                email=consent.email,
            )
        )

    async def consents(self, visitor_id: UUID) -> list[Consent]:
        """The latest answer per purpose, newest first: one index look-up per purpose
        (``ix_visitor_consents_visitor``), however many answers the visitor has sent."""
        latest: list[Consent] = []
        for purpose in PURPOSES:
            where = (visitor_consents.c.visitor_id == visitor_id) & (
                visitor_consents.c.purpose == purpose
            )
            latest.extend(await self._consents(where, newest=1))
        return sorted(latest, key=lambda c: c.recorded_at, reverse=True)

    async def consent_history(self, visitor_id: UUID, purpose: str | None) -> list[Consent]:
        """Per purpose, an index range read of its newest answers (one purpose, or each)."""
        answers: list[Consent] = []
        for one in PURPOSES if purpose is None else (purpose,):
            where = (visitor_consents.c.visitor_id == visitor_id) & (
                visitor_consents.c.purpose == one
            )
            answers.extend(await self._consents(where, newest=MAX_CONSENT_HISTORY))
        return answers if purpose is not None else sorted(answers, key=lambda c: c.recorded_at)

    async def _consents(self, where: Any, *, newest: int) -> list[Consent]:
        """At most the ``newest`` answers, oldest first."""
        rows = list(
            await self._conn.execute(
                select(visitor_consents)
                .where(where)
                .order_by(visitor_consents.c.recorded_at.desc())
                .limit(newest)
            )
        )
        rows.reverse()
        return [
            Consent(
                r.purpose,
                r.granted,
                r.text,
                r.recorded_at,
                language=r.language,
                source=r.source,
                chat_id=r.chat_id,
                email=r.email,
                id=r.id,
            )
            for r in rows
        ]

    async def retention_days(self, company_id: UUID) -> int | None:
        days: int | None = await section_value(self._conn, company_id, "privacy", "retention_days")
        return days

    async def set_retention_days(self, company_id: UUID, days: int | None) -> None:
        await set_section_value(self._conn, company_id, "privacy", "retention_days", days)

    async def retention_policies(self) -> list[tuple[UUID, int]]:
        return [
            (cid, int(days))
            for cid, values in await companies_with(self._conn, "privacy")
            if (days := getattr(values, "retention_days", None)) is not None
        ]


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, bytes):
        return None
    return value
