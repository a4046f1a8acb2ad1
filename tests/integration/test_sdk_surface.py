"""The widget SDK's calls, as the unmodified SDK makes them, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from guiders.api.app import create_app, create_asgi
from guiders.config import Settings
from guiders.runtime import Runtime
from guiders.services.visitors import MAX_SESSIONS_PER_BATCH
from tests.security.test_credential_flood import counting_queries

SID = "x-guiders-sid"


async def identify(
    api: httpx.AsyncClient,
    demo: dict[str, Any],
    fp: str = "fp-sdk",
    *,
    domain: str = "localhost",
    consent: bool | None = True,
    **extra: Any,
) -> httpx.Response:
    body: dict[str, Any] = {
        "fingerprint": fp,
        "domain": domain,
        "apiKey": demo["siteKey"],
        "consentVersion": "v1.0",
        "currentUrl": "http://localhost:8000/shoes",
        **extra,
    }
    if consent is not None:
        body["hasAcceptedPrivacyPolicy"] = consent
    return await api.post("/api/visitors/identify", json=body)


async def sdk_visitor(
    api: httpx.AsyncClient, demo: dict[str, Any], fp: str = "fp-sdk"
) -> dict[str, Any]:
    r = await identify(api, demo, fp)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    body["headers"] = {SID: body["sessionId"]}
    api.cookies.clear()
    return body


def key_headers(demo: dict[str, Any]) -> dict[str, str]:
    return {"authorization": f"Bearer {demo['integrationKey']}"}


async def test_the_sdk_health_probe_is_a_head(api: httpx.AsyncClient, demo: dict[str, Any]) -> None:
    r = await api.head("/api/health", headers={"origin": "http://localhost:3000"})
    assert r.status_code == 200 and r.content == b""
    assert r.headers["access-control-allow-origin"] == "http://localhost:3000"


async def test_pixel_metadata_names_tenant_and_site(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    r = await api.get("/api/pixel/metadata", params={"apiKey": demo["siteKey"]})
    assert r.status_code == 200
    body = r.json()
    assert body["tenantId"] == demo["companyId"] and body["domain"] == "localhost"
    uuid.UUID(body["siteId"])
    unknown = await api.get("/api/pixel/metadata", params={"apiKey": "gsk_nope"})
    assert unknown.status_code == 401 and unknown.json()["field"] == "apiKey"
    missing = await api.get("/api/pixel/metadata")
    assert missing.status_code == 422 and missing.json()["field"] == "apiKey"


async def test_identify_sets_an_httponly_cookie_and_returns_the_session(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    r = await identify(api, demo, "fp-cookie", domain="www.LOCALHOST", junk={"x": [1]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["tenantId"] == demo["companyId"]
    assert body["isNewVisitor"] is True and body["lifecycle"] == "anon"
    assert body["consentStatus"] == "granted" and "chat" in body["allowedActions"]
    cookie = r.headers["set-cookie"].lower()
    assert f"{SID}={body['sessionId']}" in cookie
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    again = await identify(api, demo, "fp-cookie")
    assert again.json()["visitorId"] == body["visitorId"]
    assert again.json()["isNewVisitor"] is False
    assert again.json()["sessionId"] != body["sessionId"]


async def test_identify_over_https_uses_samesite_none_secure(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    r = await api.post(
        "/api/visitors/identify",
        headers={"x-forwarded-proto": "https"},
        json={
            "fingerprint": "fp-tls",
            "domain": "localhost",
            "apiKey": demo["siteKey"],
            "hasAcceptedPrivacyPolicy": True,
        },
    )
    cookie = r.headers["set-cookie"].lower()
    assert "samesite=none" in cookie and "secure" in cookie and "partitioned" in cookie


@pytest.mark.parametrize("consent", [False, None])
async def test_identify_without_consent_is_read_only_and_stores_nothing(
    api: httpx.AsyncClient, demo: dict[str, Any], consent: bool | None
) -> None:
    r = await identify(api, demo, "fp-no", consent=consent)
    assert r.status_code == 400
    body = r.json()
    assert body["error"] == "consent_required" and body["allowedActions"] == ["read_only"]
    assert body["consentStatus"] == "denied" and "sessionId" not in body
    assert "set-cookie" not in r.headers
    stored = await api.get(f"/api/v2/visitors/{body['visitorId']}", headers=key_headers(demo))
    assert stored.status_code == 404


async def test_identify_refuses_the_wrong_domain_key_or_origin(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    wrong = await identify(api, demo, domain="evil.example")
    assert wrong.status_code == 403 and wrong.json()["field"] == "domain"
    bad_key = await api.post(
        "/api/visitors/identify",
        json={"fingerprint": "f", "domain": "localhost", "apiKey": "gsk_unknown"},
    )
    assert bad_key.status_code == 401
    missing = await api.post("/api/visitors/identify", json={"domain": "localhost"})
    assert missing.status_code == 422
    api.cookies.clear()


async def test_sdk_chat_flow_with_the_session_header(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    v = await sdk_visitor(api, demo)
    h = v["headers"]
    created = await api.post(
        "/api/v2/chats/with-message",
        headers=h,
        json={"firstMessage": {"content": "Hi", "type": "text"}, "department": "sales", "x": 1},
    )
    assert created.status_code == 201, created.text
    chat_id = created.json()["chatId"]
    assert created.json()["messageId"] and created.json()["position"] >= 1
    sent = await api.post(
        "/api/v2/messages", headers=h, json={"chatId": chat_id, "content": "More", "type": "text"}
    )
    assert sent.status_code == 201 and sent.json()["messageId"] == sent.json()["id"]
    chats = await api.get(f"/api/v2/chats/visitor/{v['visitorId']}?limit=20", headers=h)
    assert [c["id"] for c in chats.json()["chats"]] == [chat_id]
    page = (await api.get(f"/api/v2/messages/chat/{chat_id}?limit=20", headers=h)).json()
    assert [m["content"] for m in page["messages"]] == ["More", "Hi"]
    assert page["total"] == 2 and page["hasMore"] is False
    assert {"createdAt", "senderId", "isInternal", "type"} <= set(page["messages"][0])

    reply = await api.post(
        f"/api/v2/chats/{chat_id}/messages", headers=key_headers(demo), json={"content": "Yes"}
    )
    unread = await api.get(f"/api/v2/messages/chat/{chat_id}/unread", headers=h)
    assert unread.status_code == 200
    items = unread.json()
    assert isinstance(items, list) and [m["id"] for m in items] == [reply.json()["id"]]
    assert items[0]["isRead"] is False and items[0]["senderId"] != v["visitorId"]
    marked = await api.put(
        "/api/v2/messages/mark-as-read", headers=h, json={"messageIds": [items[0]["id"]]}
    )
    assert marked.json() == {"success": True, "markedCount": 1}
    assert (await api.get(f"/api/v2/messages/chat/{chat_id}/unread", headers=h)).json() == []
    for action in ("view-open", "view-close"):
        r = await api.put(f"/api/v2/chats/{chat_id}/{action}", headers=h)
        assert r.status_code == 200 and r.json()["success"] is True


async def test_the_cookie_alone_is_a_credential(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    r = await identify(api, demo, "fp-jar")
    assert api.cookies.get(SID) == r.json()["sessionId"]
    created = await api.post("/api/v2/chats/with-message", json={"firstMessage": {"content": "a"}})
    assert created.status_code == 201, created.text
    chat_id = created.json()["chatId"]
    listed = await api.get(f"/api/v2/messages/chat/{chat_id}")
    assert listed.json()["total"] == 1
    api.cookies.clear()
    assert (await api.get(f"/api/v2/messages/chat/{chat_id}")).status_code == 401


async def test_a_session_reaches_only_its_own_visitor(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    a = await sdk_visitor(api, demo, "fp-a")
    b = await sdk_visitor(api, demo, "fp-b")
    chat = await api.post(
        "/api/v2/chats/with-message", headers=a["headers"], json={"firstMessage": {"content": "a"}}
    )
    chat_id = chat.json()["chatId"]
    for r in (
        await api.get(f"/api/v2/messages/chat/{chat_id}", headers=b["headers"]),
        await api.post(
            "/api/v2/messages", headers=b["headers"], json={"chatId": chat_id, "content": "x"}
        ),
        await api.get(f"/api/v2/messages/chat/{chat_id}/unread", headers=b["headers"]),
        await api.put(f"/api/v2/chats/{chat_id}/view-open", headers=b["headers"]),
        await api.get(f"/api/v2/chats/visitor/{a['visitorId']}", headers=b["headers"]),
    ):
        assert r.status_code == 404, r.text
    other_session = await api.post(
        "/api/visitors/session/heartbeat",
        headers=b["headers"],
        json={"sessionId": a["sessionId"]},
    )
    assert other_session.status_code == 404
    garbage = await api.get(f"/api/v2/messages/chat/{chat_id}", headers={SID: "not-a-uuid"})
    assert garbage.status_code == 401


async def test_heartbeat_and_end_by_header_cookie_or_beacon_body(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    v = await sdk_visitor(api, demo, "fp-hb")
    hb = await api.post(
        "/api/visitors/session/heartbeat",
        headers=v["headers"],
        json={"sessionId": v["sessionId"], "activityType": "heartbeat"},
    )
    assert hb.status_code == 200 and hb.json()["success"] is True
    no_body = await api.post("/api/visitors/session/heartbeat", headers=v["headers"])
    assert no_body.status_code == 200 and no_body.json()["sessionId"] == v["sessionId"]
    nothing = await api.post("/api/visitors/session/heartbeat")
    assert nothing.status_code == 401
    beacon = await api.post(
        "/api/visitors/session/end", json={"sessionId": v["sessionId"], "reason": "page_unload"}
    )
    assert beacon.status_code == 200 and beacon.json()["success"] is True
    assert f"{SID}=" in beacon.headers["set-cookie"]
    after = await api.post("/api/visitors/session/heartbeat", headers=v["headers"])
    assert after.status_code == 401
    sessions = await api.get(
        f"/api/v2/visitors/{v['visitorId']}/sessions", headers=key_headers(demo)
    )
    assert sessions.json()["sessions"][0]["endedAt"] is not None

    identify_again = await identify(api, demo, "fp-hb")
    assert identify_again.status_code == 200
    by_cookie = await api.post("/api/visitors/session/end")
    assert by_cookie.status_code == 200
    api.cookies.clear()


async def test_tracking_v2_accepts_a_batch_partially(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    v = await sdk_visitor(api, demo, "fp-track")
    other = await sdk_visitor(api, demo, "fp-other")
    meta = (await api.get("/api/pixel/metadata", params={"apiKey": demo["siteKey"]})).json()

    def event(visitor: str, session: str, kind: str | None = "PAGE_VIEW") -> dict[str, Any]:
        return {
            "visitorId": visitor,
            "sessionId": session,
            "eventType": kind,
            "metadata": {"url": "/shoes", "title": "Shoes"},
            "occurredAt": "2026-01-15T10:30:00.000Z",
        }

    events = [
        event(v["visitorId"], v["sessionId"]),
        event(v["visitorId"], v["sessionId"], "CLICK"),
        event(v["visitorId"], other["sessionId"]),
        event(v["visitorId"], "not-a-uuid"),
        event(v["visitorId"], v["sessionId"], None),
        {**event(v["visitorId"], v["sessionId"]), "occurredAt": 1e30},
        "not an object",
    ]
    r = await api.post(
        "/api/tracking-v2/events",
        json={"tenantId": meta["tenantId"], "siteId": meta["siteId"], "events": events},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["success"], body["received"], body["processed"], body["discarded"]) == (
        True,
        7,
        2,
        5,
    )
    assert sorted(e["index"] for e in body["errors"]) == [2, 3, 4, 5, 6]
    stored = await api.get(f"/api/v2/visitors/{v['visitorId']}/events", headers=key_headers(demo))
    assert sorted(e["type"] for e in stored.json()["events"]) == ["CLICK", "PAGE_VIEW"]
    assert stored.json()["events"][0]["url"] == "/shoes"

    degraded = await api.post(
        "/api/tracking-v2/events",
        json={
            "tenantId": demo["siteKey"],
            "siteId": demo["siteKey"],
            "events": [event(v["visitorId"], v["sessionId"])],
        },
    )
    assert degraded.json()["processed"] == 1


async def test_tracking_v2_looks_up_few_sessions_per_batch(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    """An anonymous batch of 500 made-up session ids: 500 look-ups in one transaction before;
    now at most ``MAX_SESSIONS_PER_BATCH``, and the real session's event still counts."""
    v = await sdk_visitor(api, demo, "fp-many-sessions")
    meta = (await api.get("/api/pixel/metadata", params={"apiKey": demo["siteKey"]})).json()
    real = {"visitorId": v["visitorId"], "sessionId": v["sessionId"], "eventType": "PAGE_VIEW"}
    made_up = [{**real, "sessionId": str(uuid.uuid4())} for _ in range(499)]
    with counting_queries(runtime) as statements:
        r = await api.post(
            "/api/tracking-v2/events",
            json={"siteId": meta["siteId"], "events": [real, *made_up]},
        )
    assert r.status_code == 200, r.text
    assert (r.json()["processed"], r.json()["discarded"]) == (1, 499)
    lookups = [s for s in statements if "FROM visitor_sessions" in s]
    assert len(lookups) <= MAX_SESSIONS_PER_BATCH


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"siteId": "SITE", "events": []}, 422),
        ({"siteId": "SITE", "events": [{}] * 501}, 422),
        ({"siteId": str(uuid.uuid4()), "events": [{}]}, 404),
        ({"siteId": "SITE", "tenantId": str(uuid.uuid4()), "events": [{}]}, 403),
        ({"siteId": "SITE", "events": "nope"}, 422),
    ],
)
async def test_tracking_v2_refuses_bad_batches(
    api: httpx.AsyncClient, demo: dict[str, Any], body: dict[str, Any], status: int
) -> None:
    meta = (await api.get("/api/pixel/metadata", params={"apiKey": demo["siteKey"]})).json()
    if body["siteId"] == "SITE":
        body = {**body, "siteId": meta["siteId"]}
    r = await api.post("/api/tracking-v2/events", json=body)
    assert r.status_code == status, r.text
    assert "error" in r.json()


