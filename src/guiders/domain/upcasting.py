"""Reads events written in an older payload schema as the current one (upcasting on read).

The log is append-only, so rows written before a schema change stay as they were; whoever reads
them (the store, the Redis bus) passes each payload through :func:`upcast`, and everything past
that point sees only the current schema. Schema 1 was the API's wire shape (camelCase, message
fields doubled as ``messageId``/``id``, ``senderId``/``sender``, an agent called
``commercial``); schema 2 holds the same facts in the domain's words (``docs/events.md``).

Each upcaster is a pure function of one payload, written against the frozen v1 shape, so it
never changes when the current code does. A type with no entry had nothing to rename.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Payload = dict[str, Any]


def upcast(type: str, version: int, payload: Mapping[str, Any]) -> Payload:
    """``payload`` of event ``type`` written in schema ``version``, as the current schema
    (``domain.events.SCHEMA_VERSION``)."""
    out = dict(payload)
    if version < 2:
        step = _V1.get(type)
        if step is not None:
            out = step(out)
    return out


def _renamed(p: Payload, names: Mapping[str, str]) -> Payload:
    """Top-level keys renamed, in their order; keys not named keep their name."""
    return {names.get(k, k): v for k, v in p.items()}


def _renamer(names: Mapping[str, str]) -> Callable[[Payload], Payload]:
    return lambda p: _renamed(p, names)


_IDS = {
    "chatId": "chat_id",
    "visitorId": "visitor_id",
    "sessionId": "session_id",
    "commercialId": "agent_id",
    "previousPriority": "previous_priority",
}
_PROFILE = {"userAgent": "user_agent", "timeZone": "time_zone", "currentUrl": "current_url"}


def _message_sent(p: Payload) -> Payload:
    sender = p.get("sender") or {}
    role = p.get("senderType") or sender.get("role")
    return {
        "message_id": p.get("messageId") or p["id"],
        "chat_id": p["chatId"],
        "visitor_id": p["visitorId"],
        "sender_id": p.get("senderId") or sender["id"],
        "sender_name": p.get("senderName", sender.get("name")),
        "sender_role": "agent" if role == "commercial" else role,
        "content": p["content"],
        "kind": p["type"],
        "internal": bool(p.get("isInternal")),
        "metadata": p.get("metadata") or {},
        "client_message_id": p.get("clientMessageId"),
        "sent_at": p.get("sentAt") or p.get("createdAt") or p["timestamp"],
    }


def _chat_created(p: Payload) -> Payload:
    out = _renamed(p, _IDS | {"visitorInfo": "visitor_info", "createdAt": "created_at"})
    out["metadata"] = _renamed(
        dict(p.get("metadata") or {}),
        {"initialUrl": "initial_url", "customFields": "custom_fields"},
    )
    return out


def _tracked(p: Payload) -> Payload:
    names = {
        "visitorId": "visitor_id",
        "sessionId": "session_id",
        "pageCategory": "page_category",
        "durationMs": "duration_ms",
        "occurredAt": "occurred_at",
    }
    return {**p, "events": [_renamed(dict(e), names) for e in p.get("events") or []]}


def _strategy(p: Payload) -> Payload:
    out = _renamed(
        p,
        _IDS | {"conversionProbability": "conversion_probability", "modelVersion": "model_version"},
    )
    actions = [_renamed(dict(a), _IDS | {"emailId": "email_id"}) for a in p.get("actions") or []]
    if "actions" in p:
        out["actions"] = actions
    return out


def _saga(p: Payload) -> Payload:
    out = _renamed(p, {"sagaId": "saga_id", "sagaType": "saga_type"})
    if "saga_type" in out:
        out.pop("type", None)  # saga.started repeated the saga's type under a second name
    return out


def _health_measured(p: Payload) -> Payload:
    """The worker's report was spread over the payload; it is kept whole under ``report``."""
    return {
        "report": {k: v for k, v in p.items() if k not in ("figures", "thresholds")},
        "figures": p.get("figures"),
        "thresholds": p.get("thresholds"),
    }


