"""Shadow mode in the console: the bot's draft is sent, edited or discarded, and each decision
is recorded for its topic."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.browser.test_web import sign_in, watch
from tests.e2e.server import ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def draft(server: ServerProcess, key: dict[str, str], chat_id: str, text: str) -> None:
    """What the bot posts for a topic in shadow (tests/e2e/test_bot_shadow.py checks the bot)."""
    r = httpx.post(
        f"{server.base}/api/v2/chats/{chat_id}/messages",
        json={
            "content": text,
            "type": "internal",
            "metadata": {"isDraft": True, "topic": "shipping", "intent": "shipping"},
        },
        headers=key,
    )
    assert r.status_code == 201, r.text


def test_an_agent_sends_edits_and_discards_the_bots_drafts(
    server: ServerProcess, browser: Any
) -> None:
    creds = server.credentials()
    key = {"authorization": f"Bearer {creds['integrationKey']}"}
    v = httpx.post(
        f"{server.base}/api/auth/visitor/register",
        json={"apiKey": creds["siteKey"], "domain": "localhost", "fingerprint": "drafts"},
    ).json()
    vh = {"authorization": f"Bearer {v['accessToken']}"}
    chat = httpx.post(
        f"{server.base}/api/v2/chats/with-message",
        json={"firstMessage": {"content": "Do you ship to Portugal?"}},
        headers=vh,
    ).json()["chatId"]
    draft(server, key, chat, "Yes, we ship to Portugal in 3-5 days.")

    errors: list[str] = []
    agent = watch(browser.new_context().new_page(), [], errors)
    sign_in(agent, server.base, "/console/", creds["staff"][1])
    queued = agent.locator(".queue .item", has_text="Portugal")
    expect(queued).to_have_count(1)
    queued.locator("button.take").click()
    card = agent.locator(".msgs .m.draft")
    expect(card).to_have_count(1)
    expect(card.locator(".who")).to_contain_text("Draft by the bot · shipping")
    card.locator("button[data-action=send-draft]").click()
    expect(agent.locator(".msgs .m.commercial .text")).to_have_text(
        ["Yes, we ship to Portugal in 3-5 days."]
    )
    expect(card.locator(".draft-done")).to_have_text("reviewed")

    draft(server, key, chat, "Express costs 9.95.")
    second = agent.locator(".msgs .m.draft").nth(1)
    second.locator("button[data-action=edit-draft]").click()
    reply = agent.locator("input[aria-label=Reply]")
    expect(reply).to_have_value("Express costs 9.95.")
    reply.fill("Express costs €9.95 and arrives in 24 h.")
    reply.press("Enter")
    expect(agent.locator(".msgs .m.commercial .text").last).to_have_text(
        "Express costs €9.95 and arrives in 24 h."
    )

    draft(server, key, chat, "We do not ship to Mars.")
    third = agent.locator(".msgs .m.draft").nth(2)
    third.locator("button[data-action=discard-draft]").click()
    expect(third.locator(".draft-done")).to_have_text("reviewed")

    seen = httpx.get(f"{server.base}/api/v2/chats/{chat}/messages", headers=vh).json()["messages"]
    assert not any("Mars" in m["content"] for m in seen)  # a discarded draft never left
    view = httpx.get(f"{server.base}/api/v2/bot/shadow", headers=key).json()
    (shipping,) = view["topics"]
    assert (shipping["sentUnchanged"], shipping["edited"], shipping["discarded"]) == (1, 1, 1)
    assert errors == [], errors
