"""Delivery of committed events to this node's sockets, live and on ``resume``.

Every server event comes from a committed domain event on the bus and carries its ``eventId``
and per-company ``seq``. Each process delivers to its own sockets, one socket at a time, so it
can de-duplicate by ``seq`` and hold live events back while a socket replays what it missed;
live delivery and replay both map events through ``targets.outgoing``, so a replayed event is
the same bytes as the live one was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from guiders.domain.events import StoredEvent
from guiders.realtime.ordering import SeqOrder
from guiders.realtime.socket_limits import TokenBucket
from guiders.realtime.targets import Escalation, Outgoing, outgoing
from guiders.realtime.transport import SocketServer
from guiders.services.access import Principal
from guiders.services.handoff_saga import TYPE as ESCALATION_SAGA
from guiders.services.ports import EventFilter, UnitOfWorkFactory

NAMESPACE = "/"
REPLAY_PAGE = 500
VISITOR_REPLAY_WINDOW = 1_000
STAFF_REPLAY_WINDOW = 50_000
"""How far back in the company's log a replay reads: a visitor's events are few among the
company's, and ``lastSeq: 0`` (a new widget) read the whole log to find them, 200,000 events in
over a minute, for any anonymous client, as often as its event budget allowed. Older events
are skipped, the ack says so (``truncated``), and the client reads the state over REST."""
MAX_LIVE_BEFORE_RESUME = 10_000


@dataclass(frozen=True, slots=True)
class Replayed:
    count: int
    truncated: bool
    """Events older than the replay window were skipped: read the state over REST."""


@dataclass
class SocketState:
    principal: Principal
    address: str = ""
    budget: TokenBucket | None = None
    """Events this socket may still send (``socket_limits.py``); None: unlimited."""
    last_seq: int = 0
    replaying: bool = False
    held: list[StoredEvent] = field(default_factory=list)
    live_before_resume: set[int] | None = field(default_factory=set)
    """Seqs sent live before the first replay, so a later ``resume`` does not send them again."""


class Fanout:
    def __init__(
        self, sio: SocketServer, sockets: dict[str, SocketState], uow: UnitOfWorkFactory
    ) -> None:
        self.sio = sio
        self.sockets = sockets
        self._uow = uow
        self._agents: dict[str, dict[str, Any]] = {}
        self.order = SeqOrder(self.deliver, self._read_log, self._log_end)

    async def deliver(self, event: StoredEvent) -> None:
        """Send a committed event (in seq order) to every local socket allowed to see it.

        Each outgoing event is encoded once and queued on all its ready sockets in turn
        (``SocketServer.send_to``: no task per socket); a room's members are looked up once
        per event, not once per socket.
        """
        out = await self._outgoing(event)
        if not out:
            return
        members = [self._members(item.rooms) for item in out]
        ready: list[list[str]] = [[] for _ in out]
        for sid in set().union(*members):
            state = self.sockets.get(sid)
            if state is None or state.principal.company_id != event.company_id:
                continue
            if state.replaying:
                state.held.append(event)
                continue
            if event.seq <= state.last_seq:
                continue
            for index, room_members in enumerate(members):
                if sid in room_members:
                    ready[index].append(sid)
            state.last_seq = event.seq
            if state.live_before_resume is not None:
                state.live_before_resume.add(event.seq)
                if len(state.live_before_resume) > MAX_LIVE_BEFORE_RESUME:
                    state.live_before_resume = None
        for item, sids in zip(out, ready, strict=True):
            if sids:
                # this node's own sockets: never through the Redis manager, which would make
                # every other node look for them too
                await self.sio.send_to(sids, item.name, item.payload)

    def _members(self, rooms: Sequence[str]) -> set[str]:
        return {sid for sid, _ in self.sio.manager.get_participants(NAMESPACE, list(rooms))}

    def in_room(self, sid: str, room: str) -> bool:
        return sid in self.sio.manager.rooms.get(NAMESPACE, {}).get(room, {})

    async def _send(
        self, sid: str, state: SocketState, event: StoredEvent, out: Sequence[Outgoing]
    ) -> bool:
        """One socket (replay, held events); True when something was sent."""
        if event.seq <= state.last_seq:
            return False
        state.last_seq = event.seq
        if state.live_before_resume and event.seq in state.live_before_resume:
            return False
        sent = False
        for item in out:
            if any(self.in_room(sid, room) for room in item.rooms):
                await self.sio.send_to((sid,), item.name, item.payload)
                sent = True
        return sent

    async def replay(self, sid: str, last_seq: int) -> Replayed:
        """Everything after ``last_seq`` this socket may see, in order, then the held live ones;
        no further back than the principal's replay window."""
        state = self.sockets.get(sid)
        if state is None:
            return Replayed(0, False)
        state.replaying = True
        count = 0
        truncated = False
        try:
            window = VISITOR_REPLAY_WINDOW if state.principal.is_visitor else STAFF_REPLAY_WINDOW
            oldest = await self._log_end(state.principal.company_id) - window
            truncated = last_seq < oldest
            state.last_seq = max(last_seq, oldest)
            while True:
                page = await self._read_log(state.principal.company_id, state.last_seq, REPLAY_PAGE)
                for event in page:
                    count += await self._send(sid, state, event, await self._outgoing(event))
                if len(page) < REPLAY_PAGE:
                    break
        finally:
            held, state.held = state.held, []
            state.replaying = False
            state.live_before_resume = None
            for event in sorted(held, key=lambda e: e.seq):
                await self._send(sid, state, event, await self._outgoing(event))
        return Replayed(count, truncated)

    async def _read_log(self, company_id: UUID, after_seq: int, limit: int) -> list[StoredEvent]:
        async with self._uow() as uow:
            return await uow.events.read(
                EventFilter(company_id=company_id, after_seq=after_seq, limit=limit)
            )

    async def _log_end(self, company_id: UUID) -> int:
        async with self._uow() as uow:
            return await uow.events.last_seq(company_id)

    async def _outgoing(self, event: StoredEvent) -> list[Outgoing]:
        agent = None
        agent_id = event.payload.get("agent_id")
        if event.type == "chat.status_changed" and agent_id:
            agent = await self._agent(str(agent_id))
        escalation = None
        if event.type == "chat.agent_requested":
            escalation = await self._escalation(event.payload["chat_id"], None)
        elif event.type == "saga.started" and "chat_id" in event.payload:
            escalation = await self._escalation(event.payload["chat_id"], event.aggregate_id)
        return outgoing(event, agent, escalation)

    async def _escalation(self, chat_id: str, saga_id: UUID | None) -> Escalation | None:
        """The chat's agent (told by name) and, for a hand-off saga, its reason and summary.

        Read from the current state, not the log: who is assigned decides only which
        ``commercial:{id}`` room is named too (the company's staff get the event anyway).
        """
        async with self._uow() as uow:
            chat = await uow.chats.get(UUID(str(chat_id)))
            saga = await uow.sagas.get(saga_id) if saga_id else None
        agent = str(chat.assigned_agent_id) if chat and chat.assigned_agent_id else None
        if saga_id is None:
            return Escalation(agent_id=agent)
        if saga is None or saga.type != ESCALATION_SAGA or chat is None:
            return None
        return Escalation(
            agent_id=agent,
            visitor_id=str(chat.visitor_id),
            reason=saga.context.get("reason"),
            summary=saga.context.get("summary"),
        )

    async def _agent(self, agent_id: str) -> dict[str, Any]:
        """``{id, name, avatarUrl}`` of an assignee, as the wire's ``chat:assigned`` has it."""
        cached = self._agents.get(agent_id)
        if cached is None:
            async with self._uow() as uow:
                found = await uow.agents.get(UUID(agent_id))
            cached = {
                "id": agent_id,
                "name": found.name if found else None,
                "avatarUrl": found.avatar_url if found else None,
            }
            self._agents[agent_id] = cached
        return cached
