"""Which visitors an event makes due, in a scoring replica."""

from __future__ import annotations

from guiders.analytics.replicas import first_visitor, visitors_of


def test_tracked_activity_names_each_visitor_once() -> None:
    event = {
        "type": "visitor.activity_tracked",
        "payload": {"events": [{"visitor_id": "b"}, {"visitor_id": "a"}, {"visitor_id": "b"}]},
    }
    assert visitors_of(event) == ["a", "b"]
    assert first_visitor(event) == "a"


def test_a_chat_or_a_conversion_names_its_visitor() -> None:
    assert visitors_of({"type": "chat.created", "payload": {"visitor_id": "v"}}) == ["v"]
    converted = {"type": "visitor.converted", "aggregateType": "visitor", "aggregateId": "w"}
    assert visitors_of(converted) == ["w"]
    assert first_visitor({"type": "visitor.session_ended", "payload": {}}) is None
