"""The Socket.IO server: authenticated handshake, authorised rooms, fan-out and resume.

Every server event comes from a committed domain event on the bus, and carries its ``eventId``
and per-company ``seq``. Each process delivers to its own sockets, one socket at a time, so it can
de-duplicate by ``seq`` and hold live events back while a socket replays what it missed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from typing import Any, Protocol
from urllib.parse import urlsplit
from uuid import UUID

import socketio
import structlog

from guiders.config import Settings
from guiders.domain.errors import Forbidden, GuidersError, RateLimited, Unauthenticated
from guiders.domain.events import MAX_SEQ, StoredEvent
from guiders.realtime.live_visitors import LiveVisitors
from guiders.realtime.ordering import SeqOrder
from guiders.realtime.targets import Outgoing, outgoing, staff_chat_room, tenant_room
from guiders.realtime.transport import SocketServer, release_handshake
from guiders.runtime import Runtime
from guiders.services.access import Principal
from guiders.services.ports import EventFilter
from guiders.services.visitors import visitor_principal

log = structlog.get_logger(__name__)


class FailureAllowance(Protocol):
    allowed: bool
    limit: int
    retry_after_s: float


class FailureLimits(Protocol):
    """Failed credentials per client address, shared with the REST edge (``api/ratelimit.py``
    implements it; the composition in ``api/app.py`` passes the same instance)."""

    async def failures_allowed(self, address: str) -> FailureAllowance: ...
    async def record_failure(self, address: str) -> None: ...


def client_address(scope: dict[str, Any]) -> str:
    """The client's address as the outermost middleware left it (trusted proxies applied,
    ``api/client_address.py``)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


NAMESPACE = "/"
REPLAY_PAGE = 500
MAX_LIVE_BEFORE_RESUME = 10_000


@dataclass
class SocketState:
    principal: Principal
    last_seq: int = 0
    replaying: bool = False
    held: list[StoredEvent] = field(default_factory=list)
    live_before_resume: set[int] | None = field(default_factory=set)
    """Seqs sent live before the first replay, so a later ``resume`` does not send them again."""


