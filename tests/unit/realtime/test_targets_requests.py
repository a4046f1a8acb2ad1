"""Socket.IO mapping of requests for a person (pure): the contract's rooms and payload."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from guiders.domain.events import StoredEvent
from guiders.realtime.targets import Escalation, outgoing

COMPANY = uuid.uuid4()
CHAT = str(uuid.uuid4())
VISITOR = str(uuid.uuid4())
AGENT = str(uuid.uuid4())


def stored(type: str, payload: dict[str, Any], aggregate: str = "chat") -> StoredEvent:
    return StoredEvent(
        event_id=uuid.uuid4(),
        seq=11,
        company_id=COMPANY,
        aggregate_type=aggregate,
        aggregate_id=uuid.uuid4(),
        version=1,
        type=type,
        payload=payload,
        actor_id=None,
        actor_type="visitor",
        correlation_id=None,
        occurred_at=datetime(2026, 12, 7, tzinfo=UTC),
    )


ASKED = {
    "chat_id": CHAT,
    "visitor_id": VISITOR,
    "reason": "visitor_request",
    "priority": "HIGH",
    "previous_priority": "NORMAL",
}


def test_an_agent_request_goes_to_the_tenant_and_the_chats_commercial() -> None:
    [out] = outgoing(stored("chat.agent_requested", ASKED), escalation=Escalation(AGENT))
    assert out.name == "chat:agent-requested"
    assert out.rooms == (f"tenant:{COMPANY}", f"commercial:{AGENT}")
    assert out.payload == {
        "chatId": CHAT,
        "visitorId": VISITOR,
        "reason": "visitor_request",
        "timestamp": "2026-12-07T00:00:00+00:00",
        "eventId": out.payload["eventId"],
        "seq": 11,
    }


def test_an_agent_request_on_an_unassigned_chat_goes_to_the_tenant() -> None:
    [out] = outgoing(stored("chat.agent_requested", ASKED), escalation=Escalation(None))
    assert out.rooms == (f"tenant:{COMPANY}",)
    [bare] = outgoing(stored("chat.agent_requested", ASKED))
    assert bare.rooms == (f"tenant:{COMPANY}",)


def test_a_hand_off_start_is_an_escalation_request_with_its_summary() -> None:
    started = stored("saga.started", {"chat_id": CHAT, "saga_type": "escalation"}, "saga")
    about = Escalation(AGENT, visitor_id=VISITOR, reason="low_confidence", summary="a quote")
    [out] = outgoing(started, escalation=about)
    assert out.name == "chat:escalation-requested"
    assert out.rooms == (f"tenant:{COMPANY}", f"commercial:{AGENT}")
    assert {k: out.payload[k] for k in ("chatId", "visitorId", "reason", "summary", "seq")} == {
        "chatId": CHAT,
        "visitorId": VISITOR,
        "reason": "low_confidence",
        "summary": "a quote",
        "seq": 11,
    }


def test_other_sagas_say_nothing_on_the_socket() -> None:
    assert outgoing(stored("saga.started", {"chat_id": CHAT}, "saga")) == []
