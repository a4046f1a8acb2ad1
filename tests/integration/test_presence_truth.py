"""Presence that tells the truth (issue 16): an agent with an "online" status but no live
connection is never given a chat, on SQLite and PostgreSQL, with in-memory presence.
The Redis presence store answers the same ``connected`` question (test_presence_store.py)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx
import pytest

from guiders.config import Settings
from guiders.domain.agent import AgentStatus
from guiders.presence.memory import MemoryPresence
from guiders.runtime import Runtime
from guiders.services.presence import PresenceService
from tests.integration.test_api import key_headers
from tests.integration.test_presence import staff_principal
from tests.waiting import eventually


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"presence_requires_connection": True, "presence_grace_s": 0.3}
    )


async def set_status(api: httpx.AsyncClient, demo: dict[str, Any], i: int, status: str) -> None:
    agent = demo["staff"][i]["commercialId"]
    r = await api.put(
        f"/api/v2/commercials/{agent}/status", json={"status": status}, headers=key_headers(demo)
    )
    assert r.status_code == 200, r.text


async def available(api: httpx.AsyncClient, demo: dict[str, Any]) -> list[str]:
    r = await api.get("/api/v2/commercials?status=available", headers=key_headers(demo))
    assert r.status_code == 200, r.text
    return [c["id"] for c in r.json()["data"]]


async def test_assignment_skips_an_online_agent_with_no_live_connection(
    runtime: Runtime, api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    ben, carla = demo["staff"][1]["commercialId"], demo["staff"][2]["commercialId"]
    await set_status(api, demo, 1, "online")  # ben: online, but no console open
    ask = {"domain": "localhost", "apiKey": demo["siteKey"]}
    badge = (await api.post("/api/v2/commercials/availability", json=ask)).json()
    assert badge["available"] is False and badge["onlineCount"] == 0
    assert await available(api, demo) == []
    await runtime.presence.socket_opened(staff_principal(demo, 2), "carla-tab")
    assert await available(api, demo) == [carla]
    async with runtime.services.uow() as uow:
        chosen = await runtime.services.chats._choose(uow, UUID(demo["companyId"]))
    assert str(chosen) == carla and chosen != UUID(ben)
    await runtime.presence.socket_opened(staff_principal(demo, 1), "ben-tab")
    assert set(await available(api, demo)) == {ben, carla}
    badge = (await api.post("/api/v2/commercials/availability", json=ask)).json()
    assert badge["available"] is True and badge["onlineCount"] == 2


async def test_a_status_left_online_without_a_socket_goes_offline_after_the_grace(
    runtime: Runtime, api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    """A node restarted (in-memory presence lost), or a status set over REST: the sweep starts
    the agent's clock, and they are offline after the grace period and the socket expiry."""
    await set_status(api, demo, 1, "online")
    store = MemoryPresence()
    sweeper = PresenceService(
        runtime.services.uow,
        store,
        runtime.services.chats,
        runtime.services.agents,
        grace_s=0.1,
        socket_ttl_s=0.3,
        sweep=True,
    )
    await store.socket_opened(demo["staff"][2]["commercialId"], "carla-tab", 60)
    await set_status(api, demo, 2, "online")

    async def ben_offline() -> bool:
        await sweeper.reconcile()
        async with runtime.services.uow() as uow:
            agent = await uow.agents.get(UUID(demo["staff"][1]["commercialId"]))
        return agent is not None and agent.status == AgentStatus.OFFLINE

    await eventually(ben_offline, timeout=10, what="Ben to be swept offline")
    async with runtime.services.uow() as uow:
        carla = await uow.agents.get(UUID(demo["staff"][2]["commercialId"]))
    assert carla is not None and carla.status == AgentStatus.ONLINE  # she has a socket
