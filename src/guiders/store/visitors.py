"""Visitors, their sessions and tracking events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from guiders.domain.visitor import (
    Lifecycle,
    PageCategory,
    TrackingEvent,
    Visitor,
    VisitorSession,
)
from guiders.services.ports import VisitorRepository
from guiders.store.tables import tracking_events, visitor_sessions, visitors

_FIELDS = (
    "site_id",
    "fingerprint",
    "name",
    "email",
    "phone",
    "user_agent",
    "source",
    "campaign",
    "time_zone",
    "location",
    "current_url",
    "referrer",
    "consent_version",
    "consented_at",
    "email_consent_at",
    "created_at",
    "last_seen_at",
    "version",
)


class SqlVisitorRepository(VisitorRepository):
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, visitor: Visitor) -> None:
        await self._conn.execute(visitors.insert().values(id=visitor.id, **_values(visitor)))

    async def get(self, visitor_id: UUID, *, for_update: bool = False) -> Visitor | None:
        stmt = select(visitors).where(visitors.c.id == visitor_id)
        if for_update and self._conn.dialect.name == "postgresql":
            # FOR NO KEY UPDATE: rows that merely reference the visitor (a new chat, a
            # tracking event) take KEY SHARE and are not held up by it. SQLite needs no lock:
            # its transactions begin IMMEDIATE and so already run one at a time.
            stmt = stmt.with_for_update(key_share=True)
        row = (await self._conn.execute(stmt)).first()
        return visitor_from_row(row._mapping) if row else None

    async def by_fingerprint(self, site_id: UUID, fingerprint: str) -> Visitor | None:
        row = (
            await self._conn.execute(
                select(visitors)
                .where(visitors.c.site_id == site_id, visitors.c.fingerprint == fingerprint)
                .order_by(visitors.c.created_at)
                .limit(1)
            )
        ).first()
        return visitor_from_row(row._mapping) if row else None

    async def save(self, visitor: Visitor) -> None:
        await self._conn.execute(
            update(visitors).where(visitors.c.id == visitor.id).values(**_values(visitor))
        )

    async def touch(self, visitor_id: UUID, at: datetime) -> None:
        await self._conn.execute(
            update(visitors).where(visitors.c.id == visitor_id).values(last_seen_at=at)
        )

    async def add_session(self, session: VisitorSession) -> None:
        await self._conn.execute(visitor_sessions.insert().values(**_session_values(session)))

    async def get_session(self, session_id: UUID) -> VisitorSession | None:
        row = (
            await self._conn.execute(
                select(visitor_sessions).where(visitor_sessions.c.id == session_id)
            )
        ).first()
        return _session(row._mapping) if row else None

    async def save_session(self, session: VisitorSession) -> None:
        values = _session_values(session)
        del values["id"]
        await self._conn.execute(
            update(visitor_sessions).where(visitor_sessions.c.id == session.id).values(**values)
        )

    async def sessions(self, visitor_id: UUID, limit: int) -> list[VisitorSession]:
        stmt = (
            select(visitor_sessions)
            .where(visitor_sessions.c.visitor_id == visitor_id)
            .order_by(visitor_sessions.c.started_at.desc())
            .limit(limit)
        )
        return [_session(r._mapping) for r in await self._conn.execute(stmt)]

    async def add_tracking(self, events: Sequence[TrackingEvent]) -> None:
        if events:
            await self._conn.execute(
                tracking_events.insert(), [_tracking_values(e) for e in events]
            )

    async def tracking(self, visitor_id: UUID, limit: int) -> list[TrackingEvent]:
        stmt = (
            select(tracking_events)
            .where(tracking_events.c.visitor_id == visitor_id)
            .order_by(tracking_events.c.occurred_at.desc())
            .limit(limit)
        )
        return [_tracking(r._mapping) for r in await self._conn.execute(stmt)]


def _values(v: Visitor) -> dict[str, Any]:
    values = {name: getattr(v, name) for name in _FIELDS}
    values["company_id"] = v.company_id
    values["lifecycle"] = v.lifecycle.value
    return values


def visitor_from_row(r: Any) -> Visitor:
    visitor = Visitor(
        id=r["id"],
        company_id=r["company_id"],
        lifecycle=Lifecycle(r["lifecycle"]),
        **{name: r[name] for name in _FIELDS if name != "version"},
    )
    visitor.version = r["version"]
    return visitor


def _session_values(s: VisitorSession) -> dict[str, Any]:
    return {
        "id": s.id,
        "visitor_id": s.visitor_id,
        "company_id": s.company_id,
        "started_at": s.started_at,
        "last_heartbeat_at": s.last_heartbeat_at,
        "ended_at": s.ended_at,
        "current_url": s.current_url,
    }


def _session(r: Any) -> VisitorSession:
    return VisitorSession(
        id=r["id"],
        visitor_id=r["visitor_id"],
        company_id=r["company_id"],
        started_at=r["started_at"],
        last_heartbeat_at=r["last_heartbeat_at"],
        ended_at=r["ended_at"],
        current_url=r["current_url"],
    )


def _tracking_values(e: TrackingEvent) -> dict[str, Any]:
    return {
        "id": e.id,
        "visitor_id": e.visitor_id,
        "company_id": e.company_id,
        "session_id": e.session_id,
        "type": e.type,
        "url": e.url,
        "page_category": e.page_category.value if e.page_category else None,
        "duration_ms": e.duration_ms,
        "metadata": e.metadata,
        "occurred_at": e.occurred_at,
    }


def _tracking(r: Any) -> TrackingEvent:
    return TrackingEvent(
        id=r["id"],
        visitor_id=r["visitor_id"],
        company_id=r["company_id"],
        session_id=r["session_id"],
        type=r["type"],
        url=r["url"],
        page_category=PageCategory(r["page_category"]) if r["page_category"] else None,
        duration_ms=r["duration_ms"],
        metadata=r["metadata"],
        occurred_at=r["occurred_at"],
    )
