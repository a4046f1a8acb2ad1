"""The log holds domain facts (schema 2); old rows are upcast; the wire did not move a byte.

The golden file ``tests/fixtures/v1_log/v1_domain.json`` was recorded by the schema-1 code
running ``domain_scenario`` (see ``record_domain.py``): what it logged and what it sent.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.fixtures.v1_log.domain_scenario import COMPANY, T0, run

from guiders.domain.events import SCHEMA_VERSION, DomainEvent, StoredEvent
from guiders.domain.message import Message, MessageType, Sender, SenderRole
from guiders.domain.model_health import ModelHealth
from guiders.domain.upcasting import upcast
from guiders.realtime.targets import outgoing
from guiders.wire import message_response

GOLDEN = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "v1_log" / "v1_domain.json").read_text()
)
AGENT = {"id": "00000000-0000-4000-8000-000000000001", "name": "Ben", "avatarUrl": "a.png"}
CAMEL = re.compile(r"[a-z][A-Z]")


def stored(seq: int, event: DomainEvent, payload: dict[str, Any] | None = None) -> StoredEvent:
    return StoredEvent(
        event_id=uuid.UUID(int=seq),
        seq=seq,
        company_id=event.company_id,
        aggregate_type=event.aggregate_type,
        aggregate_id=event.aggregate_id,
        version=event.version,
        type=event.type,
        payload=event.payload if payload is None else payload,
        actor_id=None,
        actor_type="system",
        correlation_id=None,
        occurred_at=event.occurred_at,
    )


def wire(event: StoredEvent) -> list[list[Any]]:
    agent = AGENT if event.type == "chat.status_changed" else None
    return [[o.name, json.dumps(o.payload), list(o.rooms)] for o in outgoing(event, agent)]


def scenario() -> list[tuple[DomainEvent, dict[str, Any]]]:
    events = run()
    assert [e.type for e in events] == [g["type"] for g in GOLDEN["events"][: len(events)]]
    return list(zip(events, GOLDEN["events"], strict=False))


def old_only() -> list[tuple[int, dict[str, Any]]]:
    """The golden events the scenario does not produce (strategy, alert): old rows only."""
    first = len(run())
    return list(enumerate(GOLDEN["events"][first:], start=first + 1))


def test_payloads_are_domain_facts_named_in_snake_case() -> None:
    for event in run():
        assert not [k for k in event.payload if CAMEL.search(k)], event.type
        assert "commercialId" not in json.dumps(event.payload), event.type
    message = next(e for e in run() if e.type == "message.sent")
    assert set(message.payload) == {
        "message_id",
        "chat_id",
        "visitor_id",
        "sender_id",
        "sender_name",
        "sender_role",
        "content",
        "kind",
        "internal",
        "metadata",
        "client_message_id",
        "sent_at",
    }
    roles = {e.payload["sender_role"] for e in run() if e.type == "message.sent"}
    assert roles == {"visitor", "ai", "agent"}, "a commercial is an agent inside"


CHANGED_SINCE_V1 = {
    ("chat.agent_requested", "priority"): "asking for a person makes a chat HIGH, not URGENT "
    "(domain/chat.py, ASKED_FOR_A_PERSON): the code decides differently now, and an old row "
    "keeps the URGENT it said",
}
"""What the code writes differently now by decision, not by schema: not upcast, and left out."""


def test_an_old_payload_upcasts_to_what_the_code_writes_now() -> None:
    for event, golden in scenario():
        old, now = upcast(event.type, 1, golden["payload"]), dict(event.payload)
        for kind, key in CHANGED_SINCE_V1:
            if kind == event.type:
                assert old.pop(key) == golden["payload"][key]  # kept as it was
                now.pop(key)
        assert old == now, event.type


def test_live_events_reach_the_sockets_byte_for_byte_as_before() -> None:
    for seq, (event, golden) in enumerate(scenario(), start=1):
        assert wire(stored(seq, event)) == golden["wire"], event.type


def test_old_rows_reach_the_sockets_byte_for_byte_as_before() -> None:
    everything = [(seq, g) for seq, (_, g) in enumerate(scenario(), start=1)] + old_only()
    assert {g["type"] for _, g in everything} >= {"strategy.applied", "alert.raised"}
    for seq, golden in everything:
        shell = DomainEvent(golden["type"], "visitor", uuid.UUID(int=7), COMPANY, {}, T0, version=9)
        if seq <= len(run()):
            shell = run()[seq - 1]
        payload = upcast(golden["type"], 1, golden["payload"])
        assert wire(stored(seq, shell, payload)) == golden["wire"], golden["type"]


def test_the_rest_message_shape_is_unchanged() -> None:
    ai = Message(
        id=uuid.UUID(int=41),
        chat_id=uuid.UUID(int=42),
        company_id=COMPANY,
        sender=Sender(id=uuid.UUID(int=43), name="Guiders AI", role=SenderRole.AI),
        content="hello",
        type=MessageType.AI_RESPONSE,
        is_internal=False,
        sent_at=T0,
        metadata={"confidence": 0.5},
        client_message_id=None,
        read_at=datetime(2026, 11, 25, 17, tzinfo=UTC),
    )
    note = Message(
        id=uuid.UUID(int=44),
        chat_id=uuid.UUID(int=42),
        company_id=COMPANY,
        sender=Sender(id=uuid.UUID(int=45), name=None, role=SenderRole.AGENT),
        content="note",
        type=MessageType.INTERNAL,
        is_internal=True,
        sent_at=T0,
        client_message_id="k",
    )
    assert [json.dumps(message_response(m)) for m in (ai, note)] == GOLDEN["rest"]


def test_a_message_survives_its_facts() -> None:
    event = next(e for e in run() if e.type == "message.sent")
    again = Message.from_facts(COMPANY, event.payload)
    assert again.facts() | {"visitor_id": event.payload["visitor_id"]} == event.payload


@pytest.mark.parametrize("version", [SCHEMA_VERSION])
def test_current_payloads_and_unknown_types_pass_through(version: int) -> None:
    facts = {"chat_id": "c", "visitor_id": "v"}
    assert upcast("chat.tagged", version, facts) == facts
    assert upcast("something.new", 1, {"fooBar": 1}) == {"fooBar": 1}
    assert upcast("chat.tagged", 1, {"chatId": "c", "tags": ["a"]}) == {
        "chat_id": "c",
        "tags": ["a"],
    }


def test_an_old_model_stream_folds_to_the_view_of_a_new_one() -> None:
    company = uuid.uuid4()
    alert = {"rule": "ModelInputDrift", "summary": "drift", "value": 0.4, "threshold": 0.25}
    live = ModelHealth(company)
    report = {"modelVersion": "v1", "measuredAt": "t", "figures": {"modelEce": 0.1}}
    events = live.measure(report, [alert | {"company_id": str(company)}], [], T0)
    proposal = live.proposal
    assert proposal is not None
    pid = uuid.UUID(proposal["proposalId"])
    events += [live.confirm(pid, "admin", T0), live.complete(pid, {"promoted": True}, T0)]
    at = T0.isoformat()
    written_by_schema_1 = [  # the payloads as the code before domain events wrote them
        ("model.health_measured", report | {"thresholds": None}),
        ("alert.raised", alert | {"companyId": str(company)}),
        (
            "model.retrain_proposed",
            {
                "proposalId": str(pid),
                "reasons": ["ModelInputDrift"],
                "summaries": ["drift"],
                "modelVersion": "v1",
                "command": proposal["command"],
                "proposedAt": at,
            },
        ),
        (
            "model.retrain_confirmed",
            {"proposalId": str(pid), "confirmedBy": "admin", "confirmedAt": at},
        ),
        ("model.retrain_completed", {"proposalId": str(pid), "promoted": True, "completedAt": at}),
    ]
    assert [t for t, _ in written_by_schema_1] == [e.type for e in events]
    old = ModelHealth(company)
    for version, (type_, payload) in enumerate(written_by_schema_1, start=1):
        old.apply(type_, upcast(type_, 1, payload), version)
    assert old.view() == live.view()
    assert [upcast(t, 1, p) for t, p in written_by_schema_1] == [e.payload for e in events]


def test_old_knowledge_events_upcast_to_domain_names() -> None:
    answered = {
        "chatId": "c",
        "decision": "answer",
        "reason": None,
        "citations": [{"documentId": "d", "title": "t", "url": None}],
        "retrievalScores": [0.9],
        "answerability": 0.8,
        "grounding": 0.7,
        "language": "en",
    }
    assert upcast("knowledge.answered", 1, answered) == {
        "chat_id": "c",
        "decision": "answer",
        "reason": None,
        "citations": [{"document_id": "d", "title": "t", "url": None}],
        "retrieval_scores": [0.9],
        "answerability": 0.8,
        "grounding": 0.7,
        "language": "en",
    }
    indexed = {"sourceId": "s", "status": "ready", "pages": 3, "chunks": 9, "failed": 0}
    assert upcast("knowledge.source_indexed", 1, indexed) == {
        "source_id": "s",
        "status": "ready",
        "pages": 3,
        "chunks": 9,
        "failed": 0,
    }
