"""Company B's site is no trusted origin for company A's visitors and staff."""

from __future__ import annotations

from typing import Any

import httpx

from guiders.runtime import Runtime
from tests.security.conftest import new_tenant


async def _visitor(api: httpx.AsyncClient, site_key: str, domain: str) -> dict[str, Any]:
    r = await api.post(
        "/api/auth/visitor/register",
        json={"apiKey": site_key, "domain": domain, "fingerprint": "fp"},
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_a_credential_is_honoured_only_from_its_own_companys_sites(
    open_api: httpx.AsyncClient, runtime: Runtime
) -> None:
    api = open_api
    a = await new_tenant(api, runtime, "Alpha", "alpha.example", "admin@alpha.example")
    await new_tenant(api, runtime, "Beta", "beta.example", "admin@beta.example")
    visitor = await _visitor(api, a["siteKey"], "alpha.example")
    bearer = {"authorization": f"Bearer {visitor['accessToken']}"}
    chat = await api.post("/api/v2/chats", json={}, headers=bearer)
    assert chat.status_code == 201
    url = f"/api/v2/chats/{chat.json()['chatId']}"

    own = await api.get(url, headers={**bearer, "origin": "https://alpha.example"})
    assert own.status_code == 200
    assert own.headers["access-control-allow-origin"] == "https://alpha.example"

    foreign = await api.get(url, headers={**bearer, "origin": "https://www.beta.example"})
    assert foreign.status_code == 403
    assert "access-control-allow-origin" not in foreign.headers
    assert foreign.json()["error"] == "origin_not_allowed"

    # the session cookie the browser attaches by itself is a credential too
    cookie = {"cookie": f"x-guiders-sid={visitor['sessionId']}"}
    assert (
        await api.get(url, headers={**cookie, "origin": "https://alpha.example"})
    ).status_code == 200
    stolen = await api.post(
        f"{url}/messages",
        json={"content": "sent by beta's page"},
        headers={**cookie, "origin": "https://beta.example"},
    )
    assert stolen.status_code == 403 and "access-control-allow-origin" not in stolen.headers

    # staff tokens too: A's admin from B's site
    staff = await api.get(
        "/api/v2/chats", headers={**a["headers"], "origin": "https://beta.example"}
    )
    assert staff.status_code == 403

    # a preflight carries no credential: any registered site gets an answer, the request
    # that follows is what is refused
    preflight = await api.options(
        url,
        headers={"origin": "https://beta.example", "access-control-request-method": "GET"},
    )
    assert preflight.status_code == 204
    unknown = await api.get(url, headers={**bearer, "origin": "https://evil.example"})
    assert unknown.status_code == 403
