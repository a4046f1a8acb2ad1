"""An agent closes (or writes in) only the chats assigned to them; supervisors, admins and
integration keys any of the company's; a visitor their own."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.test_api import key_headers, staff, visitor


async def _pending_chat(api: httpx.AsyncClient, demo: dict[str, Any], fp: str) -> tuple[str, Any]:
    v = await visitor(api, demo, fp)
    r = await api.post("/api/v2/chats", json={}, headers=v["headers"])
    assert r.status_code == 201, r.text
    return str(r.json()["chatId"]), v


async def test_an_agent_closes_only_their_own_chats(
    open_api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    api = open_api
    ana = await staff(api, demo, 0)  # supervisor
    ben = await staff(api, demo, 1)  # agent
    carla = await staff(api, demo, 2)  # agent
    me = await api.post(
        "/api/user/auth/login",
        json={"email": demo["staff"][1]["email"], "password": demo["staff"][1]["password"]},
    )
    ben_id = me.json()["user"]["id"]

    pending, _ = await _pending_chat(api, demo, "p1")
    r = await api.put(f"/api/v2/chats/{pending}/close", headers=ben)
    assert r.status_code == 403, "an agent closed a pending chat that is not theirs"
    assert r.json()["error"] == "forbidden"
    r = await api.post(f"/api/v2/chats/{pending}/messages", json={"content": "hi"}, headers=ben)
    assert r.status_code == 403, "an agent wrote in a chat that is not theirs"
    note = await api.post(
        f"/api/v2/chats/{pending}/messages",
        json={"content": "for the team", "isInternal": True},
        headers=ben,
    )
    assert note.status_code == 201, note.text

    assert (
        await api.put(f"/api/v2/chats/{pending}/assign/{ben_id}", headers=ben)
    ).status_code == 200
    assert (await api.put(f"/api/v2/chats/{pending}/close", headers=carla)).status_code == 403
    assert (await api.put(f"/api/v2/chats/{pending}/close", headers=ben)).status_code == 200

    for closer in (ana, key_headers(demo)):
        other, _ = await _pending_chat(api, demo, f"p-{len(closer)}-{id(closer)}")
        assert (await api.put(f"/api/v2/chats/{other}/close", headers=closer)).status_code == 200

    own, v = await _pending_chat(api, demo, "own")
    assert (await api.put(f"/api/v2/chats/{own}/close", headers=v["headers"])).status_code == 200
