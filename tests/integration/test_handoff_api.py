"""The hand-off to a person, run by the server: ``POST /v2/chats/{id}/handoff`` on SQLite and
PostgreSQL (in-process ASGI; the runtime's own ``HandoffWorker`` runs the sagas)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from guiders.runtime import Runtime
from guiders.services.handoff_saga import HandoffSettings
from tests import waiting
from tests.integration.test_api import key_headers, staff, visitor

QUICK = HandoffSettings(poll_s=0.05, scan_s=0.2)


@pytest.fixture(autouse=True)
def quick_handoffs(runtime: Runtime) -> None:
    runtime.handoff.settings = QUICK


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 15) -> None:
    await waiting.eventually(check, timeout=within, interval=0.05)


async def open_chat(api: httpx.AsyncClient, demo: dict[str, Any], fp: str) -> tuple[str, Any]:
    v = await visitor(api, demo, fp=fp)
    r = await api.post(
        "/api/v2/chats/with-message",
        json={"firstMessage": {"content": "I need a human"}},
        headers=v["headers"],
    )
    assert r.status_code == 201, r.text
    return r.json()["chatId"], v


async def set_status(api: httpx.AsyncClient, demo: dict[str, Any], agent: str, status: str) -> None:
    r = await api.put(
        f"/api/v2/commercials/{agent}/status", json={"status": status}, headers=key_headers(demo)
    )
    assert r.status_code == 200, r.text


async def everyone(api: httpx.AsyncClient, demo: dict[str, Any], status: str) -> list[str]:
    agents = [m["commercialId"] for m in demo["staff"] if m.get("commercialId")]
    for agent in agents:
        await set_status(api, demo, agent, status)
    return agents


async def chat_of(api: httpx.AsyncClient, demo: dict[str, Any], chat_id: str) -> dict[str, Any]:
    r = await api.get(f"/api/v2/chats/{chat_id}", headers=key_headers(demo))
    body: dict[str, Any] = r.json()
    return body


async def messages(api: httpx.AsyncClient, demo: dict[str, Any], chat_id: str) -> list[Any]:
    r = await api.get(f"/api/v2/chats/{chat_id}/messages?limit=100", headers=key_headers(demo))
    found: list[Any] = r.json()["messages"]
    return found


def handoff(api: httpx.AsyncClient, demo: dict[str, Any], chat_id: str, **body: Any) -> Any:
    return api.post(
        f"/api/v2/chats/{chat_id}/handoff",
        json={"reason": "visitor asked", "summary": "wants a human", **body},
        headers=key_headers(demo),
    )


async def test_the_next_agent_gets_the_chat_when_the_first_does_not_answer(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    chat_id, _ = await open_chat(api, demo, "handoff-next")
    await everyone(api, demo, "offline")
    ana, ben = demo["staff"][0]["commercialId"], demo["staff"][1]["commercialId"]
    for agent in (ana, ben):
        await set_status(api, demo, agent, "online")
    logins = {ana: await staff(api, demo, 0), ben: await staff(api, demo, 1)}  # before the clock
    r = await handoff(api, demo, chat_id, answerTimeoutS=1.5, language="en", replyTo="m1")
    assert r.status_code == 202, r.text
    again = await handoff(api, demo, chat_id, answerTimeoutS=1.5)
    assert again.json()["sagaId"] == r.json()["sagaId"]  # one hand-off at a time per chat

    async def handed_on() -> bool:
        joined = [m for m in await messages(api, demo, chat_id) if m["metadata"].get("assignedTo")]
        chat = await chat_of(api, demo, chat_id)
        if not joined or chat["status"] != "ASSIGNED":
            return False
        return chat["assignedCommercialId"] != joined[0]["metadata"]["assignedTo"]["id"]

    await eventually(handed_on)
    second = (await chat_of(api, demo, chat_id))["assignedCommercialId"]
    r = await api.post(
        f"/api/v2/chats/{chat_id}/messages",
        json={"content": "Hi, I'm here"},
        headers=logins[second],
    )
    assert r.status_code == 201, r.text

    async def answered() -> bool:
        return (await chat_of(api, demo, chat_id))["status"] == "ACTIVE"

    await eventually(answered)
    seen = await messages(api, demo, chat_id)
    joined = [m for m in seen if m["metadata"].get("assignedTo")]
    assert len(joined) == 1  # told once who is coming, not once per agent tried
    first = joined[0]["metadata"]["assignedTo"]
    assert {first["id"], second} == {ana, ben}
    assert joined[0]["content"].startswith("I'm passing you to ")
    withdrawn = [m for m in seen if m["metadata"].get("isEscalationWithdrawn")]
    assert len(withdrawn) == 1 and first["name"] in withdrawn[0]["content"]
    notes = [m for m in seen if m["type"] == "internal"]
    assert len(notes) == 2 and "wants a human" in notes[0]["content"]
    assert notes[0]["metadata"]["isEscalationSummary"] is True
    assert not [m for m in seen if m["metadata"].get("replyTo")]  # only a queued message has it
    chat = await chat_of(api, demo, chat_id)
    assert chat["metadata"]["customFields"]["botMuted"] is True


async def test_with_nobody_free_the_chat_waits_then_goes_to_the_first_agent_online(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    chat_id, _ = await open_chat(api, demo, "handoff-queue")
    agents = await everyone(api, demo, "offline")
    r = await handoff(api, demo, chat_id, language="es", replyTo="m7", key="m7")
    assert r.status_code == 202, r.text

    async def queued() -> bool:
        return any(
            m["metadata"].get("isEscalationPending") for m in await messages(api, demo, chat_id)
        )

    await eventually(queued)
    await runtime.handoff.idle()
    told = next(
        m for m in await messages(api, demo, chat_id) if m["metadata"].get("isEscalationPending")
    )
    assert told["content"].startswith("Ahora mismo no hay ningún agente disponible")
    assert told["metadata"]["replyTo"] == "m7"
    assert (await chat_of(api, demo, chat_id))["status"] == "PENDING"
    waiting = await runtime.handoff.runner.store.unfinished("escalation")
    assert [s.context["waiting"] for s in waiting] == [True]
    await set_status(api, demo, agents[0], "online")

    async def assigned() -> bool:
        return (await chat_of(api, demo, chat_id))["assignedCommercialId"] == agents[0]

    await eventually(assigned)
    pending = [
        m for m in await messages(api, demo, chat_id) if m["metadata"].get("isEscalationPending")
    ]
    assert len(pending) == 1  # told once


async def test_a_dead_servers_handoff_is_resumed_from_its_saved_step(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    chat_id, _ = await open_chat(api, demo, "handoff-orphan")
    await everyone(api, demo, "offline")
    agent = demo["staff"][1]["commercialId"]
    await set_status(api, demo, agent, "online")
    await runtime.handoff.stop()  # no scans of its own: this test scans by hand
    runtime.services.handoff.requested = lambda state: None  # this server "dies" at once
    r = await handoff(api, demo, chat_id)
    store = runtime.handoff.runner.store
    state = await store.load(r.json()["sagaId"])
    assert state is not None and state.status == "STARTED" and not state.steps
    state.owner, state.lease_expires_at = "server-dead", datetime.now(UTC) + timedelta(seconds=30)
    state.steps.append({"name": "find_agent", "status": "done", "at": "2026-01-01T00:00:00"})
    state = await store.save(state)
    assert await runtime.handoff.scan() == 0  # its lease still runs
    state.lease_expires_at = datetime.now(UTC) - timedelta(seconds=1)
    await store.save(state)
    assert await runtime.handoff.scan() == 1

    async def assigned() -> bool:
        return (await chat_of(api, demo, chat_id))["assignedCommercialId"] == agent

    await eventually(assigned)


async def test_a_handoff_is_for_keys_and_supervisors_of_open_chats(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    chat_id, v = await open_chat(api, demo, "handoff-rules")
    r = await api.post(
        f"/api/v2/chats/{chat_id}/handoff", json={"reason": "x"}, headers=v["headers"]
    )
    assert r.status_code == 403 and r.json()["error"]
    r = await handoff(api, demo, "00000000-0000-4000-8000-000000000000")
    assert r.status_code == 404, r.text
    r = await api.post(
        f"/api/v2/chats/{chat_id}/handoff", json={"reason": ""}, headers=key_headers(demo)
    )
    assert r.status_code == 422, r.text
    r = await api.put(f"/api/v2/chats/{chat_id}/close", json={}, headers=key_headers(demo))
    assert r.status_code == 200, r.text
    r = await handoff(api, demo, chat_id)
    assert r.status_code == 409, r.text
