"""Request shapes of the contract's chat and message calls: optional fields (``visitorInfo?``,
``metadata?``, ``type?``, ``isInternal?``, ``clientMessageId?``, ``reason?``...) may be left
out or sent as JSON ``null``, which means the same; a required one is refused by name."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.test_sdk_surface import key_headers, sdk_visitor


async def test_null_optional_fields_are_taken_as_left_out(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    visitor = await sdk_visitor(api, demo, "fp-nulls")
    sid = visitor["headers"]
    opened = await api.post(
        "/api/v2/chats/with-message",
        json={
            "visitorInfo": None,
            "metadata": None,
            "firstMessage": {"content": "hi", "type": None, "metadata": None},
        },
        headers=sid,
    )
    assert opened.status_code == 201, opened.text
    chat = opened.json()["chatId"]
    empty = {"visitorInfo": None, "metadata": None}
    plain = await api.post("/api/v2/chats", json=empty, headers=sid)
    assert plain.status_code == 201, plain.text
    guide = await api.post(
        f"/api/v2/chats/{chat}/messages",
        json={"content": "guide", "type": None, "metadata": None, "clientMessageId": None},
        headers=sid,
    )
    assert guide.status_code == 201, guide.text
    assert guide.json()["type"] == "text" and guide.json()["metadata"] == {}
    sdk = await api.post(
        "/api/v2/messages",
        json={"chatId": chat, "content": "sdk", "type": None, "isInternal": None},
        headers=sid,
    )
    assert sdk.status_code == 201, sdk.text
    assert sdk.json()["isInternal"] is False and sdk.json()["type"] == "text"
    shown = (await api.get(f"/api/v2/chats/{chat}", headers=sid)).json()
    assert shown["metadata"]["tags"] == [] and shown["visitorInfo"]["id"] == visitor["visitorId"]
    no_reason = {"reason": None}
    asked = await api.post(f"/api/v2/chats/{chat}/request-agent", json=no_reason, headers=sid)
    assert asked.status_code == 200, asked.text
    closed = await api.put(
        f"/api/v2/chats/{chat}/close",
        json={"reason": None, "satisfaction": None, "resolution": None, "metadata": None},
        headers=key_headers(demo),
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "CLOSED"


async def test_a_null_required_field_is_refused_by_name(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    visitor = await sdk_visitor(api, demo, "fp-null-required")
    sid = visitor["headers"]
    chat = (await api.post("/api/v2/chats", json={}, headers=sid)).json()["chatId"]
    cases = [
        ("/api/v2/chats/with-message", {"firstMessage": None}, "firstMessage"),
        ("/api/v2/chats/with-message", {"firstMessage": {"content": None}}, "firstMessage.content"),
        (f"/api/v2/chats/{chat}/messages", {"content": None}, "content"),
        ("/api/v2/messages", {"chatId": None, "content": "x"}, "chatId"),
    ]
    for path, body, field in cases:
        r = await api.post(path, json=body, headers=sid)
        assert r.status_code == 422, (path, r.text)
        assert r.json()["error"] == "validation_error" and r.json()["field"] == field, r.text
