"""The bot has one name: the sender of every AI message (the bot's key, the server's hand-off)
is the name the widget's settings announce, before and after an admin renames the bot.

The issue: a visitor saw the bot as "Guiders AI" (its key's name) and as "AI assistant" (the
hand-off's) in the same chat."""

from __future__ import annotations

from typing import Any

import httpx

from guiders.domain.settings import DEFAULT_BOT_NAME
from guiders.runtime import Runtime
from guiders.services.handoff_saga import HandoffSettings
from tests import waiting
from tests.integration.test_api import key_headers, visitor
from tests.integration.test_attachments import png, upload
from tests.integration.test_handoff_api import everyone, handoff, messages
from tests.integration.test_model_health_api import admin


async def announced(api: httpx.AsyncClient, headers: dict[str, str]) -> str:
    r = await api.get("/api/v2/settings/visitor", headers=headers)
    assert r.status_code == 200, r.text
    return str(r.json()["sections"]["bot"]["name"])


async def bot_says(api: httpx.AsyncClient, demo: dict[str, Any], chat_id: str, text: str) -> str:
    r = await api.post(
        f"/api/v2/chats/{chat_id}/messages",
        json={"content": text, "type": "ai-response"},
        headers=key_headers(demo),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["sender"]["name"])


async def test_every_ai_message_carries_the_name_the_widget_announces(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    runtime.handoff.settings = HandoffSettings(poll_s=0.05, scan_s=0.2)
    eva = await visitor(api, demo, "bot-name-eva")
    r = await api.post(
        "/api/v2/chats/with-message",
        json={"firstMessage": {"content": "I need a human"}},
        headers=eva["headers"],
    )
    chat_id = r.json()["chatId"]
    assert await announced(api, eva["headers"]) == DEFAULT_BOT_NAME
    assert await bot_says(api, demo, chat_id, "Hello!") == DEFAULT_BOT_NAME

    await everyone(api, demo, "offline")  # the hand-off queues the chat and says so
    assert (await handoff(api, demo, chat_id, language="en")).status_code == 202

    async def queued() -> Any:
        found = [m for m in await messages(api, demo, chat_id) if m["metadata"].get("sagaId")]
        return found[0] if found else None

    told = await waiting.eventually(queued, timeout=15, interval=0.05)
    assert told["sender"]["name"] == DEFAULT_BOT_NAME and told["sender"]["role"] == "ai"

    headers = await admin(api, runtime, demo)
    r = await api.put("/api/v2/settings/bot", json={"values": {"name": "Robin"}}, headers=headers)
    assert r.status_code == 200, r.text
    assert await announced(api, eva["headers"]) == "Robin"
    assert await bot_says(api, demo, chat_id, "Still here") == "Robin"
    seen = await api.get(f"/api/v2/chats/{chat_id}/messages?limit=100", headers=eva["headers"])
    names = {m["sender"]["name"] for m in seen.json()["messages"] if m["sender"]["role"] == "ai"}
    assert names == {DEFAULT_BOT_NAME, "Robin"}  # each message keeps the name it was sent under


async def test_a_first_message_and_a_file_from_the_bot_carry_its_name_too(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    """The two other ways a key writes in a chat: a chat opened with its first message, and
    a file sent as a message (``services/chats.py``, ``services/attachments.py``)."""
    headers = await admin(api, runtime, demo)
    r = await api.put("/api/v2/settings/bot", json={"values": {"name": "Robin"}}, headers=headers)
    assert r.status_code == 200, r.text
    ida = await visitor(api, demo, "bot-name-ida")
    opened = await api.post(
        "/api/v2/chats/with-message",
        json={"visitorId": ida["visitorId"], "firstMessage": {"content": "Hello from us"}},
        headers=key_headers(demo),
    )
    assert opened.status_code == 201, opened.text
    chat_id = opened.json()["chatId"]
    sent = await upload(api, chat_id, "size-chart.png", png(), key_headers(demo))
    assert sent.status_code == 201, sent.text
    assert sent.json()["message"]["sender"]["name"] == "Robin"
    seen = await api.get(f"/api/v2/chats/{chat_id}/messages?limit=100", headers=ida["headers"])
    authors = [(m["sender"]["role"], m["sender"]["name"]) for m in seen.json()["messages"]]
    assert authors == [("ai", "Robin"), ("ai", "Robin")], authors
