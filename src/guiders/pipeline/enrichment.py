"""The filter and enrich stages: is an event worth deciding on, and what do rules need to know.

Enrichment reads the chat, the visitor and the visitor's conversion prediction through the API
(the prediction endpoint belongs to analytics; without it, segment and score stay unknown).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from guiders.client import GuidersClient
from guiders.domain.errors import GuidersError
from guiders.pipeline.analysis import Analysis
from guiders.pipeline.context import EventContext
from guiders.pipeline.rules import RuleSet


def relevant_types(rules: RuleSet) -> set[str] | None:
    """Event types some enabled rule listens to; None when a rule listens to every type."""
    types: set[str] = set()
    for rule in rules.rules:
        if not rule.enabled:
            continue
        if not rule.when.event:
            return None
        types.update(rule.when.event)
    return types


def is_relevant(event: dict[str, Any], rules: RuleSet, *, include_automation: bool) -> bool:
    """Skips what no rule listens to, and by default what automations (integration keys: this
    pipeline, the bot) did themselves, so a rule can never trigger itself in a loop."""
    types = relevant_types(rules)
    if types is not None and event["type"] not in types:
        return False
    actor = (event.get("actor") or {}).get("type")
    return include_automation or actor != "integration"


def _ids(event: dict[str, Any]) -> tuple[str | None, str | None]:
    p = event.get("payload") or {}
    chat_id = p.get("chat_id") or (
        event["aggregateId"] if event["aggregateType"] == "chat" else None
    )
    visitor_id = p.get("visitor_id") or (
        event["aggregateId"] if event["aggregateType"] == "visitor" else None
    )
    return chat_id, visitor_id


def base_context(event: dict[str, Any], analysis: Analysis | None = None) -> EventContext:
    p = event.get("payload") or {}
    chat_id, visitor_id = _ids(event)
    role = p.get("sender_role")
    occurred = event.get("occurredAt")
    a = analysis or Analysis()
    return EventContext(
        event_type=event["type"],
        event_id=event["eventId"],
        seq=int(event["seq"]),
        payload=p,
        now=datetime.fromisoformat(occurred) if occurred else datetime.now(UTC),
        chat_id=chat_id,
        visitor_id=visitor_id,
        sender_role=_RULE_ROLES.get(role, role) if isinstance(role, str) else None,
        text=str(p.get("content") or "") if event["type"] == "message.sent" else "",
        intent=a.intent,
        confidence=a.confidence,
        urgency=a.urgency,
        sentiment=a.sentiment,
    )


_RULE_ROLES = {"agent": "commercial"}
"""Rules say ``sender: [commercial]`` as the API does; the log's facts say ``agent``."""


class Enricher:
    def __init__(self, client: GuidersClient) -> None:
        self._client = client

    async def enrich(self, ctx: EventContext) -> EventContext:
        chat: dict[str, Any] = {}
        visitor: dict[str, Any] = {}
        segment = score = None
        visitor_id = ctx.visitor_id
        if ctx.chat_id:
            try:
                chat = await self._client.request("GET", f"/v2/chats/{ctx.chat_id}")
                visitor_id = visitor_id or chat.get("visitorId")
            except GuidersError:
                chat = {}
        if visitor_id:
            try:
                visitor = await self._client.request("GET", f"/v2/visitors/{visitor_id}")
            except GuidersError:
                visitor = {}
            try:
                prediction = await self._client.request(
                    "GET", f"/v2/visitors/{visitor_id}/prediction"
                )
                segment = prediction.get("segment")
                score = prediction.get("conversionProbability")
            except GuidersError:
                pass
        return replace(
            ctx, visitor_id=visitor_id, chat=chat, visitor=visitor, segment=segment, score=score
        )
