"""The pipeline's conversation saga against the real API (in-process ASGI), on SQLite and
PostgreSQL, driven through GuidersClient exactly as a remote worker would. (The hand-off to a
person is the server's own saga: ``test_handoff_api.py``.)"""

from __future__ import annotations

from typing import Any

import httpx

from guiders.client import GuidersClient
from guiders.pipeline.analysis import Analyzer
from guiders.pipeline.conversation import ConversationSettings, conversation_saga
from guiders.pipeline.saga_api import ApiSagaStore
from guiders.sagas import SagaRunner
from tests.integration.test_api import visitor
from tests.integration.test_pipeline_processor import client

__all__ = ["client"]  # the in-process client fixture, shared


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
