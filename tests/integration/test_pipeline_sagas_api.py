"""The conversation and escalation sagas against the real API (in-process ASGI), on SQLite and
PostgreSQL, driven through GuidersClient exactly as a remote worker would."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from guiders.client import GuidersClient
from guiders.pipeline.analysis import Analyzer
from guiders.pipeline.conversation import ConversationSettings, conversation_saga
from guiders.pipeline.escalation import EscalationSettings, escalate, escalation_saga
from guiders.pipeline.saga_store import ApiSagaStore
from guiders.pipeline.sagas import SagaRunner
from tests.integration.test_api import key_headers, staff, visitor
from tests.integration.test_pipeline_processor import client
from tests.waiting import eventually

__all__ = ["client"]  # the in-process client fixture, shared


async def _open_chat(api: httpx.AsyncClient, demo: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    v = await visitor(api, demo, fp="sagas")
    r = await api.post(
        "/api/v2/chats/with-message",
        json={"firstMessage": {"content": "I need a human"}},
        headers=v["headers"],
    )
    return r.json()["chatId"], v


async def _visible(api: httpx.AsyncClient, chat_id: str, headers: dict[str, str]) -> list[str]:
    r = await api.get(f"/api/v2/chats/{chat_id}/messages?limit=100", headers=headers)
    return [m["content"] for m in r.json()["messages"]]


async def test_the_conversation_saga_opens_a_chat_and_answers_once(
    client: GuidersClient, api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    v = await visitor(api, demo, fp="conv")
    runner = SagaRunner(
        ApiSagaStore(client), {"conversation": conversation_saga(client, Analyzer())}
    )
    context = {"visitorId": v["visitorId"], "question": "Where is my order?"}
    state = await runner.start("conversation", "00000000-0000-4000-8000-00000000c0a1", context)
    assert state.status == "COMPLETED", state.error
    chat_id = state.context["chatId"]
    assert (await _visible(api, chat_id, v["headers"]))[0].startswith("Thanks for your message")
    # a redelivered start does nothing twice
    state.steps.clear()
    again = await runner.start("conversation", state.id, context)
    assert again.status == "COMPLETED"
    assert len(await _visible(api, chat_id, v["headers"])) == 1
    chats = (await api.get(f"/api/v2/visitors/{v['visitorId']}/chats", headers=v["headers"])).json()
    assert len(chats["chats"]) == 1


async def test_a_failed_send_compensates_by_closing_the_chat(
    client: GuidersClient, api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    v = await visitor(api, demo, fp="conv-fail")
    too_long = ConversationSettings(fallback_template="x" * 10_001)
    saga = conversation_saga(client, Analyzer(), too_long)
    runner = SagaRunner(ApiSagaStore(client), {"conversation": saga})
    state = await runner.start(
        "conversation", "00000000-0000-4000-8000-00000000c0a2", {"visitorId": v["visitorId"]}
    )
    assert state.status == "FAILED"
    assert state.context["failedStep"] == "send_message"
    assert [s["status"] for s in state.steps] == ["compensated"] * 3
    chat = await client.get_chat(state.context["chatId"])
    assert chat.status == "CLOSED"
    events = await client.events(aggregate_id=state.id)
    assert [e.type for e in events.events][-1] == "saga.status_changed"


async def test_escalation_hands_over_to_the_next_agent_when_the_first_does_not_answer(
    client: GuidersClient, api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    chat_id, v = await _open_chat(api, demo)
    ana, ben = demo["staff"][0]["commercialId"], demo["staff"][1]["commercialId"]
    for agent in (ana, ben):
        await client.set_commercial_status(agent, "online")
    store = ApiSagaStore(client)
    quick = EscalationSettings(answer_timeout_s=0.6, poll_s=0.05)
    runner = SagaRunner(store, {"escalation": escalation_saga(client, store, quick)})
    first = (await client.available_commercials())[0]
    second_headers = await staff(api, demo, 0 if first.id == ben else 1)
    second_id = ana if first.id == ben else ben

    async def handed_to_the_second() -> bool:
        chat = await client.get_chat(chat_id)
        joined = sum("is joining" in m for m in await _visible(api, chat_id, v["headers"]))
        return chat.assigned_commercial_id == second_id and joined == 2

    async def second_agent_answers() -> None:
        await eventually(handed_to_the_second, timeout=20)
        r = await api.post(
            f"/api/v2/chats/{chat_id}/messages", json={"content": "Hi, I'm here"},
            headers=second_headers,
        )  # fmt: skip
        assert r.status_code == 201, r.text

    answering = asyncio.create_task(second_agent_answers())
    final = await escalate(runner, chat_id, summary="wants a human", reason="visitor asked")
    await answering
    assert final.status == "COMPLETED"
    chat = await client.get_chat(chat_id)
    assert chat.status == "ACTIVE" and chat.assigned_commercial_id == second_id
    assert chat.metadata["customFields"]["botMuted"] is True
    seen = await _visible(api, chat_id, v["headers"])
    assert seen[0] == "I need a human" and seen[-1] == "Hi, I'm here"
    joined = [m for m in seen if "is joining" in m]
    withdrawn = [m for m in seen if "could not join" in m]
    assert joined == [f"{first.name} is joining the conversation and will answer you in a moment.",
                      f"{chat.assigned_commercial.name if chat.assigned_commercial else ''} is "
                      "joining the conversation and will answer you in a moment."]  # fmt: skip
    assert withdrawn == [
        f"{first.name} could not join right now. Let me find someone else for you."
    ]
    notes = (await api.get(f"/api/v2/chats/{chat_id}/messages", headers=key_headers(demo))).json()
    assert sum(1 for m in notes["messages"] if m["type"] == "internal") == 2


async def test_escalation_with_nobody_available_leaves_the_chat_queued_and_says_so(
    client: GuidersClient, api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    chat_id, v = await _open_chat(api, demo)
    for member in demo["staff"]:
        if member.get("commercialId"):
            await client.set_commercial_status(member["commercialId"], "offline")
    store = ApiSagaStore(client)
    runner = SagaRunner(store, {"escalation": escalation_saga(client, store)})
    final = await escalate(runner, chat_id, summary="s", reason="r")
    assert final.status == "FAILED" and final.context["failedStep"] == "reserve_agent"
    assert (await client.get_chat(chat_id)).status == "PENDING"
    assert any("You are in the queue" in m for m in await _visible(api, chat_id, v["headers"]))
