import dataclasses
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guiders.domain.chat import (
    TRANSITIONS,
    Chat,
    ChatMetadata,
    ChatStatus,
    Priority,
    VisitorInfo,
)
from guiders.domain.errors import Conflict, InvalidTransition, ValidationFailed
from guiders.domain.events import DomainEvent
from guiders.domain.message import Message, MessageType, Sender, SenderRole

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def new_chat() -> Chat:
    return Chat.open(
        id=uuid4(),
        company_id=uuid4(),
        visitor_info=VisitorInfo(id=uuid4()),
        metadata=ChatMetadata(),
        priority=Priority.NORMAL,
        at=NOW,
    )


def message_for(chat: Chat, content: str = "hello") -> Message:
    return Message(
        id=uuid4(),
        chat_id=chat.id,
        company_id=chat.company_id,
        sender=Sender(id=chat.visitor_id, name=None, role=SenderRole.VISITOR),
        content=content,
        type=MessageType.TEXT,
        is_internal=False,
        sent_at=NOW,
    )


def test_a_new_chat_is_pending_and_records_its_creation() -> None:
    chat = new_chat()
    assert chat.status == ChatStatus.PENDING
    assert [e.type for e in chat.pending_events] == ["chat.created"]
    assert chat.version == 1


def test_assigning_a_pending_chat_records_one_status_change() -> None:
    chat = new_chat()
    agent = uuid4()
    chat.assign(agent, reason="manual", at=NOW)
    event = chat.pending_events[-1]
    assert chat.status == ChatStatus.ASSIGNED and chat.assigned_agent_id == agent
    assert event.type == "chat.status_changed"
    assert event.payload["from"] == "PENDING" and event.payload["to"] == "ASSIGNED"


def test_reassignment_needs_a_supervisor_and_becomes_a_transfer() -> None:
    chat = new_chat()
    chat.assign(uuid4(), reason="manual", at=NOW)
    with pytest.raises(InvalidTransition):
        chat.assign(uuid4(), reason="manual", at=NOW)
    chat.assign(uuid4(), reason="manual", at=NOW, by_supervisor=True)
    assert chat.status == ChatStatus.TRANSFERRED


def test_a_closed_chat_accepts_no_messages_and_no_transition() -> None:
    chat = new_chat()
    chat.close(reason="done", satisfaction=5, resolution=None, at=NOW)
    with pytest.raises(Conflict):
        chat.post_message(message_for(chat))
    with pytest.raises(InvalidTransition):
        chat.assign(uuid4(), reason="manual", at=NOW)


def test_satisfaction_outside_one_to_five_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        new_chat().close(reason=None, satisfaction=6, resolution=None, at=NOW)


def test_messages_update_the_chat_counters_but_internal_notes_do_not() -> None:
    chat = new_chat()
    chat.post_message(message_for(chat, "first"))
    note = message_for(chat, "note")
    note.is_internal = True
    chat.post_message(note)
    assert chat.total_messages == 1
    assert chat.last_message_preview == "first"


def test_requesting_an_agent_raises_the_chat_to_high_but_not_urgent() -> None:
    """URGENT is for a wait past its SLA target in business time (domain/sla.py)."""
    chat = new_chat()
    chat.request_agent(reason="visitor_request", at=NOW)
    assert chat.priority == Priority.HIGH
    assert chat.pending_events[-1].payload["previous_priority"] == "NORMAL"


def test_requesting_an_agent_never_lowers_a_higher_priority() -> None:
    chat = new_chat()
    chat.change_priority(Priority.URGENT, NOW)
    chat.request_agent(reason="visitor_request", at=NOW)
    assert chat.priority == Priority.URGENT


def test_an_old_request_event_replays_as_the_urgent_it_said() -> None:
    chat = new_chat()
    chat.request_agent(reason="visitor_request", at=NOW)
    event = chat.pending_events[-1]
    old = dataclasses.replace(event, payload={**event.payload, "priority": "URGENT"})
    replayed = new_chat()
    replayed.apply(old)
    assert replayed.priority == Priority.URGENT


COMMANDS = st.sampled_from(["assign", "reassign", "activate", "release", "close", "abandon"])


@given(st.lists(COMMANDS, max_size=12))
def test_any_command_sequence_follows_the_transition_table(commands: list[str]) -> None:
    """Every accepted move is in the table; refused moves leave the chat untouched; and the
    recorded events rebuild exactly the same chat."""
    chat = new_chat()
    for command in commands:
        before = (chat.status, chat.version)
        try:
            if command == "assign":
                chat.assign(uuid4(), reason="r", at=NOW)
            elif command == "reassign":
                chat.assign(uuid4(), reason="r", at=NOW, by_supervisor=True)
            elif command == "activate":
                chat.activate(NOW)
            elif command == "release":
                chat.release_to_queue(reason="r", at=NOW)
            elif command == "close":
                chat.close(reason=None, satisfaction=None, resolution=None, at=NOW)
            else:
                chat.abandon(NOW)
        except InvalidTransition:
            assert (chat.status, chat.version) == before
            continue
        assert chat.status in TRANSITIONS[before[0]]
    events = chat.take_events()
    rebuilt = Chat.from_created(events[0])
    for event in events[1:]:
        rebuilt.apply(event)
        rebuilt.version = event.version
    assert (rebuilt.status, rebuilt.assigned_agent_id, rebuilt.version) == (
        chat.status,
        chat.assigned_agent_id,
        chat.version,
    )


def test_final_statuses_have_no_way_out() -> None:
    assert TRANSITIONS[ChatStatus.CLOSED] == frozenset()
    assert TRANSITIONS[ChatStatus.ABANDONED] == frozenset()


def test_apply_refuses_an_event_it_does_not_know() -> None:
    chat = new_chat()
    with pytest.raises(ValueError):
        chat.apply(
            DomainEvent(
                type="chat.exploded",
                aggregate_type="chat",
                aggregate_id=chat.id,
                company_id=chat.company_id,
                payload={},
                occurred_at=NOW,
            )
        )


def test_a_visitor_rates_a_closed_chat_once() -> None:
    chat = new_chat()
    with pytest.raises(InvalidTransition):
        chat.rate(4, NOW)
    chat.close(reason="agent_closed", satisfaction=None, resolution="answered", at=NOW)
    with pytest.raises(ValidationFailed):
        chat.rate(6, NOW)
    chat.rate(4, NOW)
    assert chat.satisfaction == 4
    assert chat.pending_events[-1].type == "chat.rated"
    assert chat.pending_events[-1].payload["satisfaction"] == 4
    with pytest.raises(Conflict):
        chat.rate(5, NOW)
    rebuilt = Chat.from_created(chat.pending_events[0])
    for event in chat.pending_events[1:]:
        rebuilt.apply(event)
    assert rebuilt.satisfaction == 4
