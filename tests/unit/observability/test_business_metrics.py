"""AI and business figures counted from committed events: bot outcomes and confidence,
conversions and revenue by channel, segment mix."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from guiders.domain.events import StoredEvent
from guiders.observability.metrics import record_event
from guiders.observability.snapshot import ai, conversions

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def event(type: str, **payload: Any) -> StoredEvent:
    return StoredEvent(
        event_id=uuid4(),
        seq=1,
        company_id=uuid4(),
        aggregate_type=type.split(".")[0],
        aggregate_id=uuid4(),
        version=1,
        type=type,
        payload=payload,
        actor_id=None,
        actor_type="system",
        correlation_id=None,
        occurred_at=NOW,
    )


def bot(chat: str, internal: bool = False, **meta: Any) -> StoredEvent:
    return event(
        "message.sent",
        chat_id=chat,
        sender_role="ai",
        internal=internal,
        metadata=meta,
    )


def figures() -> tuple[dict[str, Any], dict[str, Any]]:
    a, c = ai(), conversions()
    empty_ai = {"outcomes": {"answer": 0, "fallback": 0, "escalation": 0}, "confidence": []}
    empty_c: dict[str, Any] = {
        "visitors": 0,
        "byChannel": {"bot_only": 0, "agent": 0, "no_chat": 0},
        "revenue": {"bot_only": 0.0, "agent": 0.0, "no_chat": 0.0},
        "segments": {},
    }
    return a or empty_ai, c or empty_c


async def test_bot_replies_give_outcomes_and_confidence() -> None:
    before, _ = figures()
    chat = str(uuid4())
    for e in (
        bot(chat, replyTo="m1", confidence=0.95),
        bot(chat, replyTo="m2", confidence=0.35, isFallback=True),
        bot(chat, replyTo="m3", confidence=0.5, isEscalationPending=True),
        bot(chat, isEscalation=True),  # the same chat handed over later: one escalation
        bot(chat, internal=True, isEscalationSummary=True, confidence=0.5),
        bot(chat),  # the welcome: not a reply
    ):
        await record_event(e)
    after, _ = figures()
    delta = {k: after["outcomes"][k] - before["outcomes"][k] for k in after["outcomes"]}
    assert delta == {"answer": 1, "fallback": 1, "escalation": 1}
    counts = {b["le"]: b["count"] for b in after["confidence"]}
    prior = {b["le"]: b["count"] for b in before["confidence"]}
    grew = {le: counts[le] - prior.get(le, 0) for le in counts if counts[le] != prior.get(le, 0)}
    assert grew == {1.0: 1, 0.4: 1, 0.5: 1}
    full = ai()
    assert full is not None
    assert full["automationRate"] == full["outcomes"]["answer"] / full["replies"]


async def test_conversions_are_split_by_what_the_visitor_had() -> None:
    _, before = figures()
    bot_v, agent_v, alone = str(uuid4()), str(uuid4()), str(uuid4())
    for v in (bot_v, agent_v, alone):
        await record_event(event("visitor.registered", visitor_id=v))
    await record_event(event("chat.created", chat_id="c1", visitor_id=bot_v))
    await record_event(event("chat.created", chat_id="c2", visitor_id=agent_v))
    await record_event(
        event(
            "chat.status_changed",
            chat_id="c2",
            visitor_id=agent_v,
            to="ASSIGNED",
            **{"from": "PENDING"},
        )
    )
    await record_event(event("visitor.converted", visitor_id=bot_v, value=10.0))
    await record_event(event("visitor.converted", visitor_id=agent_v, value=25.5))
    await record_event(event("visitor.converted", visitor_id=alone, value=None))
    await record_event(event("visitor.segment_changed", visitor_id=alone, segment="vip"))
    _, after = figures()
    assert after["visitors"] - before["visitors"] == 3
    assert {k: after["byChannel"][k] - before["byChannel"][k] for k in after["byChannel"]} == {
        "bot_only": 1,
        "agent": 1,
        "no_chat": 1,
    }
    assert after["revenue"]["bot_only"] - before["revenue"]["bot_only"] == 10.0
    assert after["revenue"]["agent"] - before["revenue"]["agent"] == 25.5
    assert after["revenue"]["no_chat"] == before["revenue"]["no_chat"]
    assert after["segments"]["vip"] - before["segments"].get("vip", 0) == 1
    assert after["rate"] == after["conversions"] / after["visitors"]
