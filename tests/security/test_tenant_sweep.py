"""Every operation of the OpenAPI, called by another company with the first company's ids.

Company A (the demo) has a visitor, a chat with a message, an attachment, a canned response
and a department. Company B's admin, B's visitor and A's *other* visitor then call every
operation with A's ids in the path (and a marker of A's data in the query): nothing may
succeed, nothing may be a 500, and no listing may hold A's ids or text. New routes are swept
as they are added: the list comes from the app's own OpenAPI.
"""

from __future__ import annotations

import io
import re
from typing import Any
from uuid import uuid4

import httpx

from guiders.runtime import Runtime
from tests.integration.test_api import staff, visitor
from tests.security.conftest import new_tenant

MARKER = "zanzibar-quokka-7781"
ALLOWED_FOR_ANYONE = {
    # public by design, or answering about the caller only
    ("post", "/api/auth/visitor/register"),
    ("post", "/api/auth/visitor/refresh"),
    ("post", "/api/visitors/identify"),
    ("post", "/api/user/auth/login"),
    ("post", "/api/user/auth/refresh"),
    ("get", "/api/health"),
    ("get", "/api/ready"),
}


async def _company_a(api: httpx.AsyncClient, demo: dict[str, Any]) -> dict[str, str]:
    alice = await visitor(api, demo, "sweep-alice")
    chat = await api.post(
        "/api/v2/chats/with-message",
        json={"firstMessage": {"content": f"my order {MARKER}"}},
        headers=alice["headers"],
    )
    assert chat.status_code == 201, chat.text
    body = chat.json()
    attachment = await api.post(
        "/api/v2/attachments",
        data={"chatId": body["chatId"]},
        files={"file": ("a.png", io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"0" * 64), "image/png")},
        headers=alice["headers"],
    )
    boss = await staff(api, demo, 0)
    canned = await api.post(
        "/api/v2/canned-responses", json={"shortcut": "/zq", "content": MARKER}, headers=boss
    )
    return {
        "chat_id": body["chatId"],
        "message_id": body["messageId"],
        "visitor_id": alice["visitorId"],
        "commercial_id": demo["staff"][1]["commercialId"],
        "user_id": demo["staff"][1]["commercialId"],
        "attachment_id": attachment.json().get("id", str(uuid4())),
        "response_id": canned.json().get("id", str(uuid4())),
    }


def _url(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1), str(uuid4())), path)


async def test_no_operation_lets_another_tenant_reach_the_first_ones_data(
    open_api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    api = open_api
    a = await _company_a(api, demo)
    b = await new_tenant(api, runtime, "Beta", "beta.example", "admin@beta.example")
    b_visitor = await api.post(
        "/api/auth/visitor/register",
        json={"apiKey": b["siteKey"], "domain": "beta.example", "fingerprint": "sweep-b"},
    )
    eve = await visitor(api, demo, "sweep-eve")  # same company as A, another visitor
    callers = {
        "b-admin": b["headers"],
        "b-visitor": {"authorization": f"Bearer {b_visitor.json()['accessToken']}"},
        "a-other-visitor": eve["headers"],
    }
    schema = (await api.get("/openapi.json")).json()
    leaks: list[str] = []
    for path, item in schema["paths"].items():
        for method in item:
            if (method, path) in ALLOWED_FOR_ANYONE or "{token}" in path:
                continue
            url = _url(path, a)
            names_a_id = any(f"{{{k}}}" in path for k in a)
            for who, headers in callers.items():
                r = await api.request(
                    method,
                    url,
                    headers=headers,
                    params={"q": MARKER, "query": MARKER, "visitorId": a["visitor_id"]},
                    json={} if method in ("post", "put", "patch") else None,
                )
                assert r.status_code < 500, f"{who} {method.upper()} {path}: {r.text}"
                if names_a_id and r.status_code < 300:
                    leaks.append(f"{who} {method.upper()} {path} -> {r.status_code}")
                elif r.status_code < 300 and any(
                    secret in _unechoed(r.text)
                    for secret in (a["chat_id"], a["visitor_id"], MARKER)
                ):
                    leaks.append(f"{who} {method.upper()} {path} shows A's data: {r.text[:200]}")
    assert leaks == []
    # the sweep can see a leak: A's own staff reach the same chat through the same URL
    own = await api.get(_url("/api/v2/chats/{chat_id}", a), headers=await staff(api, demo, 0))
    assert own.status_code == 200 and a["visitor_id"] in own.text


def _unechoed(text: str) -> str:
    """The body without the caller's own query echoed back (search answers ``query``)."""
    return text.replace(f'"query":"{MARKER}"', "")
