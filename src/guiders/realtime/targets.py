"""Which Socket.IO events a committed domain event becomes, with their payloads and rooms.

Pure: no sockets here. Rooms are ``visitor:{id}``, ``chat:{id}``, ``chat:{id}:staff`` (internal
notes), ``commercial:{id}`` and ``tenant:{companyId}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from guiders.domain.events import StoredEvent


@dataclass(frozen=True, slots=True)
class Outgoing:
    name: str
    payload: dict[str, Any]
    rooms: tuple[str, ...]


def tenant_room(company_id: object) -> str:
    return f"tenant:{company_id}"


def staff_chat_room(chat_id: object) -> str:
    return f"chat:{chat_id}:staff"


def outgoing(event: StoredEvent, commercial: dict[str, Any] | None = None) -> list[Outgoing]:
    """``commercial`` is ``{id, name, avatarUrl}`` of the assignee, for assignment events."""
    p = event.payload
    stamp = {"eventId": str(event.event_id), "seq": event.seq}
    at = event.occurred_at.isoformat()
    tenant = tenant_room(event.company_id)
    if event.type == "chat.created":
        body = {
            k: p[k]
            for k in (
                "chatId",
                "visitorId",
                "status",
                "priority",
                "visitorInfo",
                "metadata",
                "createdAt",
            )
        }
        return [Outgoing("chat:created", body | stamp, (f"visitor:{p['visitorId']}", tenant))]
    if event.type == "message.sent":
        chat = p["chatId"]
        if p.get("isInternal"):
            return [Outgoing("message:new", p | stamp, (staff_chat_room(chat),))]
        rooms = (f"chat:{chat}", staff_chat_room(chat), f"visitor:{p['visitorId']}")
        return [Outgoing("message:new", p | stamp, rooms)]
    if event.type == "message.read":
        return [
            Outgoing(
                "message:read", p | stamp, (f"chat:{p['chatId']}", staff_chat_room(p["chatId"]))
            )
        ]
    if event.type == "chat.status_changed":
        chat, visitor = p["chatId"], p["visitorId"]
        scope = (f"chat:{chat}", staff_chat_room(chat), f"visitor:{visitor}", tenant)
        if p["to"] in ("ASSIGNED", "TRANSFERRED") and "commercialId" in p:
            body = {
                "chatId": chat,
                "commercialId": p["commercialId"],
                "visitorId": visitor,
                "status": p["to"],
                "assignedAt": p.get("assignedAt", at),
                "assignmentReason": p.get("reason"),
                "commercial": commercial
                or {"id": p["commercialId"], "name": None, "avatarUrl": None},
            } | stamp
            targets = (*scope, f"commercial:{p['commercialId']}")
            return [
                Outgoing("chat:assigned", body, targets),
                Outgoing("chat:commercial-assigned", body, targets),
            ]
        if p["to"] in ("CLOSED", "ABANDONED"):
            body = {
                "chatId": chat,
                "status": p["to"],
                "reason": p.get("reason"),
                "satisfaction": p.get("satisfaction"),
                "closedAt": p.get("closedAt", at),
            } | stamp
            return [Outgoing("chat:closed", body, scope)]
        body = {"chatId": chat, "status": p["to"], "previousStatus": p["from"]} | stamp
        return [Outgoing("chat:status-changed", body, scope)]
    if event.type == "chat.rated":
        chat = p["chatId"]
        rooms = (f"chat:{chat}", staff_chat_room(chat), tenant)
        return [Outgoing("chat:rated", p | stamp, rooms)]
    if event.type == "chat.agent_requested":
        body = {
            "chatId": p["chatId"],
            "visitorId": p["visitorId"],
            "reason": p["reason"],
            "timestamp": at,
        } | stamp
        return [Outgoing("chat:agent-requested", body, (tenant,))]
    if event.type == "visitor.segment_changed":
        body = {
            "visitorId": p["visitorId"],
            "segment": p["segment"],
            "previousSegment": p.get("previousSegment"),
            "conversionProbability": p["conversionProbability"],
            "timestamp": at,
        } | stamp
        return [Outgoing("visitor:segment-changed", body, (tenant,))]
    if event.type == "strategy.applied":
        return _strategy(p, stamp, at, tenant)
    if event.type == "commercial.status_changed":
        body = {
            "userId": p["commercialId"],
            "userType": "commercial",
            "status": p["status"],
            "previousStatus": p["previousStatus"],
            "timestamp": at,
        } | stamp
        return [
            Outgoing("presence:changed", body, (tenant,)),
            Outgoing("commercial:status", body, (tenant,)),
        ]
    return []


def _strategy(p: dict[str, Any], stamp: dict[str, Any], at: str, tenant: str) -> list[Outgoing]:
    """Staff see every strategy; the chosen commercial is told; content goes to the widget."""
    body = p | {"timestamp": at} | stamp
    rooms = [tenant] + [
        f"commercial:{a['commercialId']}" for a in p.get("actions", []) if a.get("commercialId")
    ]
    out = [Outgoing("strategy:applied", body, tuple(dict.fromkeys(rooms)))]
    for action in p.get("actions", []):
        if action.get("action") == "content":
            content = action["content"] | {"visitorId": p["visitorId"], "timestamp": at} | stamp
            out.append(Outgoing("visitor:content", content, (f"visitor:{p['visitorId']}",)))
    return out
