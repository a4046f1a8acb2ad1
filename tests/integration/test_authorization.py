"""Every refusal: other visitor, other company, expired or revoked credential, wrong role."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import jwt
import pytest

from guiders.runtime import Runtime
from tests.integration.test_api import key_headers, staff, visitor


@pytest.fixture
async def world(api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime) -> dict[str, Any]:
    """Two visitors of the demo company and a second company with its own key and visitor."""
    alice = await visitor(api, demo, "alice")
    bob = await visitor(api, demo, "bob")
    chat = (await api.post("/api/v2/chats", json={}, headers=alice["headers"])).json()["chatId"]
    other = await runtime.services.tenancy.create_company("Other Inc")
    site = await runtime.services.tenancy.add_site(
        other.id, name="o", domain="other.example", aliases=[]
    )
    other_key, _ = await runtime.services.tenancy.create_api_key(other.id, "other")
    r = await api.post(
        "/api/auth/visitor/register",
        json={"apiKey": site.site_key, "domain": "other.example", "fingerprint": "eve"},
    )
    eve = r.json()
    eve["headers"] = {"authorization": f"Bearer {eve['accessToken']}"}
    return {
        "alice": alice,
        "bob": bob,
        "chat": chat,
        "other_key": other_key,
        "eve": eve,
        "other_company": other.id,
    }


async def test_another_visitor_cannot_read_or_write_the_chat(
    api: httpx.AsyncClient, world: dict[str, Any]
) -> None:
    bob = world["bob"]["headers"]
    chat = world["chat"]
    assert (await api.get(f"/api/v2/chats/{chat}", headers=bob)).status_code == 404
    assert (await api.get(f"/api/v2/chats/{chat}/messages", headers=bob)).status_code == 404
    assert (
        await api.post(f"/api/v2/chats/{chat}/messages", json={"content": "x"}, headers=bob)
    ).status_code == 404
    assert (await api.put(f"/api/v2/chats/{chat}/close", headers=bob)).status_code == 404
    assert (
        await api.get(f"/api/v2/visitors/{world['alice']['visitorId']}", headers=bob)
    ).status_code == 404


async def test_another_company_cannot_see_anything(
    api: httpx.AsyncClient, world: dict[str, Any]
) -> None:
    other = {"authorization": f"Bearer {world['other_key']}"}
    chat = world["chat"]
    assert (await api.get(f"/api/v2/chats/{chat}", headers=other)).status_code == 404
    assert (
        await api.post(f"/api/v2/chats/{chat}/messages", json={"content": "x"}, headers=other)
    ).status_code == 404
    listing = (await api.get("/api/v2/chats", headers=other)).json()
    assert listing["total"] == 0
    events = (await api.get("/api/v2/events", headers=other)).json()["events"]
    assert all(e["companyId"] == str(world["other_company"]) for e in events)
    eve = world["eve"]["headers"]
    assert (await api.get(f"/api/v2/chats/{chat}", headers=eve)).status_code == 404


async def test_visitors_cannot_use_staff_endpoints(
    api: httpx.AsyncClient, world: dict[str, Any], demo: dict[str, Any]
) -> None:
    alice = world["alice"]["headers"]
    assert (await api.get("/api/v2/chats/queue/pending", headers=alice)).status_code == 403
    assert (await api.get("/api/v2/commercials", headers=alice)).status_code == 403
    assert (await api.get("/api/v2/events", headers=alice)).status_code == 403
    ben = demo["staff"][1]["commercialId"]
    assert (
        await api.put(f"/api/v2/chats/{world['chat']}/assign/{ben}", headers=alice)
    ).status_code == 403


async def test_a_agent_cannot_read_the_audit_log_or_assign_others(
    api: httpx.AsyncClient, world: dict[str, Any], demo: dict[str, Any]
) -> None:
    ben = await staff(api, demo, 1)
    assert (await api.get("/api/v2/events", headers=ben)).status_code == 403
    carla = demo["staff"][2]["commercialId"]
    r = await api.put(f"/api/v2/chats/{world['chat']}/assign/{carla}", headers=ben)
    assert r.status_code == 403
    ana = await staff(api, demo, 0)
    assert (await api.get("/api/v2/events", headers=ana)).status_code == 200


async def test_expired_forged_and_revoked_credentials_are_refused(
    api: httpx.AsyncClient, world: dict[str, Any], demo: dict[str, Any], runtime: Runtime
) -> None:
    now = int(datetime.now(UTC).timestamp())
    claims = {
        "sub": world["alice"]["visitorId"],
        "companyId": demo["companyId"],
        "typ": "visitor",
        "role": "visitor",
        "iat": now - 100,
        "exp": now - 10,
    }
    expired = jwt.encode(claims, runtime.settings.jwt_secret, algorithm="HS256")
    forged = jwt.encode(claims | {"exp": now + 100}, "x" * 40, algorithm="HS256")
    for token in (expired, forged, "garbage", "gdr_live_notakey"):
        r = await api.get(
            f"/api/v2/chats/{world['chat']}", headers={"authorization": f"Bearer {token}"}
        )
        assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    assert (await api.get("/api/v2/chats")).status_code == 401
    keys = await runtime.services.tenancy.list_api_keys(world["other_company"])
    await runtime.services.tenancy.revoke_api_key(world["other_company"], keys[0].id)
    revoked = {"authorization": f"Bearer {world['other_key']}"}
    assert (await api.get("/api/v2/chats", headers=revoked)).status_code == 401
    assert (await api.get("/api/v2/chats", headers=key_headers(demo))).status_code == 200


async def test_a_site_key_with_the_wrong_domain_is_refused(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    r = await api.post(
        "/api/auth/visitor/register", json={"apiKey": demo["siteKey"], "domain": "evil.example"}
    )
    assert r.status_code == 403 and r.json()["field"] == "domain"
