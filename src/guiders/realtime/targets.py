"""Which Socket.IO events a committed domain event becomes, with their payloads and rooms.

Pure: no sockets here. Rooms are ``visitor:{id}``, ``chat:{id}``, ``chat:{id}:staff`` (internal
notes), ``commercial:{id}`` and ``tenant:{companyId}``.

This is where the log's domain facts (``snake_case``, ``agent``) become the Socket.IO wire of
the Guiders SDK (camelCase, ``commercial``): live delivery and ``resume`` both come here, so a
replayed event is byte for byte what was sent live.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from guiders.domain.events import StoredEvent
from guiders.wire import message_wire


@dataclass(frozen=True, slots=True)
class Outgoing:
    name: str
    payload: dict[str, Any]
    rooms: tuple[str, ...]


def tenant_room(company_id: object) -> str:
    return f"tenant:{company_id}"


def staff_chat_room(chat_id: object) -> str:
    return f"chat:{chat_id}:staff"


def outgoing(
    event: StoredEvent,
    assignee: dict[str, Any] | None = None,
    escalation: Escalation | None = None,
) -> list[Outgoing]:
    """``assignee``: ``{id, name, avatarUrl}`` of the agent (the wire's ``commercial``);
    ``escalation``: what the log's event does not say about a request for a person (the
    chat's agent, and for a hand-off its visitor, reason and summary), read by the caller."""
    p = event.payload
    stamp = {"eventId": str(event.event_id), "seq": event.seq}
    at = event.occurred_at.isoformat()
    tenant = tenant_room(event.company_id)
    if event.type == "chat.created":
        visitor = p["visitor_id"]
        body = {
            "chatId": p["chat_id"],
            "visitorId": visitor,
            "status": p["status"],
            "priority": p["priority"],
            "visitorInfo": p["visitor_info"],
            "metadata": _camel(p["metadata"]),
            "createdAt": p["created_at"],
        }
        return [Outgoing("chat:created", body | stamp, (f"visitor:{visitor}", tenant))]
    if event.type == "message.sent":
        chat = p["chat_id"]
        body = message_wire(p) | {"visitorId": p["visitor_id"]} | stamp
        if p["internal"]:
            return [Outgoing("message:new", body, (staff_chat_room(chat),))]
        rooms = (f"chat:{chat}", staff_chat_room(chat), f"visitor:{p['visitor_id']}")
        return [Outgoing("message:new", body, rooms)]
    if event.type == "message.read":
        chat = p["chat_id"]
        return [
            Outgoing("message:read", _camel(p) | stamp, (f"chat:{chat}", staff_chat_room(chat)))
        ]
    if event.type == "chat.status_changed":
        chat, visitor = p["chat_id"], p["visitor_id"]
        scope = (f"chat:{chat}", staff_chat_room(chat), f"visitor:{visitor}", tenant)
        if p["to"] in ("ASSIGNED", "TRANSFERRED") and "agent_id" in p:
            agent = p["agent_id"]
            body = {
                "chatId": chat,
                "commercialId": agent,
                "visitorId": visitor,
                "status": p["to"],
                "assignedAt": p.get("assigned_at", at),
                "assignmentReason": p.get("reason"),
                "commercial": assignee or {"id": agent, "name": None, "avatarUrl": None},
            } | stamp
            targets = (*scope, f"commercial:{agent}")
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
                "closedAt": p.get("closed_at", at),
            } | stamp
            return [Outgoing("chat:closed", body, scope)]
        body = {"chatId": chat, "status": p["to"], "previousStatus": p["from"]} | stamp
        return [Outgoing("chat:status-changed", body, scope)]
    if event.type == "chat.rated":
        chat = p["chat_id"]
        rooms = (f"chat:{chat}", staff_chat_room(chat), tenant)
        return [Outgoing("chat:rated", _camel(p) | stamp, rooms)]
    if event.type == "chat.agent_requested":
        body = {
            "chatId": p["chat_id"],
            "visitorId": p["visitor_id"],
            "reason": p["reason"],
            "timestamp": at,
        } | stamp
        agent = escalation.agent_id if escalation else None
        return [Outgoing("chat:agent-requested", body, _staff_rooms(tenant, agent))]
    if event.type == "saga.started" and escalation is not None:
        body = {
            "chatId": p["chat_id"],
            "visitorId": escalation.visitor_id,
            "reason": escalation.reason,
            "summary": escalation.summary,
            "timestamp": at,
        } | stamp
        staff = _staff_rooms(tenant, escalation.agent_id)
        return [Outgoing("chat:escalation-requested", body, staff)]
    if event.type == "visitor.segment_changed":
        body = {
            "visitorId": p["visitor_id"],
            "segment": p["segment"],
            "previousSegment": p.get("previous_segment"),
            "conversionProbability": p["conversion_probability"],
            "timestamp": at,
        } | stamp
        return [Outgoing("visitor:segment-changed", body, (tenant,))]
    if event.type == "strategy.applied":
        return _strategy(p, stamp, at, tenant)
    if event.type in ("alert.raised", "alert.resolved"):
        name = "alert:raised" if event.type == "alert.raised" else "alert:resolved"
        return [Outgoing(name, _camel(p) | {"timestamp": at} | stamp, (tenant,))]
    if event.type == "commercial.status_changed":
        body = {
            "userId": p["agent_id"],
            "userType": "commercial",
            "status": p["status"],
            "previousStatus": p["previous_status"],
            "timestamp": at,
        } | stamp
        return [
            Outgoing("presence:changed", body, (tenant,)),
            Outgoing("commercial:status", body, (tenant,)),
        ]
    return []


