"""Presence and typing: the ephemeral side of real time.

Typing indicators and open-socket counts live in a ``PresenceStore`` (memory or Redis) and are
broadcast without touching the event log: they matter for seconds and would flood it. What
presence *changes*, an agent's status, is a ``commercial.status_changed`` event in the log like
any other, so it is audited, replayed and resumed.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import structlog

from guiders.services.access import Principal
from guiders.services.agents import AgentService
from guiders.services.chats import ChatService
from guiders.services.ports import SYSTEM, PresenceStore, Typing, UnitOfWorkFactory

log = structlog.get_logger(__name__)

Emit = Callable[[str, dict[str, Any], str, str | None], Awaitable[None]]
"""``emit(event, payload, room, skip_socket_id)``: to every node's sockets in the room."""

TYPING_TTL_S = 10.0
SOCKET_TTL_S = 60.0
SWEEP_BATCH = 1000


def _staff_key(principal: Principal) -> str:
    return f"{principal.company_id}:{principal.subject_id}"


def user_type(principal: Principal) -> str:
    if principal.is_visitor:
        return "visitor"
    return "ai" if principal.is_integration else "commercial"


class PresenceService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        store: PresenceStore,
        chats: ChatService,
        agents: AgentService,
        *,
        grace_s: float,
        socket_ttl_s: float = SOCKET_TTL_S,
        sweep: bool = False,
    ) -> None:
        self._uow = uow
        self.store = store
        self._chats = chats
        self._agents = agents
        self._grace_s = grace_s
        self._ttl_s = socket_ttl_s
        self._sweep = sweep
        self.emit: Emit | None = None
        self._local: dict[str, Principal] = {}  # this node's sockets
        self._going_offline: dict[UUID, asyncio.Task[None]] = {}
        self._refresher: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._refresher = asyncio.create_task(self._refresh(), name="presence-refresh")

    async def stop(self) -> None:
        tasks = [t for t in (self._refresher, *self._going_offline.values()) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._refresher = None
        await self.store.close()

    async def _refresh(self) -> None:
        """Keeps this node's sockets counted; if the node dies they expire by themselves."""
        while True:
            await asyncio.sleep(self._ttl_s / 3)
            try:
                await self.store.refresh(
                    [(str(p.subject_id), sid) for sid, p in self._local.items()], self._ttl_s
                )
                now = time.time()
                for key in {_staff_key(p) for p in self._local.values() if p.is_staff}:
                    await self.store.staff_seen(key, now)
                await self.reconcile()
            except Exception:
                log.exception("presence refresh failed; will retry")

    async def reconcile(self) -> int:
        """Agents left online by a node that died: no socket anywhere for longer than the grace
        period (and the socket expiry) -> offline. One node does it per period."""
        if not await self.store.claim("reconcile", self._ttl_s / 3):
            return 0
        now, changed = time.time(), 0
        last_seen = await self.store.staff_last_seen()
        if self._sweep:
            await self._start_clocks(last_seen, now)
        for key, seen in last_seen.items():
            if now - seen < self._grace_s + self._ttl_s:
                continue
            company, user = key.split(":", 1)
            if await self.store.socket_count(user) > 0:
                continue
            change = await self._agents.follow_sockets(
                UUID(company), UUID(user), connected=False, actor=SYSTEM
            )
            changed += change is not None
            await self.store.staff_gone(key)
        return changed

    async def _start_clocks(self, last_seen: dict[str, float], now: float) -> None:
        """Agents whose status is not offline but who have no socket and no clock (a node
        restarted with in-memory presence, a status set over REST): their grace period starts
        now, so the status tells the truth within ``grace + ttl``."""
        async with self._uow() as uow:
            stale = await uow.agents.not_offline(SWEEP_BATCH)
        live = await self.store.connected([str(c.id) for c in stale])
        for agent in stale:
            key = f"{agent.company_id}:{agent.id}"
            if key not in last_seen and str(agent.id) not in live:
                await self.store.staff_seen(key, now)
                last_seen[key] = now

    # -- sockets -------------------------------------------------------------------------

    async def socket_opened(self, principal: Principal, socket_id: str) -> None:
        if principal.is_integration:
            return
        user = str(principal.subject_id)
        self._local[socket_id] = principal
        await self.store.socket_opened(user, socket_id, self._ttl_s)
        if principal.is_staff:
            await self.store.staff_seen(_staff_key(principal), time.time())
            pending = self._going_offline.pop(principal.subject_id, None)
            if pending is not None:
                pending.cancel()
            await self._agents.follow_sockets(
                principal.company_id,
                principal.subject_id,
                connected=True,
                actor=principal.actor,
                role=principal.role,
            )

    async def socket_closed(self, principal: Principal, socket_id: str) -> None:
        if self._local.pop(socket_id, None) is None:
            return
        remaining = await self.store.socket_closed(str(principal.subject_id), socket_id)
        if principal.is_staff:
            await self.store.staff_seen(_staff_key(principal), time.time())
        if principal.is_staff and remaining == 0:
            previous = self._going_offline.pop(principal.subject_id, None)
            if previous is not None:
                previous.cancel()
            self._going_offline[principal.subject_id] = asyncio.create_task(
                self._offline_after_grace(principal)
            )

    def grace_timer(self, user_id: UUID) -> asyncio.Task[None] | None:
        """The pending decision to set this agent offline, if any: a caller (a test, a drain)
        waits for the decision itself rather than for the length of the grace period."""
        return self._going_offline.get(user_id)

    async def _offline_after_grace(self, principal: Principal) -> None:
        try:
            await asyncio.sleep(self._grace_s)
            if await self.store.socket_count(str(principal.subject_id)) == 0:
                await self._agents.follow_sockets(
                    principal.company_id, principal.subject_id, connected=False, actor=SYSTEM
                )
                await self.store.staff_gone(_staff_key(principal))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("presence: could not mark an agent offline")
        finally:
            if self._going_offline.get(principal.subject_id) is asyncio.current_task():
                del self._going_offline[principal.subject_id]

    async def activity(self, socket_id: str) -> None:
        """The client says its user is active: keep this socket counted as present."""
        principal = self._local.get(socket_id)
        if principal is not None:
            await self.store.refresh([(str(principal.subject_id), socket_id)], self._ttl_s)

    async def online(self, user_id: UUID) -> bool:
        return await self.store.socket_count(str(user_id)) > 0

    # -- typing --------------------------------------------------------------------------

    async def typing(
        self,
        principal: Principal,
        chat_id: UUID,
        *,
        started: bool,
        skip_socket: str | None = None,
        checked: bool = False,
    ) -> dict[str, Any]:
        """``checked``: the caller already proved access (a socket in the chat's room)."""
        if not checked:
            await self._chats.get(principal, chat_id)
        now = datetime.now(UTC)
        user = str(principal.subject_id)
        if started:
            await self.store.set_typing(
                str(chat_id), Typing(user, user_type(principal), now), TYPING_TTL_S
            )
        else:
            await self.store.clear_typing(str(chat_id), user)
        payload = {
            "chatId": str(chat_id),
            "userId": user,
            "userType": user_type(principal),
            "isTyping": started,
            "timestamp": now.isoformat(),
        }
        if self.emit is not None:
            name = "typing:start" if started else "typing:stop"
            await self.emit(name, payload, f"chat:{chat_id}", skip_socket)
        return payload

    async def of_chat(self, principal: Principal, chat_id: UUID) -> dict[str, Any]:
        """Who takes part in the chat, whether they are connected, and who is typing."""
        chat = (await self._chats.get(principal, chat_id)).chat
        participants: list[dict[str, Any]] = [
            {
                "userId": str(chat.visitor_id),
                "userType": "visitor",
                "online": await self.online(chat.visitor_id),
            }
        ]
        if chat.assigned_agent_id is not None:
            async with self._uow() as uow:
                agent = await uow.agents.get(chat.assigned_agent_id)
            participants.append(
                {
                    "userId": str(chat.assigned_agent_id),
                    "userType": "commercial",
                    "online": await self.online(chat.assigned_agent_id),
                    "status": agent.status.value if agent else None,
                }
            )
        typing = await self.store.typing(str(chat_id))
        return {
            "chatId": str(chat_id),
            "participants": participants,
            "typing": [
                {"userId": t.user_id, "userType": t.user_type, "since": t.since.isoformat()}
                for t in typing
            ],
            "timestamp": datetime.now(UTC).isoformat(),
        }
