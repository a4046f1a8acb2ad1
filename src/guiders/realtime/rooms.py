"""Which rooms a socket is in: its default rooms, and the joins it asks for once authorised.

Rooms are ``visitor:{id}``, ``chat:{id}`` (and ``chat:{id}:staff`` for staff and keys, where
internal notes go), ``commercial:{id}`` and ``tenant:{companyId}``. A join is granted only when
the principal may read the chat, the visitor or the tenant, checked by the same services as
the REST API.
"""

from __future__ import annotations

from typing import Any

import socketio

from guiders.domain.errors import GuidersError
from guiders.realtime.fanout import SocketState
from guiders.realtime.handshake import uuid_field
from guiders.realtime.targets import staff_chat_room, tenant_room
from guiders.services.access import Principal
from guiders.services.chats import ChatService
from guiders.services.visitors import VisitorService


def default_rooms(principal: Principal) -> list[str]:
    if principal.is_visitor:
        return [f"visitor:{principal.subject_id}"]
    rooms = [tenant_room(principal.company_id)]
    if principal.is_staff:
        rooms.append(f"commercial:{principal.subject_id}")
    return rooms


def refused(message: str) -> dict[str, Any]:
    return {"success": False, "message": message}


class Rooms:
    def __init__(
        self,
        sio: socketio.AsyncServer,
        sockets: dict[str, SocketState],
        chats: ChatService,
        visitors: VisitorService,
    ) -> None:
        self.sio = sio
        self.sockets = sockets
        self._chats = chats
        self._visitors = visitors

    async def enter_defaults(self, sid: str, principal: Principal) -> None:
        for room in default_rooms(principal):
            await self.sio.enter_room(sid, room)

    async def on_chat_join(self, sid: str, data: Any) -> dict[str, Any]:
        state = self.sockets.get(sid)
        chat_id = uuid_field(data, "chatId")
        if state is None or chat_id is None:
            return refused("chatId is required")
        try:
            await self._chats.get(state.principal, chat_id)
        except GuidersError as exc:
            return refused(exc.message)
        await self.sio.enter_room(sid, f"chat:{chat_id}")
        if not state.principal.is_visitor:
            await self.sio.enter_room(sid, staff_chat_room(chat_id))
        return {"success": True, "room": f"chat:{chat_id}"}

    async def on_chat_leave(self, sid: str, data: Any) -> dict[str, Any]:
        chat_id = uuid_field(data, "chatId")
        if chat_id is None:
            return refused("chatId is required")
        await self.sio.leave_room(sid, f"chat:{chat_id}")
        await self.sio.leave_room(sid, staff_chat_room(chat_id))
        return {"success": True}

    async def on_visitor_join(self, sid: str, data: Any) -> dict[str, Any]:
        state = self.sockets.get(sid)
        visitor_id = uuid_field(data, "visitorId")
        if state is None or visitor_id is None:
            return refused("visitorId is required")
        try:
            await self._visitors.profile(state.principal, visitor_id)
        except GuidersError as exc:
            return refused(exc.message)
        await self.sio.enter_room(sid, f"visitor:{visitor_id}")
        return {"success": True, "room": f"visitor:{visitor_id}"}

    async def on_tenant_join(self, sid: str, data: Any) -> dict[str, Any]:
        state = self.sockets.get(sid)
        tenant = uuid_field(data, "tenantId") or uuid_field(data, "companyId")
        if state is None or tenant is None:
            return refused("tenantId is required")
        if state.principal.is_visitor or state.principal.company_id != tenant:
            return refused("Not allowed to join this tenant's room")
        await self.sio.enter_room(sid, tenant_room(tenant))
        return {"success": True, "room": tenant_room(tenant)}
