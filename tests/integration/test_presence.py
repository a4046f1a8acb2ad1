"""Typing and presence over REST and from sockets, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx
import pytest

from guiders.config import Settings
from guiders.domain.agent import AgentStatus
from guiders.domain.company import StaffRole
from guiders.domain.errors import Unauthenticated
from guiders.presence.memory import MemoryPresence
from guiders.realtime.server import RealtimeServer
from guiders.runtime import Runtime
from guiders.services.access import Principal, PrincipalKind
from guiders.services.ports import EventFilter
from guiders.services.presence import PresenceService
from tests.integration.test_api import staff, visitor
from tests.waiting import eventually

GRACE_S = 0.3


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"presence_grace_s": GRACE_S})


async def test_typing_over_rest_is_shown_then_cleared_and_authorised_like_the_chat(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    alice, bob = await visitor(api, demo, "alice"), await visitor(api, demo, "bob")
    chat = (await api.post("/api/v2/chats", json={}, headers=alice["headers"])).json()["chatId"]
    started = await api.post(f"/api/presence/chat/{chat}/typing/start", headers=alice["headers"])
    assert started.status_code == 200
    assert started.json()["userType"] == "visitor" and started.json()["isTyping"] is True
    seen = (await api.get(f"/api/presence/chat/{chat}", headers=await staff(api, demo, 0))).json()
    assert [t["userId"] for t in seen["typing"]] == [alice["visitorId"]]
    assert seen["participants"][0] == {
        "userId": alice["visitorId"],
        "userType": "visitor",
        "online": False,
    }
    stopped = await api.post(f"/api/presence/chat/{chat}/typing/stop", headers=alice["headers"])
    assert stopped.status_code == 200
    assert (await api.get(f"/api/presence/chat/{chat}", headers=alice["headers"])).json()[
        "typing"
    ] == []
    other = await api.post(f"/api/presence/chat/{chat}/typing/start", headers=bob["headers"])
    assert other.status_code == 404 and other.json()["error"] == "not_found"
    assert (await api.get(f"/api/presence/chat/{chat}", headers=bob["headers"])).status_code == 404
    assert (await api.post(f"/api/presence/chat/{chat}/typing/start")).status_code == 401
    bad = await api.get("/api/presence/chat/not-a-uuid", headers=alice["headers"])
    assert bad.status_code == 422 and "error" in bad.json()


def staff_principal(demo: dict[str, Any], i: int) -> Principal:
    return Principal(
        kind=PrincipalKind.STAFF,
        company_id=UUID(demo["companyId"]),
        subject_id=UUID(demo["staff"][i]["commercialId"]),
    )


async def statuses(runtime: Runtime, demo: dict[str, Any], i: int) -> list[str]:
    async with runtime.services.uow() as uow:
        events = await uow.events.read(
            EventFilter(
                company_id=UUID(demo["companyId"]),
                aggregate_id=UUID(demo["staff"][i]["commercialId"]),
                types=["commercial.status_changed"],
            )
        )
    return [e.payload["status"] for e in events]


async def test_an_agent_is_online_with_a_socket_and_offline_after_the_grace_period(
    runtime: Runtime, demo: dict[str, Any]
) -> None:
    presence, ben = runtime.presence, staff_principal(demo, 1)
    await presence.socket_opened(ben, "s1")
    await presence.socket_opened(ben, "s2")
    assert await statuses(runtime, demo, 1) == ["online"]
    assert await presence.online(ben.subject_id)
    await presence.socket_closed(ben, "s1")
    await presence.socket_closed(ben, "s2")
    timer = presence.grace_timer(ben.subject_id)
    assert timer is not None
    await presence.socket_opened(ben, "s3")  # a page reload within the grace period
    await eventually(timer.done, what="the grace timer to be called off")
    assert timer.cancelled()
    assert await statuses(runtime, demo, 1) == ["online"]
    await presence.activity("s3")
    assert await presence.online(ben.subject_id)
    await presence.socket_closed(ben, "s3")
    timer = presence.grace_timer(ben.subject_id)
    assert timer is not None and not timer.done()
    assert await statuses(runtime, demo, 1) == ["online"]  # still within the grace period
    await eventually(timer.done, what="the end of the grace period")
    assert await statuses(runtime, demo, 1) == ["online", "offline"]
    assert not await presence.online(ben.subject_id)


async def test_a_status_the_agent_chose_is_kept_while_connected(
    runtime: Runtime, demo: dict[str, Any], api: httpx.AsyncClient
) -> None:
    carla = demo["staff"][2]["commercialId"]
    r = await api.put(
        f"/api/v2/commercials/{carla}/status",
        json={"status": "busy"},
        headers=await staff(api, demo, 2),
    )
    assert r.status_code == 200
    await runtime.presence.socket_opened(staff_principal(demo, 2), "s1")
    assert await statuses(runtime, demo, 2) == ["busy"]
    await runtime.presence.socket_closed(staff_principal(demo, 2), "s1")
    timer = runtime.presence.grace_timer(staff_principal(demo, 2).subject_id)
    assert timer is not None
    await eventually(timer.done, what="the end of the grace period")
    assert await statuses(runtime, demo, 2) == ["busy", "offline"]


async def test_the_admin_opening_the_console_is_away_and_gets_no_chat_until_online(
    runtime: Runtime, demo: dict[str, Any], api: httpx.AsyncClient
) -> None:
    """docs/settings.md, "Who takes chats": the demo's Olga opens Settings, not visitors' chats."""
    company = UUID(demo["companyId"])
    for i in range(len(demo["staff"])):
        await runtime.services.agents.set_status(
            Principal(kind=PrincipalKind.INTEGRATION, company_id=company, subject_id=company),
            UUID(demo["staff"][i]["commercialId"]),
            AgentStatus.OFFLINE,
        )
    olga = Principal(
        kind=PrincipalKind.STAFF,
        company_id=company,
        subject_id=UUID(demo["admin"]["commercialId"]),
        role=StaffRole.ADMIN,
    )
    await runtime.presence.socket_opened(olga, "olga-1")
    [me] = [
        c
        for c in await runtime.services.agents.candidates(company)
        if c.agent.id == olga.subject_id
    ]
    assert me.connected and me.agent.status is AgentStatus.AWAY
    assert await runtime.services.agents.assignable(company) == []
    people = await runtime.services.availability.availability(company)
    assert (people.agents_available, people.agents_online) == (0, 0)
    await runtime.services.agents.set_status(olga, olga.subject_id, AgentStatus.ONLINE)
    assert [c.agent.id for c in await runtime.services.agents.assignable(company)] == [
        olga.subject_id
    ]
    await runtime.presence.socket_closed(olga, "olga-1")


async def test_the_sdk_handshake_without_a_secret_only_when_turned_on(
    runtime: Runtime, demo: dict[str, Any], api: httpx.AsyncClient
) -> None:
    v = await visitor(api, demo, "sdk")
    auth = {"visitorId": v["visitorId"], "tenantId": demo["companyId"]}
    server = RealtimeServer(runtime.realtime_ports())
    with pytest.raises(Unauthenticated):
        await server.handshake.authenticate(auth, {})
    runtime.settings.sdk_secretless_sockets = True
    try:
        server = RealtimeServer(runtime.realtime_ports())
        principal = await server.handshake.authenticate(auth, {})
        assert principal.is_visitor and str(principal.subject_id) == v["visitorId"]
        wrong_tenant = {"visitorId": v["visitorId"], "tenantId": v["visitorId"]}
        with pytest.raises(Unauthenticated):
            await server.handshake.authenticate(wrong_tenant, {})
        with pytest.raises(Unauthenticated):
            await server.handshake.authenticate(
                {"visitorId": "nope", "tenantId": demo["companyId"]}, {}
            )
    finally:
        runtime.settings.sdk_secretless_sockets = False


async def test_an_agent_left_online_by_a_dead_node_is_set_offline_by_another(
    runtime: Runtime, demo: dict[str, Any]
) -> None:
    store = MemoryPresence()  # what Redis is to several nodes

    def node() -> PresenceService:
        return PresenceService(
            runtime.services.uow,
            store,
            runtime.services.chats,
            runtime.services.agents,
            grace_s=GRACE_S,
            socket_ttl_s=0.3,
        )

    dying, survivor, ben = node(), node(), staff_principal(demo, 1)
    await dying.socket_opened(ben, "s1")  # then the node dies: no close, no grace timer
    assert await statuses(runtime, demo, 1) == ["online"]
    assert await survivor.reconcile() == 0  # too early: the socket may still be alive
    # Once the grace period and the socket's expiry have passed, and the claim is free again.
    assert (
        await eventually(survivor.reconcile, timeout=5, what="a reconcile that sets Ben offline")
        == 1
    )
    assert await statuses(runtime, demo, 1) == ["online", "offline"]
    assert await store.staff_last_seen() == {}


async def test_reconcile_leaves_an_agent_connected_through_another_node_alone(
    runtime: Runtime, demo: dict[str, Any]
) -> None:
    store = MemoryPresence()
    service = PresenceService(
        runtime.services.uow,
        store,
        runtime.services.chats,
        runtime.services.agents,
        grace_s=GRACE_S,
        socket_ttl_s=5,
    )
    ben = staff_principal(demo, 1)
    await service.socket_opened(ben, "s1")
    await store.staff_seen(f"{ben.company_id}:{ben.subject_id}", 0.0)  # stale, but connected
    assert await service.reconcile() == 0
    assert await statuses(runtime, demo, 1) == ["online"]