@dataclass(frozen=True, slots=True)
class Escalation:
    """A request for a person as the wire tells it, beyond the log event's own facts."""

    agent_id: str | None
    visitor_id: str | None = None
    reason: str | None = None
    summary: str | None = None


def _staff_rooms(tenant: str, agent_id: str | None) -> tuple[str, ...]:
    """The company's staff, and the chat's agent by name (a socket in both gets it once)."""
    return (tenant, f"commercial:{agent_id}") if agent_id else (tenant,)


def _strategy(p: dict[str, Any], stamp: dict[str, Any], at: str, tenant: str) -> list[Outgoing]:
    """Staff see every strategy; the chosen agent is told; content goes to the widget."""
    actions = p.get("actions", [])
    body = _camel(p)
    if "actions" in p:
        body["actions"] = [_camel(a) for a in actions]
    body |= {"timestamp": at} | stamp
    rooms = [tenant] + [f"commercial:{a['agent_id']}" for a in actions if a.get("agent_id")]
    out = [Outgoing("strategy:applied", body, tuple(dict.fromkeys(rooms)))]
    visitor = p["visitor_id"]
    for action in actions:
        if action.get("action") == "content":
            content = action["content"] | {"visitorId": visitor, "timestamp": at} | stamp
            out.append(Outgoing("visitor:content", content, (f"visitor:{visitor}",)))
    return out


_WIRE_NAMES = {
    "chat_id": "chatId",
    "visitor_id": "visitorId",
    "agent_id": "commercialId",
    "email_id": "emailId",
    "message_ids": "messageIds",
    "reader_id": "readerId",
    "read_at": "readAt",
    "rated_at": "ratedAt",
    "conversion_probability": "conversionProbability",
    "model_version": "modelVersion",
    "initial_url": "initialUrl",
    "custom_fields": "customFields",
    "company_id": "companyId",
}
"""Fact names whose wire name differs; one table, so a name is mapped the same everywhere."""


def _camel(facts: dict[str, Any]) -> dict[str, Any]:
    """Top-level keys in the wire's names, in their order (values are left as they are)."""
    return {_WIRE_NAMES.get(k, k): v for k, v in facts.items()}
