"""The integration-guide REST surface over HTTP (in-process ASGI), on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import httpx
import pytest


async def visitor(api: httpx.AsyncClient, demo: dict[str, Any], fp: str = "fp") -> dict[str, Any]:
    r = await api.post(
        "/api/auth/visitor/register",
        json={"apiKey": demo["siteKey"], "domain": "www.localhost", "fingerprint": fp},
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    body["headers"] = {"authorization": f"Bearer {body['accessToken']}"}
    return body


def key_headers(demo: dict[str, Any]) -> dict[str, str]:
    return {"authorization": f"Bearer {demo['integrationKey']}"}


async def staff(api: httpx.AsyncClient, demo: dict[str, Any], i: int) -> dict[str, str]:
    member = demo["staff"][i]
    r = await api.post(
        "/api/user/auth/login", json={"email": member["email"], "password": member["password"]}
    )
    assert r.status_code == 200, r.text
    return {"authorization": f"Bearer {r.json()['access_token']}"}


async def test_visitor_opens_a_chat_and_messages_are_idempotent(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    v = await visitor(api, demo)
    chat = (await api.post("/api/v2/chats", json={}, headers=v["headers"])).json()
    url = f"/api/v2/chats/{chat['chatId']}/messages"
    first = await api.post(
        url, json={"content": "<b>hi</b>", "clientMessageId": "c1"}, headers=v["headers"]
    )
    again = await api.post(
        url, json={"content": "<b>hi</b>", "clientMessageId": "c1"}, headers=v["headers"]
    )
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["content"] == "<b>hi</b>"
    assert first.json()["sender"]["role"] == "visitor"
    listing = (await api.get(url, headers=v["headers"])).json()
    assert [m["content"] for m in listing["messages"]] == ["<b>hi</b>"]
    events = (
        await api.get(f"/api/v2/events?aggregateId={chat['chatId']}", headers=key_headers(demo))
    ).json()["events"]
    assert [e["type"] for e in events] == ["chat.created", "message.sent"]


async def test_bot_key_sends_ai_responses_with_metadata(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    v = await visitor(api, demo)
    chat = (await api.post("/api/v2/chats", json={}, headers=v["headers"])).json()
    r = await api.post(
        f"/api/v2/chats/{chat['chatId']}/messages",
        headers=key_headers(demo),
        json={
            "content": "Hello!",
            "type": "ai-response",
            "metadata": {"confidence": 0.93, "isWelcome": True},
        },
    )
    assert r.status_code == 201
    body = r.json()
    assert body["isAI"] and body["sender"]["role"] == "ai"
    assert body["metadata"]["confidence"] == 0.93
    refused = await api.post(
        f"/api/v2/chats/{chat['chatId']}/messages",
        headers=v["headers"],
        json={"content": "fake", "type": "ai-response"},
    )
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"content": ""}, "content"),
        ({"content": "x" * 10_001}, "content"),
        ({"content": "ok", "type": "weird"}, "type"),
        ({"nothing": 1}, "content"),
    ],
)
async def test_bad_messages_get_a_json_error_naming_the_field(
    api: httpx.AsyncClient, demo: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    v = await visitor(api, demo)
    chat = (await api.post("/api/v2/chats", json={}, headers=v["headers"])).json()
    r = await api.post(f"/api/v2/chats/{chat['chatId']}/messages", json=body, headers=v["headers"])
    assert r.status_code == 422
    assert r.json()["error"] == "validation_error" and field in r.json()["field"]


async def test_malformed_json_is_a_client_error_not_a_crash(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    v = await visitor(api, demo)
    r = await api.post(
        "/api/v2/chats",
        content=b"{not json",
        headers={**v["headers"], "content-type": "application/json"},
    )
    assert r.status_code in (400, 422) and "error" in r.json()


async def test_assignment_close_and_invalid_transitions(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    v = await visitor(api, demo)
    chat = (await api.post("/api/v2/chats", json={}, headers=v["headers"])).json()
    ben = demo["staff"][1]["commercialId"]
    ok = await api.put(f"/api/v2/chats/{chat['chatId']}/assign/{ben}", headers=key_headers(demo))
    assert ok.status_code == 200 and ok.json()["status"] == "ASSIGNED"
    assert ok.json()["assignedCommercial"]["name"] == "Ben Turner"
    closed = await api.put(
        f"/api/v2/chats/{chat['chatId']}/close",
        json={"satisfaction": 5, "reason": "solved"},
        headers=v["headers"],
    )
    assert closed.json()["status"] == "CLOSED" and closed.json()["satisfactionRating"] == 5
    again = await api.put(f"/api/v2/chats/{chat['chatId']}/assign/{ben}", headers=key_headers(demo))
    assert again.status_code == 409
    late = await api.post(
        f"/api/v2/chats/{chat['chatId']}/messages", json={"content": "x"}, headers=v["headers"]
    )
    assert late.status_code == 409


async def test_list_filters_and_cursor_paging(api: httpx.AsyncClient, demo: dict[str, Any]) -> None:
    v = await visitor(api, demo)
    ids = [
        (await api.post("/api/v2/chats", json={}, headers=v["headers"])).json()["chatId"]
        for _ in range(5)
    ]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, "status": "PENDING"}
        if cursor:
            params["cursor"] = cursor
        page = (await api.get("/api/v2/chats", params=params, headers=key_headers(demo))).json()
        assert page["total"] == 5
        seen += [c["id"] for c in page["chats"]]
        cursor = page["nextCursor"]
        if not page["hasMore"]:
            break
    assert seen == list(reversed(ids))
    queue = (await api.get("/api/v2/chats/queue/pending", headers=key_headers(demo))).json()
    assert [c["position"] for c in queue["chats"]] == [1, 2, 3, 4, 5]


async def test_request_agent_puts_the_chat_first_in_the_queue(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    v = await visitor(api, demo)
    first = (await api.post("/api/v2/chats", json={}, headers=v["headers"])).json()["chatId"]
    second = (await api.post("/api/v2/chats", json={}, headers=v["headers"])).json()["chatId"]
    r = await api.post(f"/api/v2/chats/{second}/request-agent", headers=v["headers"])
    assert r.json()["priority"] == "HIGH"  # URGENT once its SLA target has passed
    queue = (await api.get("/api/v2/chats/queue/pending", headers=key_headers(demo))).json()
    assert [c["id"] for c in queue["chats"]] == [second, first]


async def test_agents_available_by_workload(api: httpx.AsyncClient, demo: dict[str, Any]) -> None:
    ana = await staff(api, demo, 0)
    for member in demo["staff"]:
        r = await api.put(
            f"/api/v2/commercials/{member['commercialId']}/status",
            json={"status": "online"},
            headers=ana,
        )
        assert r.status_code == 200
    v = await visitor(api, demo)
    chat = (await api.post("/api/v2/chats", json={}, headers=v["headers"])).json()
    ana_id = demo["staff"][0]["commercialId"]
    await api.put(f"/api/v2/chats/{chat['chatId']}/assign/{ana_id}", headers=key_headers(demo))
    listing = (
        await api.get(
            "/api/v2/commercials?status=available&orderBy=workload", headers=key_headers(demo)
        )
    ).json()["data"]
    assert [c["workload"] for c in listing] == [0, 0, 1]
    assert [c["seniority"] for c in listing[:2]] == [2, 1]


async def test_tracking_accepts_valid_events_and_reports_the_rest(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    v = await visitor(api, demo)
    r = await api.post(
        "/api/tracking/events",
        headers=v["headers"],
        json={
            "events": [
                {
                    "visitorId": v["visitorId"],
                    "type": "page_view",
                    "url": "/shoes",
                    "pageCategory": "product",
                    "durationMs": 5000,
                },
                {"visitorId": v["visitorId"], "type": "page_view", "pageCategory": "nonsense"},
                {"visitorId": "00000000-0000-0000-0000-000000000000", "type": "page_view"},
            ]
        },
    )
    assert r.status_code == 200
    assert (r.json()["received"], r.json()["processed"], r.json()["discarded"]) == (3, 1, 2)
    events = (
        await api.get(f"/api/v2/visitors/{v['visitorId']}/events", headers=v["headers"])
    ).json()["events"]
    assert [e["url"] for e in events] == ["/shoes"]
    profile = await api.get(f"/api/v2/visitors/{v['visitorId']}", headers=key_headers(demo))
    assert profile.status_code == 200
    sessions = (
        await api.get(f"/api/v2/visitors/{v['visitorId']}/sessions", headers=v["headers"])
    ).json()
    assert sessions["total"] == 1


async def test_refresh_tokens_rotate_and_a_reused_one_revokes_the_family(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    member = demo["staff"][1]
    login = (
        await api.post(
            "/api/user/auth/login", json={"email": member["email"], "password": member["password"]}
        )
    ).json()
    first = await api.post("/api/user/auth/refresh", json={"refreshToken": login["refresh_token"]})
    assert first.status_code == 200
    reuse = await api.post("/api/user/auth/refresh", json={"refreshToken": login["refresh_token"]})
    assert reuse.status_code == 401
    successor = await api.post(
        "/api/user/auth/refresh", json={"refreshToken": first.json()["refresh_token"]}
    )
    assert successor.status_code == 401
    wrong = await api.post(
        "/api/user/auth/login", json={"email": member["email"], "password": "nope"}
    )
    assert wrong.status_code == 401 and wrong.json()["error"] == "unauthorized"


async def test_health_ready_metrics_and_openapi(api: httpx.AsyncClient) -> None:
    assert (await api.get("/api/health")).json() == {"status": "ok"}
    assert (await api.get("/api/ready")).json()["database"] is True
    assert (await api.get("/metrics/")).status_code == 200
    spec = (await api.get("/openapi.json")).json()
    assert "/api/v2/chats/{chat_id}/messages" in spec["paths"]


async def test_validation_errors_name_fields_as_the_api_does(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    r = await api.get("/api/v2/chats/not-a-uuid", headers=key_headers(demo))
    assert r.status_code == 422 and r.json()["field"] == "chatId"
    r = await api.get("/api/v2/chats?limit=1000", headers=key_headers(demo))
    assert r.status_code == 422 and r.json()["field"] == "limit"
