"""A member's standing counts from the next request (SQLite and PostgreSQL): a deactivated
member's unexpired token is refused over HTTP and their open Socket.IO connections are closed;
a changed role replaces the token's at once, both ways."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import httpx
import pytest
import socketio
import uvicorn

from guiders.api.app import create_asgi
from guiders.config import Settings
from guiders.domain.company import StaffRole
from guiders.runtime import Runtime
from tests.e2e.server import free_port
from tests.integration.test_api import staff
from tests.integration.test_model_health_api import admin
from tests.waiting import eventually


async def member_id(api: httpx.AsyncClient, headers: dict[str, str], email: str) -> str:
    team = await api.get("/api/v2/company/team", headers=headers)
    assert team.status_code == 200, team.text
    return str(next(m["id"] for m in team.json()["members"] if m["email"] == email))


async def patch(
    api: httpx.AsyncClient, headers: dict[str, str], user: str, change: dict[str, Any]
) -> None:
    r = await api.patch(f"/api/v2/company/team/{user}", json=change, headers=headers)
    assert r.status_code == 200, r.text


async def test_a_deactivated_members_token_is_refused_from_the_next_request(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    dora = await admin(api, runtime, demo)
    ben = await staff(api, demo, 1)
    ben_id = await member_id(api, dora, demo["staff"][1]["email"])
    assert (await api.get("/api/v2/settings", headers=ben)).status_code == 200

    await patch(api, dora, ben_id, {"active": False})
    refused = await api.get("/api/v2/settings", headers=ben)
    assert refused.status_code == 401, refused.text
    assert "deactivated" in refused.json()["message"]

    await patch(api, dora, ben_id, {"active": True})
    assert (await api.get("/api/v2/settings", headers=ben)).status_code == 200


async def test_a_role_change_applies_to_the_token_already_issued(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    dora = await admin(api, runtime, demo)
    await runtime.services.tenancy.add_staff(
        UUID(demo["companyId"]),
        email="eli@demo.guiders.local",
        name="Eli Admin",
        role=StaffRole.ADMIN,
        password="admin-password-456",
    )
    r = await api.post(
        "/api/user/auth/login",
        json={"email": "eli@demo.guiders.local", "password": "admin-password-456"},
    )
    eli = {"authorization": f"Bearer {r.json()['access_token']}"}
    eli_id = await member_id(api, dora, "eli@demo.guiders.local")
    assert (await api.get("/api/v2/company/team", headers=eli)).status_code == 200

    await patch(api, dora, eli_id, {"role": "commercial"})
    assert (await api.get("/api/v2/company/team", headers=eli)).status_code == 403
    await patch(api, dora, eli_id, {"role": "admin"})
    assert (await api.get("/api/v2/company/team", headers=eli)).status_code == 200


@pytest.fixture
async def live(runtime: Runtime, settings: Settings) -> AsyncIterator[str]:
    """The whole server (REST and Socket.IO) on a real port, over the test's runtime."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_asgi(settings, runtime),
            host="127.0.0.1",
            port=port,
            lifespan="off",
            log_level="warning",
        )
    )
    task = asyncio.create_task(server.serve())
    await eventually(lambda: server.started, what="the server listening")
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


async def test_open_sockets_of_a_deactivated_member_are_closed_and_cannot_come_back(
    live: str, demo: dict[str, Any], runtime: Runtime
) -> None:
    async with httpx.AsyncClient(base_url=live, timeout=10) as api:
        dora = await admin(api, runtime, demo)
        ben = await staff(api, demo, 1)
        carla = await staff(api, demo, 2)
        ben_id = await member_id(api, dora, demo["staff"][1]["email"])
        token = ben["authorization"].removeprefix("Bearer ")
        revoked: list[dict[str, Any]] = []
        sockets = []
        for _ in range(2):  # two tabs
            sio = socketio.AsyncClient(reconnection=False)
            sio.on("session:revoked", revoked.append)
            await sio.connect(live, auth={"token": token}, transports=["websocket"])
            sockets.append(sio)
        other = socketio.AsyncClient(reconnection=False)
        await other.connect(
            live,
            auth={"token": carla["authorization"].removeprefix("Bearer ")},
            transports=["websocket"],
        )

        await patch(api, dora, ben_id, {"maxChats": 4})  # not a change of standing
        await patch(api, dora, ben_id, {"active": False})
        await eventually(
            lambda: not any(s.connected for s in sockets), what="both of Ben's sockets closed"
        )
        assert revoked == [{"reason": "deactivated"}] * 2
        assert other.connected, "another member's socket stays open"
        again = socketio.AsyncClient(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await again.connect(live, auth={"token": token}, transports=["websocket"])
        await other.disconnect()
