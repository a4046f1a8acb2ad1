"""The Socket.IO server: handlers wired to the handshake, the rooms and the fan-out.

It is given only what it uses (:class:`RealtimePorts`, built by the composition root): the bus
it listens to, presence, the few use cases that authorise joins and handshakes, and a unit of
work to read the log for ``resume``. Responsibilities live next door: ``handshake.py`` (who is
connecting), ``rooms.py`` (which rooms, authorised), ``fanout.py`` (live delivery in seq order
and resume), ``targets.py`` (domain events to the wire), ``live_visitors.py``.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import socketio
import structlog

from guiders.domain.errors import GuidersError
from guiders.domain.events import MAX_SEQ, StoredEvent
from guiders.realtime.fanout import Fanout, SocketState
from guiders.realtime.handshake import (
    FailureLimits,
    Handshake,
    check_origin,
    client_address,
    uuid_field,
)
from guiders.realtime.live_visitors import LiveVisitors
from guiders.realtime.page_views import PageViews
from guiders.realtime.rooms import Rooms, refused
from guiders.realtime.socket_limits import SocketCaps, event_budget
from guiders.realtime.targets import tenant_room
from guiders.realtime.transport import SocketServer, release_handshake
from guiders.services.chats import ChatService
from guiders.services.credentials import TokenService
from guiders.services.ports import EventBus, UnitOfWorkFactory
from guiders.services.presence import PresenceService
from guiders.services.staff_standing import STANDING_EVENTS
from guiders.services.visitors import VisitorService

log = structlog.get_logger(__name__)

Handler = Callable[..., Awaitable[Any]]
UNMETERED = frozenset({"connect", "disconnect"})
TYPING_GAP_S = 1.0
"""A socket's typing state is relayed at most once a second while it does not change."""


@dataclass(frozen=True)
class RealtimePorts:
    bus: EventBus
    presence: PresenceService
    tokens: TokenService
    visitors: VisitorService
    chats: ChatService
    uow: UnitOfWorkFactory
    manager: socketio.AsyncManager
    """python-socketio's client manager: in process, or Redis when there are several nodes."""
    max_message_bytes: int = 1_000_000
    """The largest message (or polling body) a client may send (docs/security.md)."""
    secretless_sockets: bool = False
    ping_interval_s: float = 10.0
    ping_timeout_s: float = 10.0
    """Engine.IO's heartbeat on every connection: a tab that vanished without closing its
    socket (a crash, a lost network) is disconnected after at most the sum of the two."""


def refusal(code: str, message: str) -> socketio.exceptions.ConnectionRefusedError:
    """A refused handshake as the client sees it: ``connect_error`` with ``message`` and
    ``data: {error, message}``. Python's own ``ConnectionRefusedError`` (raised here before)
    reached every client as "Connection refused by server", whatever the reason."""
    return socketio.exceptions.ConnectionRefusedError(message, {"error": code, "message": message})


