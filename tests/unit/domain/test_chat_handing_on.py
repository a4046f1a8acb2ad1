"""Handing a chat on: transfer to an agent or a department, with a note; tags removed."""

from __future__ import annotations

from uuid import uuid4

import pytest
from tests.unit.domain.test_chat import NOW, new_chat

from guiders.domain.chat import MAX_TAGS, Chat, ChatStatus
from guiders.domain.errors import Conflict, InvalidTransition, ValidationFailed


def assigned() -> Chat:
    chat = new_chat()
    chat.assign(uuid4(), reason="manual", at=NOW)
    chat.take_events()
    return chat


def test_transfer_to_an_agent_records_the_fact_then_the_status_change() -> None:
    chat = assigned()
    before, to = chat.assigned_agent_id, uuid4()
    chat.transfer(to_agent_id=to, department=None, note=" VIP, be quick ", at=NOW)
    events = chat.take_events()
    assert [e.type for e in events] == ["chat.transferred", "chat.status_changed"]
    fact = events[0].payload
    assert fact["from_agent_id"] == str(before) and fact["to_agent_id"] == str(to)
    assert fact["note"] == "VIP, be quick"
    assert chat.status == ChatStatus.TRANSFERRED and chat.assigned_agent_id == to


def test_transfer_to_a_department_without_an_agent_queues_it_marked() -> None:
    chat = assigned()
    chat.transfer(to_agent_id=None, department="Sales", note=None, at=NOW)
    assert chat.status == ChatStatus.PENDING
    assert chat.assigned_agent_id is None
    assert chat.metadata.department == "Sales"


def test_a_pending_chat_transferred_to_an_agent_becomes_assigned() -> None:
    chat = new_chat()
    chat.transfer(to_agent_id=uuid4(), department="Support", note="", at=NOW)
    assert chat.status == ChatStatus.ASSIGNED
    assert chat.take_events()[-2].payload["note"] is None


def test_refusals() -> None:
    chat = assigned()
    with pytest.raises(ValidationFailed):
        chat.transfer(to_agent_id=None, department=None, note=None, at=NOW)
    with pytest.raises(Conflict):
        chat.transfer(to_agent_id=chat.assigned_agent_id, department=None, note=None, at=NOW)
    with pytest.raises(ValidationFailed):
        chat.transfer(to_agent_id=uuid4(), department=None, note="x" * 1001, at=NOW)
    chat.close(reason=None, satisfaction=None, resolution=None, at=NOW)
    with pytest.raises(InvalidTransition):
        chat.transfer(to_agent_id=uuid4(), department=None, note=None, at=NOW)


def test_replaying_the_events_gives_the_same_chat() -> None:
    chat = new_chat()
    events = chat.take_events()
    chat.transfer(to_agent_id=None, department="Sales", note="n", at=NOW)
    chat.tag(["vip", "refund"], NOW)
    chat.untag(["refund", "absent"], NOW)
    events += chat.take_events()
    rebuilt = Chat.from_created(events[0])
    for event in events[1:]:
        rebuilt.apply(event)
    assert rebuilt.metadata.tags == ["vip"] == chat.metadata.tags
    assert rebuilt.metadata.department == "Sales"


def test_untag_is_idempotent_and_tags_are_bounded() -> None:
    chat = new_chat()
    chat.take_events()
    chat.untag(["none"], NOW)
    assert chat.take_events() == []
    chat.tag([f"t{i}" for i in range(MAX_TAGS)], NOW)
    with pytest.raises(ValidationFailed):
        chat.tag(["one-more"], NOW)
