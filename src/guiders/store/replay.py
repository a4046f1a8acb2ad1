"""Rebuild the current-state tables from the event log and compare them with the live ones.

The projection runs the aggregates' own ``apply`` over their stored events, writes the result
through the same repositories into a scratch SQLite database, and diffs table by table. Columns
that change without an event (heartbeats, last-seen times) are ephemeral by design and skipped.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import Table, select

from guiders.domain.agent import Agent
from guiders.domain.analysis import Analysis, Conversion
from guiders.domain.chat import Chat
from guiders.domain.events import DomainEvent, StoredEvent
from guiders.domain.message import Message
from guiders.domain.visitor import PageCategory, TrackingEvent, Visitor, VisitorSession
from guiders.store.agents import SqlAgentRepository
from guiders.store.analyses import SqlAnalysisRepository
from guiders.store.chats import SqlChatRepository
from guiders.store.database import Database
from guiders.store.event_log import opened_events
from guiders.store.messages import SqlMessageRepository
from guiders.store.tables import (
    agents,
    chats,
    events,
    messages,
    tracking_events,
    visitor_analyses,
    visitor_conversions,
    visitor_sessions,
    visitors,
)
from guiders.store.visitors import SqlVisitorRepository

EPHEMERAL: dict[str, set[str]] = {
    "visitors": {"last_seen_at"},
    "visitor_sessions": {"last_heartbeat_at", "current_url"},
}
COMPARED: list[Table] = [
    chats,
    messages,
    visitors,
    visitor_sessions,
    tracking_events,
    agents,
    visitor_analyses,
    visitor_conversions,
]


async def history(db: Database, aggregate_id: UUID) -> list[StoredEvent]:
    async with db.engine.connect() as conn:
        rows = await conn.execute(
            select(events)
            .where(events.c.aggregate_id == aggregate_id)
            .order_by(events.c.version, events.c.seq)
        )
        return await opened_events(conn, db.visitor_keys, [r._mapping for r in rows])


@dataclass
class Projection:
    chats: dict[UUID, Chat] = field(default_factory=dict)
    messages: dict[UUID, Message] = field(default_factory=dict)
    visitors: dict[UUID, Visitor] = field(default_factory=dict)
    sessions: dict[UUID, VisitorSession] = field(default_factory=dict)
    tracking: list[TrackingEvent] = field(default_factory=list)
    agents: dict[UUID, Agent] = field(default_factory=dict)
    analyses: dict[UUID, Analysis] = field(default_factory=dict)
    conversions: list[Conversion] = field(default_factory=list)

    def apply(self, stored: StoredEvent) -> None:
        event = DomainEvent(
            type=stored.type,
            aggregate_type=stored.aggregate_type,
            aggregate_id=stored.aggregate_id,
            company_id=stored.company_id,
            payload=stored.payload,
            occurred_at=stored.occurred_at,
            version=stored.version,
        )
        kind, p = stored.aggregate_type, stored.payload
        if kind == "privacy" and event.type == "privacy.retention_applied":
            self.expire(p)
        elif kind == "chat":
            if event.type == "chat.created":
                self.chats[event.aggregate_id] = Chat.from_created(event)
                return
            chat = self.chats[event.aggregate_id]
            chat.apply(event)
            chat.version = event.version
            if event.type == "message.sent":
                message = Message.from_facts(event.company_id, p)
                self.messages[message.id] = message
            elif event.type == "message.read":
                for mid in p["message_ids"]:
                    self.messages[UUID(mid)].read_at = event.occurred_at
        elif kind == "visitor":
            if event.type == "visitor.erased":
                self.erase(event.aggregate_id)
                return
            if event.type == "visitor.registered":
                self.visitors[event.aggregate_id] = Visitor.from_registered(event)
                return
            visitor = self.visitors[event.aggregate_id]
            visitor.apply(event)
            visitor.version = event.version
            if event.type == "visitor.session_started":
                sid = UUID(p["session_id"])
                self.sessions[sid] = VisitorSession(
                    id=sid,
                    visitor_id=visitor.id,
                    company_id=visitor.company_id,
                    started_at=event.occurred_at,
                    last_heartbeat_at=event.occurred_at,
                    current_url=p.get("current_url"),
                )
            elif event.type == "visitor.session_ended":
                self.sessions[UUID(p["session_id"])].ended_at = event.occurred_at
            elif event.type == "visitor.activity_tracked":
                self.tracking.extend(_tracking(visitor, raw) for raw in p["events"])
            elif event.type == "visitor.analyzed":
                self.analyses[visitor.id] = Analysis.from_event(
                    visitor.id, visitor.company_id, p, event.occurred_at
                )
            elif event.type == "visitor.converted":
                self.conversions.append(
                    Conversion.from_event(visitor.id, visitor.company_id, p, event.occurred_at)
                )
        elif kind == "commercial":
            if event.type == "commercial.created":
                self.agents[event.aggregate_id] = Agent.from_created(event)
                return
            agent = self.agents[event.aggregate_id]
            agent.apply(event)
            agent.version = event.version

    def erase(self, visitor_id: UUID) -> None:
        """``visitor.erased``: the visitor and everything of theirs leave the projection, as
        they left the tables (their sealed facts before it read as erased anyway)."""
        self.visitors.pop(visitor_id, None)
        gone = {cid for cid, chat in self.chats.items() if chat.visitor_id == visitor_id}
        for cid in gone:
            del self.chats[cid]
        self.messages = {k: m for k, m in self.messages.items() if m.chat_id not in gone}
        self.sessions = {k: s for k, s in self.sessions.items() if s.visitor_id != visitor_id}
        self.tracking = [t for t in self.tracking if t.visitor_id != visitor_id]
        self.analyses.pop(visitor_id, None)
        self.conversions = [c for c in self.conversions if c.visitor_id != visitor_id]

    def expire(self, p: dict[str, Any]) -> None:
        """``privacy.retention_applied``: the chats, sessions and tracking it deleted."""
        chats_gone = {UUID(c) for c in p.get("chats", [])}
        sessions_gone = {UUID(s) for s in p.get("sessions", [])}
        before = datetime.fromisoformat(p["before"])
        for cid in chats_gone:
            self.chats.pop(cid, None)
        self.messages = {k: m for k, m in self.messages.items() if m.chat_id not in chats_gone}
        self.sessions = {k: s for k, s in self.sessions.items() if k not in sessions_gone}
        self.tracking = [t for t in self.tracking if t.occurred_at >= before]


def _tracking(visitor: Visitor, raw: dict[str, Any]) -> TrackingEvent:
    return TrackingEvent(
        id=UUID(raw["id"]),
        visitor_id=visitor.id,
        company_id=visitor.company_id,
        session_id=UUID(raw["session_id"]) if raw.get("session_id") else None,
        type=raw["type"],
        occurred_at=datetime.fromisoformat(raw["occurred_at"]),
        url=raw.get("url"),
        page_category=PageCategory(raw["page_category"]) if raw.get("page_category") else None,
        duration_ms=raw.get("duration_ms"),
        metadata=raw.get("metadata") or None,
    )


@dataclass
class ReplayReport:
    events: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    differences: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(self.differences.values())

    def lines(self) -> list[str]:
        out = [f"replayed {self.events} events"]
        for table, count in self.rows.items():
            diffs = self.differences.get(table, [])
            out.append(
                f"  {table:<18} {count:>7} rows  "
                + ("identical" if not diffs else f"{len(diffs)} DIFFERENCES")
            )
            out.extend(f"    {d}" for d in diffs[:20])
        out.append(
            "OK: the log rebuilds the current state"
            if self.ok
            else "MISMATCH: the current state differs from the log"
        )
        return out


async def replay_and_compare(
    db: Database,
    *,
    batch: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> ReplayReport:
    report = ReplayReport()
    projection = Projection()
    async with db.engine.connect() as conn:
        result = await conn.stream(select(events).order_by(events.c.company_id, events.c.seq))
        async for rows in result.mappings().partitions(500):
            for event in await opened_events(conn, db.visitor_keys, rows):
                projection.apply(event)
                report.events += 1
                if progress and report.events % batch == 0:
                    progress(report.events)
    with tempfile.TemporaryDirectory() as tmp:
        # credentials are not in the log, so rows referencing them cannot satisfy FKs here
        scratch = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'replay.db'}", foreign_keys=False)
        try:
            await scratch.create_schema()
            await _write(scratch, projection)
            for table in COMPARED:
                live = await _rows(db, table)
                rebuilt = await _rows(scratch, table)
                report.rows[table.name] = len(live)
                report.differences[table.name] = _diff(table.name, live, rebuilt)
        finally:
            await scratch.dispose()
    return report


async def _write(scratch: Database, p: Projection) -> None:
    async with scratch.engine.begin() as conn:
        visitor_repo = SqlVisitorRepository(conn)
        for visitor in p.visitors.values():
            await visitor_repo.add(visitor)
        for session in p.sessions.values():
            await visitor_repo.add_session(session)
        await visitor_repo.add_tracking(p.tracking)
        agent_repo = SqlAgentRepository(conn)
        for agent in p.agents.values():
            await agent_repo.add(agent)
        chat_repo = SqlChatRepository(conn)
        for chat in p.chats.values():
            await chat_repo.add(chat)
        message_repo = SqlMessageRepository(conn)
        for message in p.messages.values():
            await message_repo.add(message)
        analysis_repo = SqlAnalysisRepository(conn)
        for analysis in p.analyses.values():
            await analysis_repo.save(analysis)
        for conversion in p.conversions:
            await analysis_repo.add_conversion(conversion)


async def _rows(db: Database, table: Table) -> dict[str, dict[str, Any]]:
    skip = EPHEMERAL.get(table.name, set())
    key = next(iter(table.primary_key.columns)).name
    async with db.engine.connect() as conn:
        rows = await conn.execute(select(table))
        return {
            str(r._mapping[key]): {k: _normal(v) for k, v in r._mapping.items() if k not in skip}
            for r in rows
        }


def _normal(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, default=str)
    if isinstance(value, UUID):
        return str(value)
    return value


def _diff(
    name: str, live: dict[str, dict[str, Any]], rebuilt: dict[str, dict[str, Any]]
) -> list[str]:
    diffs = [f"{name} {k}: in the tables, not in the log" for k in live.keys() - rebuilt.keys()]
    diffs += [f"{name} {k}: in the log, not in the tables" for k in rebuilt.keys() - live.keys()]
    for k in live.keys() & rebuilt.keys():
        for column, value in live[k].items():
            if rebuilt[k].get(column) != value:
                diffs.append(f"{name} {k}.{column}: table={value!r} log={rebuilt[k].get(column)!r}")
    return diffs