class RealtimeServer:
    def __init__(self, runtime: Runtime, limits: FailureLimits | None = None) -> None:
        self.runtime = runtime
        self.limits = limits
        """The HTTP API's: a failed handshake counts against its address's failed-credential
        limit, and past it only what needs no database is checked (``api/ratelimit.py``)."""
        self.sio = SocketServer(
            async_mode="asgi",
            client_manager=client_manager(runtime.settings),
            cors_allowed_origins=[],
            # explicit, not Engine.IO's 1 MB default: the largest message (or polling body)
            # a client may send; a larger one closes its connection (docs/security.md)
            max_http_buffer_size=runtime.settings.socket_max_message_bytes,
            logger=False,
            engineio_logger=False,
        )
        self.sockets: dict[str, SocketState] = {}
        self.origin_owners: Callable[[str], Awaitable[frozenset[UUID]]] | None = None
        """The companies owning a site host (``api/cors.SiteHosts``); set by ``create_asgi``."""
        self._commercials: dict[str, dict[str, Any]] = {}
        self.live = LiveVisitors()
        self.order = SeqOrder(self.deliver, self._read_log, self._log_end)
        runtime.bus.subscribe(self.order.push)
        runtime.presence.emit = self._emit_to_room
        handlers = {
            "connect": self.on_connect,
            "disconnect": self.on_disconnect,
            "chat:join": self.on_chat_join,
            "chat:leave": self.on_chat_leave,
            "visitor:join": self.on_visitor_join,
            "tenant:join": self.on_tenant_join,
            "resume": self.on_resume,
            "ping": self.on_ping,
            "user:activity": self.on_user_activity,
            "typing:start": self.on_typing_start,
            "typing:stop": self.on_typing_stop,
            "visitor:page": self.on_visitor_page,
            "visitors:live": self.on_visitors_live,
        }
        for name, handler in handlers.items():
            self.sio.on(name, handler)

    # -- handshake -----------------------------------------------------------------------

    async def on_connect(
        self, sid: str, environ: dict[str, Any], auth: dict[str, Any] | None
    ) -> None:
        auth = auth if isinstance(auth, dict) else {}
        try:
            principal = await self._authenticate(auth, environ)
            await self._check_origin(principal, environ)
        except GuidersError as exc:
            raise ConnectionRefusedError({"error": exc.code, "message": exc.message}) from exc
        finally:
            release_handshake(environ)
        await self.order.track(principal.company_id)
        self.sockets[sid] = SocketState(principal)
        for room in default_rooms(principal):
            await self.sio.enter_room(sid, room)
        if principal.is_visitor:
            visit = self.live.arrive(sid, principal.subject_id, principal.company_id, auth)
            await self._announce("visitor:online", visit.company_id, visit.to_payload())
        last_seq = auth.get("lastSeq")
        if isinstance(last_seq, int) and 0 <= last_seq <= MAX_SEQ:
            await self.replay(sid, last_seq)
        try:  # after the rooms, so an agent's own console sees them go online
            await self.runtime.presence.socket_opened(principal, sid)
        except Exception:
            log.exception("presence not recorded for a new socket")

    async def _authenticate(self, auth: dict[str, Any], environ: dict[str, Any]) -> Principal:
        if self.limits is None:
            found = await self._credential(auth, environ, offline=False)
            assert found is not None
            return found
        address = client_address(environ.get("asgi.scope") or {})
        allowed = await self.limits.failures_allowed(address)
        try:
            principal = await self._credential(auth, environ, offline=not allowed.allowed)
        except Unauthenticated:
            await self.limits.record_failure(address)
            raise
        if principal is None:
            raise RateLimited(
                "Too many failed credentials from this address; slow down",
                retry_after=allowed.retry_after_s,
                limit=allowed.limit,
            )
        return principal

    async def _credential(
        self, auth: dict[str, Any], environ: dict[str, Any], *, offline: bool
    ) -> Principal | None:
        """``None`` when ``offline`` and the credential needs a database look-up."""
        services = self.runtime.services
        token = auth.get("token")
        if isinstance(token, str) and token:
            if offline:
                return services.tokens.authenticate_offline(token)
            return await services.tokens.authenticate(token)
        session = auth.get("sessionId") or _cookie(environ, "x-guiders-sid")
        if isinstance(session, str) and session:
            try:
                session_id = UUID(session)
            except ValueError as exc:
                raise Unauthenticated("The session id is not valid") from exc
            return None if offline else await services.visitors.session_principal(session_id)
        if self.runtime.settings.sdk_secretless_sockets:
            visitor = _uuid(auth, "visitorId")
            tenant = _uuid(auth, "tenantId")
            if visitor is not None and tenant is not None:
                return None if offline else await self._secretless_visitor(visitor, tenant)
        raise Unauthenticated("No credential in the handshake: send auth {token}")

    async def _check_origin(self, principal: Principal, environ: dict[str, Any]) -> None:
        """A socket opened from a page of another company's site is refused, as CORS refuses
        its HTTP requests (``api/cors.py``): the credential's company must own the origin."""
        origin = environ.get("HTTP_ORIGIN")
        if not origin or self.origin_owners is None:
            return
        parts = urlsplit(origin)
        served_as = {
            environ.get("HTTP_HOST", "").lower(),
            environ.get("HTTP_X_FORWARDED_HOST", "").lower(),
        }
        if parts.netloc.lower() in served_as or not parts.hostname:
            return
        if principal.company_id not in await self.origin_owners(parts.hostname):
            raise Forbidden("This origin is not one of the company's sites")

    async def _secretless_visitor(self, visitor_id: UUID, tenant_id: UUID) -> Principal:
        """The SDK's ``{visitorId, tenantId}``: anyone who knows a visitor id is that visitor,
        hence off unless ``GUIDERS_SDK_SECRETLESS_SOCKETS`` is on."""
        async with self.runtime.services.uow() as uow:
            visitor = await uow.visitors.get(visitor_id)
        if visitor is None or visitor.company_id != tenant_id:
            raise Unauthenticated("Unknown visitor for this tenant")
        return visitor_principal(visitor)

    async def on_disconnect(self, sid: str, *_: Any) -> None:
        state = self.sockets.pop(sid, None)
        if state is not None:
            self.order.untrack(state.principal.company_id)
            try:
                await self.runtime.presence.socket_closed(state.principal, sid)
            except Exception:
                log.exception("presence not recorded for a closed socket")
        gone = self.live.leave(sid)
        if gone is not None:
            await self._announce("visitor:offline", gone.company_id, gone.to_payload())

    # -- live visitors (ephemeral, like typing) -----------------------------------------

    async def on_visitor_page(self, sid: str, data: Any) -> dict[str, Any]:
        """The widget reports a page change: ``{currentUrl, title}``."""
        state = self.sockets.get(sid)
        if state is None or not state.principal.is_visitor:
            return refused("Only a visitor reports their page")
        visit = self.live.move(sid, data)
        if visit is not None:
            await self._announce("visitor:page", visit.company_id, visit.to_payload())
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

    # -- rooms ---------------------------------------------------------------------------

    async def on_chat_join(self, sid: str, data: Any) -> dict[str, Any]:
        state = self.sockets.get(sid)
        chat_id = _uuid(data, "chatId")
        if state is None or chat_id is None:
            return refused("chatId is required")
        try:
            await self.runtime.services.chats.get(state.principal, chat_id)
        except GuidersError as exc:
            return refused(exc.message)
        await self.sio.enter_room(sid, f"chat:{chat_id}")
        if not state.principal.is_visitor:
            await self.sio.enter_room(sid, staff_chat_room(chat_id))
        return {"success": True, "room": f"chat:{chat_id}"}

    async def on_chat_leave(self, sid: str, data: Any) -> dict[str, Any]:
        chat_id = _uuid(data, "chatId")
        if chat_id is None:
            return refused("chatId is required")
        await self.sio.leave_room(sid, f"chat:{chat_id}")
        await self.sio.leave_room(sid, staff_chat_room(chat_id))
        return {"success": True}

    async def on_visitor_join(self, sid: str, data: Any) -> dict[str, Any]:
        state = self.sockets.get(sid)
        visitor_id = _uuid(data, "visitorId")
        if state is None or visitor_id is None:
            return refused("visitorId is required")
        try:
            await self.runtime.services.visitors.profile(state.principal, visitor_id)
        except GuidersError as exc:
            return refused(exc.message)
        await self.sio.enter_room(sid, f"visitor:{visitor_id}")
        return {"success": True, "room": f"visitor:{visitor_id}"}

    async def on_tenant_join(self, sid: str, data: Any) -> dict[str, Any]:
        state = self.sockets.get(sid)
        tenant = _uuid(data, "tenantId") or _uuid(data, "companyId")
        if state is None or tenant is None:
            return refused("tenantId is required")
        if state.principal.is_visitor or state.principal.company_id != tenant:
            return refused("Not allowed to join this tenant's room")
        await self.sio.enter_room(sid, tenant_room(tenant))
        return {"success": True, "room": tenant_room(tenant)}

    async def on_ping(self, sid: str, *_: Any) -> dict[str, Any]:
        return {"success": True, "timestamp": datetime.now(UTC).isoformat()}

    async def on_user_activity(self, sid: str, *_: Any) -> dict[str, Any]:
        if sid not in self.sockets:
            return refused("Not connected")
        await self.runtime.presence.activity(sid)
        return {"success": True, "timestamp": datetime.now(UTC).isoformat()}

    async def on_typing_start(self, sid: str, data: Any) -> dict[str, Any]:
        return await self._typing(sid, data, True)

    async def on_typing_stop(self, sid: str, data: Any) -> dict[str, Any]:
        return await self._typing(sid, data, False)

    async def _typing(self, sid: str, data: Any, started: bool) -> dict[str, Any]:
        """Ephemeral: not logged, relayed to the others in the chat's room on every node."""
        state = self.sockets.get(sid)
        chat_id = _uuid(data, "chatId")
        if state is None or chat_id is None:
            return refused("chatId is required")
        if not self._in_room(sid, f"chat:{chat_id}"):
            return refused("Join the chat first")
        await self.runtime.presence.typing(
            state.principal, chat_id, started=started, skip_socket=sid, checked=True
        )
        return {"success": True}

    async def _emit_to_room(
        self, name: str, payload: dict[str, Any], room: str, skip_sid: str | None
    ) -> None:
        """Ephemeral events go through the client manager, so Redis carries them to every node."""
        await self.sio.emit(name, payload, room=room, skip_sid=skip_sid)

    # -- delivery ------------------------------------------------------------------------

    async def deliver(self, event: StoredEvent) -> None:
        """Bus handler: send a committed event to every local socket allowed to see it.

        Each outgoing event is encoded once and sent to all its ready sockets in one emit; a
        room's members are looked up once per event, not once per socket.
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
                await self.sio.emit(item.name, item.payload, to=sids, ignore_queue=True)

    def _members(self, rooms: Sequence[str]) -> set[str]:
        return {sid for sid, _ in self.sio.manager.get_participants(NAMESPACE, list(rooms))}

    def _in_room(self, sid: str, room: str) -> bool:
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
            if any(self._in_room(sid, room) for room in item.rooms):
                await self.sio.emit(item.name, item.payload, to=sid, ignore_queue=True)
                sent = True
        return sent

    async def on_resume(self, sid: str, data: Any) -> dict[str, Any]:
        last_seq = data.get("lastSeq") if isinstance(data, dict) else None
        if not isinstance(last_seq, int) or not 0 <= last_seq <= MAX_SEQ:
            return refused("lastSeq must be a non-negative integer")
        replayed = await self.replay(sid, last_seq)
        return {"success": True, "replayed": replayed}

    async def replay(self, sid: str, last_seq: int) -> int:
        """Everything after ``last_seq`` this socket may see, in order, then the held live ones."""
        state = self.sockets.get(sid)
        if state is None:
            return 0
        state.replaying = True
        state.last_seq = last_seq
        count = 0
        try:
            while True:
                async with self.runtime.services.uow() as uow:
                    page = await uow.events.read(
                        EventFilter(
                            company_id=state.principal.company_id,
                            after_seq=state.last_seq,
                            limit=REPLAY_PAGE,
                        )
                    )
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
        return count

    async def _read_log(self, company_id: UUID, after_seq: int, limit: int) -> list[StoredEvent]:
        async with self.runtime.services.uow() as uow:
            return await uow.events.read(
                EventFilter(company_id=company_id, after_seq=after_seq, limit=limit)
            )

    async def _log_end(self, company_id: UUID) -> int:
        async with self.runtime.services.uow() as uow:
            return await uow.events.last_seq(company_id)

    async def _outgoing(self, event: StoredEvent) -> list[Outgoing]:
        commercial = None
        commercial_id = event.payload.get("commercialId")
        if event.type == "chat.status_changed" and commercial_id:
            commercial = await self._commercial(str(commercial_id))
        return outgoing(event, commercial)

    async def _commercial(self, commercial_id: str) -> dict[str, Any]:
        cached = self._commercials.get(commercial_id)
        if cached is None:
            async with self.runtime.services.uow() as uow:
                found = await uow.commercials.get(UUID(commercial_id))
            cached = {
                "id": commercial_id,
                "name": found.name if found else None,
                "avatarUrl": found.avatar_url if found else None,
            }
            self._commercials[commercial_id] = cached
        return cached


def client_manager(settings: Settings) -> socketio.AsyncManager:
    """With Redis, emits to rooms (typing, ...) reach the sockets of every node."""
    if settings.redis_url:
        return socketio.AsyncRedisManager(
            settings.redis_url, channel=f"{settings.redis_prefix}:socketio"
        )
    return socketio.AsyncManager()


def default_rooms(principal: Principal) -> list[str]:
    if principal.is_visitor:
        return [f"visitor:{principal.subject_id}"]
    rooms = [tenant_room(principal.company_id)]
    if principal.is_staff:
        rooms.append(f"commercial:{principal.subject_id}")
    return rooms


def refused(message: str) -> dict[str, Any]:
    return {"success": False, "message": message}


def _uuid(data: Any, key: str) -> UUID | None:
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, str):
        return None
    with contextlib.suppress(ValueError):
        return UUID(value)
    return None


def _cookie(environ: dict[str, Any], name: str) -> str | None:
    raw = environ.get("HTTP_COOKIE")
    if not raw:
        return None
    cookie: SimpleCookie = SimpleCookie()
    cookie.load(raw)
    morsel = cookie.get(name)
    return morsel.value if morsel else None