def _retrain_completed(p: Payload) -> Payload:
    """The worker's outcome was spread over the payload; it is kept whole under ``outcome``."""
    return {
        "proposal_id": p["proposalId"],
        "outcome": {k: v for k, v in p.items() if k not in ("proposalId", "completedAt")},
        "completed_at": p.get("completedAt"),
    }


_PROPOSAL = {
    "proposalId": "proposal_id",
    "modelVersion": "model_version",
    "proposedAt": "proposed_at",
    "confirmedBy": "confirmed_by",
    "confirmedAt": "confirmed_at",
}


def _answered(p: Payload) -> Payload:
    out = _renamed(p, {"chatId": "chat_id", "retrievalScores": "retrieval_scores"})
    if "citations" in p:
        out["citations"] = [
            _renamed(dict(c), {"documentId": "document_id"}) for c in p["citations"] or []
        ]
    return out


_V1: dict[str, Callable[[Payload], Payload]] = {
    "company.created": _renamer({"companyId": "company_id"}),
    "site.created": _renamer({"siteId": "site_id"}),
    "staff.created": _renamer({"userId": "user_id"}),
    "api_key.created": _renamer({"keyId": "key_id"}),
    "api_key.revoked": _renamer({"keyId": "key_id"}),
    "commercial.created": _renamer(
        {"commercialId": "agent_id", "maxChats": "max_chats", "avatarUrl": "avatar_url"}
    ),
    "commercial.status_changed": _renamer(
        {"commercialId": "agent_id", "previousStatus": "previous_status"}
    ),
    "visitor.registered": _renamer({"visitorId": "visitor_id", "siteId": "site_id"} | _PROFILE),
    "visitor.profile_updated": _renamer(_PROFILE),
    "visitor.consented": _renamer({"consentVersion": "consent_version"}),
    "visitor.session_started": _renamer(_IDS | _PROFILE),
    "visitor.session_ended": _renamer(_IDS),
    "visitor.activity_tracked": _tracked,
    "visitor.email_consent_changed": _renamer({"emailConsent": "email_consent"}),
    "visitor.analyzed": _renamer(
        _IDS
        | {
            "conversionProbability": "conversion_probability",
            "modelVersion": "model_version",
            "topFactors": "top_factors",
        }
    ),
    "visitor.segment_changed": _renamer(
        _IDS
        | {
            "previousSegment": "previous_segment",
            "conversionProbability": "conversion_probability",
        }
    ),
    "visitor.converted": _renamer(_IDS | {"conversionId": "conversion_id"}),
    "strategy.applied": _strategy,
    "chat.created": _chat_created,
    "chat.status_changed": _renamer(_IDS | {"assignedAt": "assigned_at", "closedAt": "closed_at"}),
    "chat.agent_requested": _renamer(_IDS),
    "chat.priority_changed": _renamer(_IDS),
    "chat.rated": _renamer(_IDS | {"ratedAt": "rated_at"}),
    "chat.tagged": _renamer(_IDS),
    "chat.custom_fields_changed": _renamer(_IDS | {"customFields": "custom_fields"}),
    "message.sent": _message_sent,
    "message.read": _renamer(
        _IDS | {"messageIds": "message_ids", "readerId": "reader_id", "readAt": "read_at"}
    ),
    "model.health_measured": _health_measured,
    "model.retrain_proposed": _renamer(_PROPOSAL),
    "model.retrain_confirmed": _renamer(_PROPOSAL),
    "model.retrain_completed": _retrain_completed,
    "alert.raised": _renamer({"companyId": "company_id"}),
    "alert.resolved": _renamer({"companyId": "company_id"}),
    "knowledge.source_added": _renamer({"sourceId": "source_id"}),
    "knowledge.source_queued": _renamer({"sourceId": "source_id"}),
    "knowledge.source_indexed": _renamer({"sourceId": "source_id"}),
    "knowledge.source_failed": _renamer({"sourceId": "source_id"}),
    "knowledge.source_removed": _renamer({"sourceId": "source_id"}),
    "knowledge.answered": _answered,
    "saga.started": _saga,
    "saga.step_recorded": _saga,
    "saga.status_changed": _saga,
}
"""Schema 1 to 2. ``visitor.lifecycle_changed`` and ``company.secret_changed`` kept their
(one-word) names; so did ``alert.*``, but for a model alert's ``companyId``."""