async def test_availability_and_the_available_list(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    ask = {"domain": "localhost", "apiKey": demo["siteKey"]}
    before = await api.post("/api/v2/commercials/availability", json=ask)
    assert before.status_code == 200
    assert before.json()["available"] is False and before.json()["onlineCount"] == 0
    ben = demo["staff"][1]
    login = await api.post(
        "/api/user/auth/login", json={"email": ben["email"], "password": ben["password"]}
    )
    staff = {"authorization": f"Bearer {login.json()['access_token']}"}
    await api.put(
        f"/api/v2/commercials/{ben['commercialId']}/status",
        headers=staff,
        json={"status": "online"},
    )
    after = (await api.post("/api/v2/commercials/availability", json=ask)).json()
    assert after["available"] is True and after["onlineCount"] == 1
    assert after["tenantId"] == demo["companyId"] and after["siteId"]
    wrong = await api.post(
        "/api/v2/commercials/availability", json={**ask, "domain": "evil.example"}
    )
    assert wrong.status_code == 403
    v = await sdk_visitor(api, demo, "fp-av")
    listed = (await api.get("/api/v2/commercials/available", headers=v["headers"])).json()
    assert listed["count"] == 1 and listed["commercials"][0]["id"] == ben["commercialId"]
    assert "workload" not in listed["commercials"][0]
    staff_view = (await api.get("/api/v2/commercials/available", headers=staff)).json()
    assert staff_view["commercials"][0]["workload"] == 0


async def test_public_sdk_endpoints_are_rate_limited(
    runtime: Runtime, settings: Settings, demo: dict[str, Any]
) -> None:
    app = create_app(settings.model_copy(update={"public_rate_limit_per_minute": 3}), runtime)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        ask = {"domain": "localhost", "apiKey": demo["siteKey"]}
        codes = [
            (await client.post("/api/v2/commercials/availability", json=ask)).status_code
            for _ in range(4)
        ]
        assert codes == [200, 200, 200, 429]
        limited = await client.get("/api/pixel/metadata", params={"apiKey": demo["siteKey"]})
        assert limited.status_code == 429 and limited.headers["retry-after"]


@pytest.mark.parametrize(
    "origin",
    [
        "http://localhost:5173",
        "https://www.localhost",
        "http://127.0.0.1:8080",
        "http://LOCALHOST",
    ],
)
async def test_cors_echoes_a_registered_sites_origin_with_credentials(
    api: httpx.AsyncClient, demo: dict[str, Any], origin: str
) -> None:
    r = await api.get(
        "/api/pixel/metadata", params={"apiKey": demo["siteKey"]}, headers={"origin": origin}
    )
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == origin
    assert r.headers["access-control-allow-credentials"] == "true"
    assert "Origin" in r.headers["vary"]
    pre = await api.options(
        "/api/visitors/identify",
        headers={
            "origin": origin,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type,x-guiders-sid",
        },
    )
    assert pre.status_code == 204
    assert pre.headers["access-control-allow-origin"] == origin
    assert pre.headers["access-control-allow-credentials"] == "true"
    allowed = {h.strip().lower() for h in pre.headers["access-control-allow-headers"].split(",")}
    assert {"x-guiders-sid", "authorization", "content-type", "x-api-key"} <= allowed
    assert "PUT" in pre.headers["access-control-allow-methods"]


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "http://localhost.evil.example", "null", "file://x"]
)
async def test_cors_refuses_other_origins(
    api: httpx.AsyncClient, demo: dict[str, Any], origin: str
) -> None:
    v = await sdk_visitor(api, demo, "fp-cors")
    r = await api.get("/api/v2/commercials/available", headers={**v["headers"], "origin": origin})
    assert r.status_code == 403 and r.json()["error"] == "origin_not_allowed"
    assert "access-control-allow-origin" not in r.headers
    pre = await api.options(
        "/api/v2/messages",
        headers={"origin": origin, "access-control-request-method": "POST"},
    )
    assert pre.status_code == 403 and "access-control-allow-origin" not in pre.headers


