"""The catalogue of personal fields: set aside, put back, erased, on payload shapes of the log."""

from __future__ import annotations

from uuid import uuid4

from guiders.domain.personal_data import (
    ERASED,
    ERASED_KEY,
    erased,
    put_back,
    set_aside,
    subject_of,
)


def test_a_message_keeps_its_ids_and_hides_its_words() -> None:
    payload = {
        "message_id": "m1",
        "chat_id": "c1",
        "visitor_id": str(uuid4()),
        "content": "my card is 4111",
        "sender_name": "Ana",
        "metadata": {"page": "/checkout"},
        "internal": False,
    }
    public, personal = set_aside("message.sent", payload)
    assert public["content"] == ERASED and public["sender_name"] == ERASED
    assert public["metadata"] == {} and public["message_id"] == "m1"
    assert "4111" not in repr(public) and "Ana" not in repr(public)
    assert put_back(public, personal) == payload
    assert payload["content"] == "my card is 4111", "the appended payload is not changed"


def test_nested_and_listed_paths() -> None:
    tracked = {
        "events": [
            {"id": "1", "type": "page_view", "url": "https://shop/a?email=x@y.z", "metadata": None},
            {"id": "2", "type": "click", "url": "https://shop/b", "metadata": {"title": "B"}},
        ]
    }
    public, personal = set_aside("visitor.activity_tracked", tracked)
    assert [e["url"] for e in public["events"]] == [ERASED, ERASED]
    assert public["events"][0]["metadata"] is None and public["events"][1]["metadata"] == {}
    assert put_back(public, personal) == tracked

    created = {
        "chat_id": "c",
        "visitor_info": {"id": "v", "name": "Ana", "email": "ana@example.com"},
        "metadata": {"tags": ["x"], "initial_url": "https://shop/", "custom_fields": {"k": 1}},
    }
    public, personal = set_aside("chat.created", created)
    assert public["visitor_info"] == {"id": "v", "name": ERASED, "email": ERASED}
    assert public["metadata"]["tags"] == ["x"]
    assert put_back(public, personal) == created


def test_erased_payload_lists_its_paths_and_keeps_the_shape() -> None:
    public, personal = set_aside("message.sent", {"content": "hi", "chat_id": "c"})
    out = erased(public, list(personal))
    assert out == {"content": ERASED, "chat_id": "c", ERASED_KEY: ["content"]}
    assert out["content"][:120] == ERASED


def test_types_without_personal_fields_are_left_alone() -> None:
    public, personal = set_aside("chat.priority_changed", {"chat_id": "c", "priority": "HIGH"})
    assert personal == {} and public == {"chat_id": "c", "priority": "HIGH"}


def test_subject_is_the_visitor_aggregate_or_the_named_visitor() -> None:
    visitor, chat = uuid4(), uuid4()
    assert subject_of("visitor.registered", "visitor", visitor, {}) == visitor
    assert subject_of("message.sent", "chat", chat, {"visitor_id": str(visitor)}) == visitor
    assert subject_of("chat.custom_fields_changed", "chat", chat, {}) is None
    assert subject_of("chat.priority_changed", "chat", chat, {"visitor_id": str(visitor)}) is None
