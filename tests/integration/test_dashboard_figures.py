"""The dashboard's chat figures over HTTP, on SQLite and PostgreSQL: a supervisor sees the
company and every agent, an agent only their own chats and row, a visitor nothing."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.test_api import key_headers, staff, visitor


async def test_figures_for_the_company_and_for_one_agent(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    ben_id = demo["staff"][1]["commercialId"]
    ben = await staff(api, demo, 1)
    answered = []
    for fp in ("fig-1", "fig-2"):
        v = await visitor(api, demo, fp)
        chat = (await api.post("/api/v2/chats", json={}, headers=v["headers"])).json()["chatId"]
        assert (await api.put(f"/api/v2/chats/{chat}/assign/{ben_id}", headers=ben)).is_success
        r = await api.post(f"/api/v2/chats/{chat}/messages", json={"content": "hi"}, headers=ben)
        assert r.status_code == 201
        answered.append((chat, v))
    chat, v = answered[0]
    closed = await api.put(
        f"/api/v2/chats/{chat}/close", json={"satisfaction": 4}, headers=v["headers"]
    )
    assert closed.status_code == 200
    waiting = await visitor(api, demo, "fig-3")
    await api.post("/api/v2/chats", json={}, headers=waiting["headers"])

    admin = await staff(api, demo, 0)
    company = (await api.get("/api/v2/dashboard/figures?days=1", headers=admin)).json()
    assert company["scope"] == "company" and company["chats"] == 3
    assert company["unanswered"] == 1
    assert company["waitingSeconds"]["count"] == 2
    assert company["firstResponseSeconds"]["count"] == 2
    assert company["firstResponseSeconds"]["p95"] >= company["firstResponseSeconds"]["p50"] >= 0
    rows = {r["commercialId"]: r for r in company["agents"]}
    assert rows[ben_id]["chats"] == 2 and rows[ben_id]["csatAverage"] == 4.0
    assert len(rows) >= 2  # every agent of the team has a row

    own = (await api.get("/api/v2/dashboard/figures", headers=ben)).json()
    assert own["scope"] == "own" and own["chats"] == 2 and own["days"] == 7
    assert [r["commercialId"] for r in own["agents"]] == [ben_id]
    carla = (await api.get("/api/v2/dashboard/figures", headers=await staff(api, demo, 2))).json()
    assert carla["chats"] == 0 and [r["name"] for r in carla["agents"]] != [rows[ben_id]["name"]]

    assert (await api.get("/api/v2/dashboard/figures", headers=key_headers(demo))).is_success
    refused = await api.get("/api/v2/dashboard/figures", headers=waiting["headers"])
    assert refused.status_code == 403
    bad = await api.get("/api/v2/dashboard/figures?days=0", headers=admin)
    assert bad.status_code == 422