async def test_cors_leaves_same_origin_and_server_calls_alone(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    same = await api.get("/api/health", headers={"origin": "http://testserver"})
    assert same.status_code == 200 and "access-control-allow-origin" not in same.headers
    plain = await api.get("/api/health")
    assert plain.status_code == 200 and "access-control-allow-origin" not in plain.headers


async def test_cors_knows_every_companys_sites(runtime: Runtime, settings: Settings) -> None:
    app = create_app(settings, runtime)
    origin = "https://shop.example.org"
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        before = await client.get("/api/health", headers={"origin": origin})
        assert before.status_code == 403
        company = await runtime.services.tenancy.create_company("Other")
        await runtime.services.tenancy.add_site(
            company.id, name="Other", domain="www.example.org", aliases=["shop.example.org"]
        )
        app.state.site_hosts.forget()
        after = await client.get("/api/health", headers={"origin": origin})
        assert after.status_code == 200
        assert after.headers["access-control-allow-origin"] == origin


@pytest.mark.parametrize(
    "raw",
    [
        b'{"firstMessage": {"content": "x", "metadata": {"a": NaN}}}',
        b'{"firstMessage": {"content": "x"}, "metadata": {"customFields": {"z": -Infinity}}}',
    ],
)
async def test_nan_and_infinity_are_refused_not_a_crash(
    api: httpx.AsyncClient, demo: dict[str, Any], raw: bytes
) -> None:
    """Python's JSON parser accepts them and PostgreSQL's JSON refuses them: 422 at the edge."""
    v = await sdk_visitor(api, demo, "fp-nan")
    r = await api.post(
        "/api/v2/chats/with-message",
        headers={**v["headers"], "content-type": "application/json"},
        content=raw,
    )
    assert r.status_code == 422 and r.json()["error"] == "validation_error"


async def test_out_of_range_numbers_are_refused_not_a_crash(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    huge = 10**30
    events = await api.get(f"/api/v2/events?afterSeq={huge}", headers=key_headers(demo))
    assert events.status_code == 422 and events.json()["field"] == "afterSeq"
    v = await sdk_visitor(api, demo, "fp-huge")
    tracked = await api.post(
        "/api/tracking/events",
        headers=v["headers"],
        json={"events": [{"visitorId": v["visitorId"], "type": "x", "durationMs": huge}]},
    )
    assert tracked.status_code == 200 and tracked.json()["discarded"] == 1


async def test_nul_characters_are_refused_not_a_crash(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    """PostgreSQL text and JSON columns refuse NUL: 422 at the edge, on every backend."""
    v = await sdk_visitor(api, demo, "fp-nul")
    body = await api.post(
        "/api/v2/chats/with-message",
        headers=v["headers"],
        json={"firstMessage": {"content": "a\x00b"}},
    )
    assert body.status_code == 422 and "NUL" in body.json()["message"]
    key = await api.post(
        "/api/v2/chats/with-message",
        headers=v["headers"],
        json={"firstMessage": {"content": "ok", "metadata": {"k\x00": 1}}},
    )
    assert key.status_code == 422
    query = await api.get("/api/v2/chats?department=a%00b", headers=key_headers(demo))
    assert query.status_code == 422 and query.json()["field"] == "department"


async def test_socket_io_polling_gets_the_same_cors_rules(
    runtime: Runtime, settings: Settings, demo: dict[str, Any]
) -> None:
    """Engine.io's long-polling fallback is plain HTTP: same echo, same refusal."""
    asgi = create_asgi(settings, runtime)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=asgi), base_url="http://testserver"
    ) as client:
        url = "/socket.io/?EIO=4&transport=polling"
        ok = await client.get(url, headers={"origin": "http://localhost:3000"})
        assert ok.status_code == 200 and ok.text.startswith("0{")
        assert ok.headers["access-control-allow-origin"] == "http://localhost:3000"
        assert ok.headers["access-control-allow-credentials"] == "true"
        evil = await client.get(url, headers={"origin": "https://evil.example"})
        assert evil.status_code == 403 and "access-control-allow-origin" not in evil.headers


async def test_another_sites_page_cannot_use_this_sites_key(
    runtime: Runtime, settings: Settings, demo: dict[str, Any]
) -> None:
    """The Origin passes CORS (it is a registered site) but is not the key's site: refused."""
    company = await runtime.services.tenancy.create_company("Other")
    await runtime.services.tenancy.add_site(
        company.id, name="Other", domain="other.example", aliases=[]
    )
    app = create_app(settings, runtime)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        r = await client.post(
            "/api/visitors/identify",
            headers={"origin": "https://other.example"},
            json={
                "fingerprint": "fp-x",
                "domain": "localhost",
                "apiKey": demo["siteKey"],
                "hasAcceptedPrivacyPolicy": True,
            },
        )
        assert r.status_code == 403 and r.json()["field"] == "domain"
        assert r.headers["access-control-allow-origin"] == "https://other.example"
        ask = await client.post(
            "/api/v2/commercials/availability",
            headers={"origin": "https://other.example"},
            json={"domain": "localhost", "apiKey": demo["siteKey"]},
        )
        assert ask.status_code == 403
