"""Shadow mode end to end: a topic in shadow gets a draft only staff see, the agent's review is
recorded for the topic, and other topics are answered as before."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from guiders.ai.kb_model import KnowledgeBase
from guiders.client import GuidersClient
from tests.e2e import test_bot
from tests.e2e.server import ServerProcess
from tests.e2e.test_bot import ANSWERS, messages_until, open_chat, replies_to, reply, running_bot

# The bot tests' module fixtures: a server, the demo KB trained once, the reset admin client.
server = test_bot.server
kb_dir = test_bot.kb_dir
kb = test_bot.kb
admin = test_bot.admin

pytestmark = pytest.mark.e2e


async def staff_headers(server: ServerProcess, index: int) -> dict[str, str]:
    member = server.credentials()["staff"][index]
    async with httpx.AsyncClient(base_url=server.base, timeout=10) as http:
        r = await http.post(
            "/api/user/auth/login", json={"email": member["email"], "password": member["password"]}
        )
    assert r.status_code == 200, r.text
    return {"authorization": f"Bearer {r.json()['access_token']}"}


async def test_a_topic_in_shadow_is_drafted_for_the_agent_and_never_sent(
    server: ServerProcess, kb: KnowledgeBase, admin: GuidersClient
) -> None:
    async with running_bot(server, kb, shadow_topics=["shipping"]):
        visitor = await open_chat(server, "Lucía", "bot-shadow")
        asked = await visitor.say("how long does shipping take?")
        messages = await messages_until(admin, visitor.chat_id, replies_to(asked))
        other = await visitor.say("what is your return policy?")
        later = await messages_until(admin, visitor.chat_id, replies_to(other))
    draft = reply(messages, asked)
    assert draft.type == "internal" and draft.metadata["isDraft"] is True
    assert draft.metadata["topic"] == "shipping" and draft.content == ANSWERS["shipping"]["en"]
    assert [m for m in later if m.metadata.get("replyTo") == asked] == [draft]  # nothing else
    assert reply(later, other).type == "ai-response"  # returns is not in shadow
    async with httpx.AsyncClient(base_url=server.base, timeout=10) as http:
        seen: list[dict[str, Any]] = (
            await http.get(f"/api/v2/chats/{visitor.chat_id}/messages", headers=visitor.headers)
        ).json()["messages"]
        assert draft.id not in {m["id"] for m in seen}  # the visitor never sees the draft
        agent = await staff_headers(server, 1)
        review = {"topic": "shipping", "action": "sent", "draftId": draft.id}
        r = await http.post("/api/v2/bot/shadow/reviews", json=review, headers=agent)
        assert r.status_code == 201, r.text
        again = await http.post("/api/v2/bot/shadow/reviews", json=review, headers=agent)
        assert again.status_code == 409
        view = (await http.get("/api/v2/bot/shadow", headers=await staff_headers(server, 0))).json()
    (topic,) = [t for t in view["topics"] if t["topic"] == "shipping"]
    assert topic["drafts"] >= 1 and topic["sentUnchanged"] >= 1