class RealtimeServer:
    def __init__(self, ports: RealtimePorts, limits: FailureLimits | None = None) -> None:
        self.sio = SocketServer(
            async_mode="asgi",
            client_manager=ports.manager,
            cors_allowed_origins=[],
            # explicit, not Engine.IO's 1 MB default: the largest message (or polling body)
            # a client may send; a larger one closes its connection (docs/security.md)
            max_http_buffer_size=ports.max_message_bytes,
            ping_interval=ports.ping_interval_s,
            ping_timeout=ports.ping_timeout_s,
            logger=False,
            engineio_logger=False,
        )
        self.sockets: dict[str, SocketState] = {}
        self.origin_owners: Callable[[str], Awaitable[frozenset[UUID]]] | None = None
        """The companies owning a site host (``api/cors.SiteHosts``); set by ``create_asgi``."""
        self.presence = ports.presence
        self.handshake = Handshake(
            ports.tokens,
            ports.visitors,
            ports.uow,
            secretless_sockets=ports.secretless_sockets,
            limits=limits,
        )
        self.rooms = Rooms(self.sio, self.sockets, ports.chats, ports.visitors)
        self.fanout = Fanout(self.sio, self.sockets, ports.uow)
        self.order = self.fanout.order
        self.live = LiveVisitors()
        self.caps = SocketCaps()
        self.page_views = PageViews(ports.visitors)
        self._typing_sent: dict[str, tuple[str, bool, float]] = {}
        """Per socket: the last typing state relayed (chat, started, when), to bound the rate."""
        ports.bus.subscribe(self.order.push)
        # the bus routes a company's events to this node while it has sockets of it
        self.order.follow = ports.bus.follow
        self.order.unfollow = ports.bus.unfollow
        ports.bus.on_resync(self.order.resync)
        ports.bus.subscribe_node(self._on_standing_changed, STANDING_EVENTS)
        ports.presence.emit = self._emit_to_room
        handlers: dict[str, Handler] = {
            "connect": self.on_connect,
            "disconnect": self.on_disconnect,
            "chat:join": self.rooms.on_chat_join,
            "chat:leave": self.rooms.on_chat_leave,
            "visitor:join": self.rooms.on_visitor_join,
            "tenant:join": self.rooms.on_tenant_join,
            "resume": self.on_resume,
            "ping": self.on_ping,
            "user:activity": self.on_user_activity,
            "typing:start": self.on_typing_start,
            "typing:stop": self.on_typing_stop,
            "visitor:page": self.on_visitor_page,
            "visitors:live": self.on_visitors_live,
        }
        for name, handler in handlers.items():
            self.sio.on(name, handler if name in UNMETERED else self._metered(handler))

    def _metered(self, handler: Handler) -> Handler:
        """The handler behind the socket's event budget: past it, a constant-time refusal."""

        async def metered(sid: str, *args: Any) -> Any:
            state = self.sockets.get(sid)
            if state is not None and state.budget is not None and not state.budget.take():
                return {**refused("Too many events; slow down"), "error": "rate_limited"}
            return await handler(sid, *args)

        return metered

    # -- connection ----------------------------------------------------------------------

    async def on_connect(
        self, sid: str, environ: dict[str, Any], auth: dict[str, Any] | None
    ) -> None:
        auth = auth if isinstance(auth, dict) else {}
        address = client_address(environ)
        try:
            principal = await self.handshake.authenticate(auth, environ)
            await check_origin(principal, environ, self.origin_owners)
        except GuidersError as exc:
            raise refusal(exc.code, exc.message) from exc
        finally:
            release_handshake(environ)
        too_many = self.caps.admit(principal, address)
        if too_many is not None:
            raise refusal("rate_limited", too_many)
        try:
            await self.order.track(principal.company_id)
        except BaseException:
            self.caps.release(principal, address)
            raise
        self.sockets[sid] = SocketState(principal, address, event_budget(principal))
        await self.rooms.enter_defaults(sid, principal)
        if principal.is_visitor:
            visit = self.live.arrive(sid, principal.subject_id, principal.company_id, auth)
            await self._announce("visitor:online", visit.company_id, visit.to_payload())
            await self.page_views.record(sid, principal, visit.url, visit.title)
        last_seq = auth.get("lastSeq")
        if isinstance(last_seq, int) and 0 <= last_seq <= MAX_SEQ:
            await self.fanout.replay(sid, last_seq)
        try:  # after the rooms, so an agent's own console sees them go online
            await self.presence.socket_opened(principal, sid)
        except Exception:
            log.exception("presence not recorded for a new socket")

    async def on_disconnect(self, sid: str, *_: Any) -> None:
        state = self.sockets.pop(sid, None)
        self.page_views.forget(sid)
        self._typing_sent.pop(sid, None)
        if state is not None:
            self.caps.release(state.principal, state.address)
            self.order.untrack(state.principal.company_id)
            try:
                await self.presence.socket_closed(state.principal, sid)
            except Exception:
                log.exception("presence not recorded for a closed socket")
        gone = self.live.leave(sid)
        if gone is not None:
            await self._announce("visitor:offline", gone.company_id, gone.to_payload())

    async def _on_standing_changed(self, event: StoredEvent) -> None:
        """A member deactivated or given another role: their open sockets are closed (after a
        ``session:revoked`` saying why); a reconnect is checked against the new standing."""
        before, after = event.payload.get("before") or {}, event.payload.get("after") or {}
        if all(before.get(k) == after.get(k) for k in ("role", "active")):
            return
        reason = "deactivated" if after.get("active") is False else "role_changed"
        for sid, state in list(self.sockets.items()):
            principal = state.principal
            if principal.is_staff and principal.subject_id == event.aggregate_id:
                await self.sio.emit("session:revoked", {"reason": reason}, to=sid)
                await self.sio.disconnect(sid)

    async def on_resume(self, sid: str, data: Any) -> dict[str, Any]:
        last_seq = data.get("lastSeq") if isinstance(data, dict) else None
        if not isinstance(last_seq, int) or not 0 <= last_seq <= MAX_SEQ:
            return refused("lastSeq must be a non-negative integer")
        replayed = await self.fanout.replay(sid, last_seq)
        if replayed.truncated:
            return {"success": True, "replayed": replayed.count, "truncated": True}
        return {"success": True, "replayed": replayed.count}

    # -- live visitors (ephemeral, like typing) -----------------------------------------

    async def on_visitor_page(self, sid: str, data: Any) -> dict[str, Any]:
        """The widget reports a page change: ``{currentUrl, title}``."""
        state = self.sockets.get(sid)
        if state is None or not state.principal.is_visitor:
            return refused("Only a visitor reports their page")
        before = self.live.page_of(sid)
        visit = self.live.move(sid, data)
        if visit is not None and (visit.url, visit.title) != before:
            await self._announce("visitor:page", visit.company_id, visit.to_payload())
            await self.page_views.record(sid, state.principal, visit.url, visit.title)
        return {"success": True}

    async def on_visitors_live(self, sid: str, *_: Any) -> dict[str, Any]:
        """Staff and keys: the company's visitors on the site now (this process's sockets)."""
        state = self.sockets.get(sid)
        if state is None or state.principal.is_visitor:
            return refused("Only staff and integration keys see live visitors")
        visits = self.live.of_company(state.principal.company_id)
        return {"success": True, "visitors": [v.to_payload() for v in visits]}

    async def _announce(self, name: str, company_id: UUID, payload: dict[str, Any]) -> None:
        await self.sio.emit(name, payload, room=tenant_room(company_id))

    # -- presence and typing -------------------------------------------------------------

    async def on_ping(self, sid: str, *_: Any) -> dict[str, Any]:
        """A client's heartbeat: keeps this connection (only this one) counted as present."""
        if sid in self.sockets:
            await self.presence.activity(sid)
        return {"success": True, "timestamp": datetime.now(UTC).isoformat()}

    async def on_user_activity(self, sid: str, *_: Any) -> dict[str, Any]:
        if sid not in self.sockets:
            return refused("Not connected")
        await self.presence.activity(sid)
        return {"success": True, "timestamp": datetime.now(UTC).isoformat()}

    async def on_typing_start(self, sid: str, data: Any) -> dict[str, Any]:
        return await self._typing(sid, data, True)

    async def on_typing_stop(self, sid: str, data: Any) -> dict[str, Any]:
        return await self._typing(sid, data, False)

    async def _typing(self, sid: str, data: Any, started: bool) -> dict[str, Any]:
        """Ephemeral: not logged, relayed to the others in the chat's room on every node."""
        state = self.sockets.get(sid)
        chat_id = uuid_field(data, "chatId")
        if state is None or chat_id is None:
            return refused("chatId is required")
        if not self.fanout.in_room(sid, f"chat:{chat_id}"):
            return refused("Join the chat first")
        now = time.monotonic()
        last = self._typing_sent.get(sid)
        if (
            last is not None
            and last[:2] == (str(chat_id), started)
            and now - last[2] < TYPING_GAP_S
        ):
            return {"success": True}  # the same state again within the gap: not relayed
        self._typing_sent[sid] = (str(chat_id), started, now)
        await self.presence.typing(
            state.principal, chat_id, started=started, skip_socket=sid, checked=True
        )
        return {"success": True}

    async def _emit_to_room(
        self, name: str, payload: dict[str, Any], room: str, skip_sid: str | None
    ) -> None:
        """Ephemeral events go through the client manager, so Redis carries them to every node."""
        await self.sio.emit(name, payload, room=room, skip_sid=skip_sid)
