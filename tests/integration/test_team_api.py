"""The team and the site keys over HTTP, on SQLite and PostgreSQL: an admin changes a member's
role, capacity and skills, deactivates them (no sign-in, never assigned); creates a site key,
changes its hosts, revokes it (no visitor registers with it, its origin leaves CORS); routing
follows the company's policy."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx

from guiders.runtime import Runtime
from tests.integration.test_api import key_headers, staff, visitor
from tests.integration.test_model_health_api import admin


async def test_an_admin_changes_a_member_and_a_deactivated_member_cannot_sign_in(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    headers = await admin(api, runtime, demo)
    ben = demo["staff"][1]
    team = await api.get("/api/v2/company/team", headers=headers)
    assert team.status_code == 200, team.text
    row = next(m for m in team.json()["members"] if m["email"] == ben["email"])
    assert row["active"] is True

    r = await api.patch(
        f"/api/v2/company/team/{row['id']}",
        json={"role": "supervisor", "maxChats": 7, "skills": ["Sales", "billing"]},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    assert (r.json()["role"], r.json()["maxChats"], r.json()["skills"]) == (
        "supervisor",
        7,
        ["sales", "billing"],
    )
    bad = await api.patch(
        f"/api/v2/company/team/{row['id']}", json={"maxChats": 500}, headers=headers
    )
    assert bad.status_code == 422 and bad.json()["field"] == "maxChats"

    off = await api.patch(
        f"/api/v2/company/team/{row['id']}", json={"active": False}, headers=headers
    )
    assert off.status_code == 200 and off.json()["active"] is False
    login = await api.post(
        "/api/user/auth/login", json={"email": ben["email"], "password": ben["password"]}
    )
    assert login.status_code == 401
    assert "deactivated" in login.json()["message"]
    agent = await runtime.services.uow().__aenter__()
    try:
        profile = await agent.agents.get(UUID(row["id"]))
    finally:
        await agent.__aexit__(None, None, None)
    assert profile is not None and profile.active is False

    log = await api.get("/api/v2/events?type=staff.updated", headers=key_headers(demo))
    changes = [e["payload"] for e in log.json()["events"]]
    assert changes[-1]["before"]["active"] is True and changes[-1]["after"]["active"] is False


async def test_a_deactivated_agent_is_never_offered_a_chat(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    headers = await admin(api, runtime, demo)
    company = UUID(demo["companyId"])
    for i, member in enumerate(demo["staff"]):
        await api.put(
            f"/api/v2/commercials/{member['commercialId']}/status",
            json={"status": "online"},
            headers=await staff(api, demo, i),
        )
    ben = demo["staff"][1]["commercialId"]
    assert ben in {str(c.agent.id) for c in await runtime.services.agents.assignable(company)}
    r = await api.patch(f"/api/v2/company/team/{ben}", json={"active": False}, headers=headers)
    assert r.status_code == 200, r.text
    offered = await runtime.services.agents.assignable(company)
    assert offered and ben not in {str(c.agent.id) for c in offered}
    available = await api.get("/api/v2/commercials/available", headers=key_headers(demo))
    assert ben not in {c["id"] for c in available.json()["commercials"]}


async def test_an_admin_cannot_deactivate_themselves_and_agents_cannot_manage_the_team(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    headers = await admin(api, runtime, demo)
    members = (await api.get("/api/v2/company/team", headers=headers)).json()["members"]
    me = next(m for m in members if m["email"] == "dora@demo.guiders.local")
    r = await api.patch(f"/api/v2/company/team/{me['id']}", json={"active": False}, headers=headers)
    assert r.status_code == 422 and r.json()["field"] == "active"
    agent = await staff(api, demo, 1)
    assert (await api.get("/api/v2/company/team", headers=agent)).status_code == 403
    assert (await api.get("/api/v2/company/sites", headers=agent)).status_code == 403


async def test_site_keys_are_created_with_their_hosts_and_revocation_takes_effect(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    headers = await admin(api, runtime, demo)
    r = await api.post(
        "/api/v2/company/sites",
        json={
            "name": "Shop",
            "domain": "https://www.Shop.example/",
            "aliases": ["eu.shop.example"],
        },
        headers=headers,
    )
    assert r.status_code == 201, r.text
    site = r.json()
    assert (site["domain"], site["aliases"]) == ("shop.example", ["eu.shop.example"])
    bad = await api.post(
        "/api/v2/company/sites",
        json={"name": "Bad", "domain": "shop.example", "aliases": ["not a host"]},
        headers=headers,
    )
    assert bad.status_code == 422 and bad.json()["field"] == "aliases.0"

    def register(host: str) -> Any:
        return api.post(
            "/api/auth/visitor/register",
            json={"apiKey": site["siteKey"], "domain": host, "fingerprint": "site-fp"},
            headers={"origin": f"https://{host}"},
        )

    assert (await register("eu.shop.example")).status_code == 200
    moved = await api.put(
        f"/api/v2/company/sites/{site['id']}/origins",
        json={"domain": "shop.example", "aliases": ["us.shop.example"]},
        headers=headers,
    )
    assert moved.status_code == 200 and moved.json()["aliases"] == ["us.shop.example"]
    assert (await register("us.shop.example")).status_code == 200
    assert (await register("eu.shop.example")).status_code in (403, 404, 422)

    revoked = await api.post(f"/api/v2/company/sites/{site['id']}/revoke", headers=headers)
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True
    assert (await register("us.shop.example")).status_code in (401, 403, 404)
    listed = (await api.get("/api/v2/company/sites", headers=headers)).json()["sites"]
    assert next(s for s in listed if s["id"] == site["id"])["revoked"] is True
    log = await api.get(
        "/api/v2/events?type=site.origins_changed,site.revoked", headers=key_headers(demo)
    )
    assert [e["type"] for e in log.json()["events"]] == ["site.origins_changed", "site.revoked"]


async def test_routing_follows_the_company_policy(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    headers = await admin(api, runtime, demo)
    company = UUID(demo["companyId"])
    ana, ben = demo["staff"][0], demo["staff"][1]
    for i, member in enumerate(demo["staff"]):
        r = await api.put(
            f"/api/v2/commercials/{member['commercialId']}/status",
            json={"status": "online" if i < 2 else "offline"},
            headers=await staff(api, demo, i),
        )
        assert r.status_code == 200, r.text
    for member, seniority in ((ana, 1), (ben, 9)):
        r = await api.patch(
            f"/api/v2/company/team/{member['commercialId']}",
            json={"seniority": seniority},
            headers=headers,
        )
        assert r.status_code == 200, r.text
    # Ben is busier: least busy offers Ana first, most senior offers Ben first
    v = await visitor(api, demo, "routing-0")
    chat = (await api.post("/api/v2/chats", json={}, headers=v["headers"])).json()
    r = await api.put(
        f"/api/v2/chats/{chat['chatId']}/assign/{ben['commercialId']}", headers=key_headers(demo)
    )
    assert r.status_code == 200, r.text
    first = await runtime.services.agents.assignable(company)
    assert str(first[0].agent.id) == ana["commercialId"]
    r = await api.put(
        "/api/v2/settings/routing", json={"values": {"policy": "most_senior"}}, headers=headers
    )
    assert r.status_code == 200, r.text
    first = await runtime.services.agents.assignable(company)
    assert str(first[0].agent.id) == ben["commercialId"]
