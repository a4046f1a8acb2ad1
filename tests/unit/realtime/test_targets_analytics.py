"""Socket.IO mapping of the analytics events (pure)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from guiders.domain.events import StoredEvent
from guiders.realtime.targets import outgoing

COMPANY = uuid.uuid4()
VISITOR = str(uuid.uuid4())


def stored(type: str, payload: dict[str, Any]) -> StoredEvent:
    return StoredEvent(
        event_id=uuid.uuid4(),
        seq=7,
        company_id=COMPANY,
        aggregate_type="visitor",
        aggregate_id=uuid.UUID(VISITOR),
        version=3,
        type=type,
        payload=payload,
        actor_id=None,
        actor_type="integration",
        correlation_id=None,
        occurred_at=datetime(2026, 11, 25, tzinfo=UTC),
    )


def test_segment_change_goes_to_the_tenant_room() -> None:
    payload = {
        "visitor_id": VISITOR,
        "segment": "vip",
        "previous_segment": None,
        "conversion_probability": 0.9,
    }
    [out] = outgoing(stored("visitor.segment_changed", payload))
    assert out.name == "visitor:segment-changed"
    assert out.rooms == (f"tenant:{COMPANY}",)
    assert out.payload["segment"] == "vip" and out.payload["seq"] == 7


def test_strategy_reaches_the_named_agent_and_content_the_visitor_only() -> None:
    agent = str(uuid.uuid4())
    vip = {
        "visitor_id": VISITOR,
        "strategy": "direct_follow_up",
        "segment": "vip",
        "conversion_probability": 0.9,
        "actions": [{"action": "assign", "chat_id": "c", "agent_id": agent}],
    }
    [out] = outgoing(stored("strategy.applied", vip))
    assert out.rooms == (f"tenant:{COMPANY}", f"commercial:{agent}")
    nurturing = {
        "visitor_id": VISITOR,
        "strategy": "nurturing",
        "segment": "nurturing",
        "conversion_probability": 0.1,
        "actions": [{"action": "content", "content": {"title": "t", "body": "b", "url": None}}],
    }
    staff, widget = outgoing(stored("strategy.applied", nurturing))
    assert staff.rooms == (f"tenant:{COMPANY}",)
    assert widget.name == "visitor:content" and widget.rooms == (f"visitor:{VISITOR}",)
    assert "conversionProbability" not in widget.payload, "the score is for staff only"
