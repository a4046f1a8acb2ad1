"""Away is not offline (SQLite and PostgreSQL): an away agent is offered no new chat but keeps
the chats they have, and supervisors see them as away; a status outside the contract's
``online|busy|away|offline`` is a 422 naming ``status``."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx

from guiders.runtime import Runtime
from tests.integration.test_api import key_headers, staff
from tests.integration.test_presence_truth import available, set_status


async def test_an_away_agent_gets_no_new_chat_keeps_theirs_and_shows_as_away(
    runtime: Runtime, api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    ben, carla = demo["staff"][1]["commercialId"], demo["staff"][2]["commercialId"]
    await set_status(api, demo, 1, "online")
    await set_status(api, demo, 2, "online")
    assert set(await available(api, demo)) == {ben, carla}
    v = await api.post(
        "/api/auth/visitor/register",
        json={"apiKey": demo["siteKey"], "domain": "localhost", "fingerprint": "away-1"},
    )
    visitor = {"authorization": f"Bearer {v.json()['accessToken']}"}
    chat = (await api.post("/api/v2/chats", json={}, headers=visitor)).json()
    r = await api.put(
        f"/api/v2/chats/{chat['chatId']}/assign/{ben}", json={}, headers=key_headers(demo)
    )
    assert r.status_code in (200, 201), r.text

    await set_status(api, demo, 1, "away")
    assert await available(api, demo) == [carla]
    async with runtime.services.uow() as uow:
        chosen = await runtime.services.chats._choose(uow, UUID(demo["companyId"]))
    assert str(chosen) == carla
    kept = await api.get(f"/api/v2/chats/{chat['chatId']}", headers=key_headers(demo))
    assert kept.json()["assignedCommercialId"] == ben

    ana = await staff(api, demo, 0)  # a supervisor
    team = await api.get("/api/v2/commercials", headers=ana)
    assert team.status_code == 200, team.text
    assert {c["id"]: c["status"] for c in team.json()["data"]}[ben] == "away"

    bad = await api.put(
        f"/api/v2/commercials/{ben}/status", json={"status": "lunch"}, headers=key_headers(demo)
    )
    assert bad.status_code == 422 and "status" in bad.text
