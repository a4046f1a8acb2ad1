"""Item 5: bodies are bounded before authentication and before they are read whole; integers
that reach the database are bounded (422, never 500)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from guiders.api.app import create_app
from guiders.config import Settings
from guiders.runtime import Runtime
from tests.integration.test_api import visitor

BIG = 2**63


async def test_a_large_login_body_is_refused_with_413_before_it_is_read(
    api: httpx.AsyncClient,
) -> None:
    sent = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(50 * 16):  # 50 MB in 64 KiB chunks, if anyone read it all
            sent += 65536
            yield b"x" * 65536

    r = await api.post(
        "/api/user/auth/login",
        content=body(),
        headers={"content-type": "application/json", "content-length": str(50 * 1024 * 1024)},
    )
    assert r.status_code == 413, r.text
    assert r.json()["error"] == "payload_too_large"
    assert sent <= 65536, f"{sent} bytes read for a declared 50 MB body"


async def test_a_streamed_body_without_length_is_cut_off_at_the_limit(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    sent = 0
    chunk = 16 * 1024

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(1000):  # 16 MB, chunked
            sent += chunk
            yield b" " * chunk

    r = await api.post(
        "/api/v2/chats",
        content=body(),
        headers={"content-type": "application/json", "authorization": "Bearer x"},
    )
    assert r.status_code == 413, r.text
    assert r.json()["error"] == "payload_too_large"
    assert sent <= settings.max_body_bytes + 2 * chunk, f"{sent} bytes read"


async def test_a_body_within_its_route_limit_is_served(api: httpx.AsyncClient) -> None:
    r = await api.post("/api/user/auth/login", json={"email": "a@b.c", "password": "x" * 1000})
    assert r.status_code in (401, 422), r.text


async def test_a_prefix_can_have_a_larger_limit(runtime: Runtime, settings: Settings) -> None:
    custom = settings.model_copy(
        update={"max_body_bytes": 2048, "body_limits": {"/api/v2/big": 1 << 20}}
    )
    app = create_app(custom, runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        small = await http.post("/api/v2/chats", content=b"x" * 4096)
        large = await http.post("/api/v2/big/thing", content=b"x" * 4096)
    assert small.status_code == 413
    assert large.status_code != 413


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/api/v2/consumers/fuzz/position", {"seq": BIG}),
        ("GET", f"/api/v2/events?afterSeq={BIG}", None),
        (
            "POST",
            "/api/v2/consumers/fuzz/dead-letters",
            {
                "event": {"eventId": "8c3c2b1e-3f57-4a43-9d3e-3a0b8f1f2c11", "seq": BIG},
                "error": "boom",
                "attempts": 1,
            },
        ),
    ],
)
async def test_integers_beyond_the_database_are_a_422(
    api: httpx.AsyncClient,
    demo: dict[str, Any],
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    headers = {"authorization": f"Bearer {demo['integrationKey']}"}
    r = await api.request(method, path, json=body, headers=headers)
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "validation_error"


@pytest.mark.parametrize(
    "date",
    ["2024-01-01", "2024-01-01T00:00:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59-14:00"],
)
async def test_dates_without_an_offset_or_beyond_a_datetime_are_never_a_500(
    api: httpx.AsyncClient, demo: dict[str, Any], date: str
) -> None:
    """A date without an offset reached the database as a naive datetime, and one whose UTC
    leaves years 1 to 9999 overflowed: both were 500s, to a visitor too. Without an offset a
    date is UTC; beyond the range it is a 422."""
    v = await visitor(api, demo, "dates")
    chat = (await api.post("/api/v2/chats", json={}, headers=v["headers"])).json()["chatId"]
    key = {"authorization": f"Bearer {demo['integrationKey']}"}
    out_of_range = date.startswith(("0001", "9999"))
    for path, params, headers in [
        (f"/api/v2/chats/{chat}/messages", {"since": date}, v["headers"]),
        ("/api/v2/chats", {"dateFrom": date}, v["headers"]),
        ("/api/v2/chats", {"dateTo": date}, key),
        ("/api/v2/dashboard/history", {"from": date}, key),
    ]:
        r = await api.get(path, params=params, headers=headers)
        if out_of_range:
            assert r.status_code == 422, (path, r.text)
            assert r.json()["error"] == "validation_error"
        else:
            assert r.status_code == 200, (path, r.text)
