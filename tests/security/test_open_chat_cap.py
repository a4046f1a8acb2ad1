"""A visitor may have at most ``GUIDERS_MAX_OPEN_CHATS_PER_VISITOR`` chats that are not closed,
on SQLite and PostgreSQL: the site key is public, and before this one session id opened chats
without end, each a row in every agent's queue."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from guiders.config import Settings
from tests.integration.test_api import key_headers, visitor
from tests.integration.test_sdk_surface import sdk_visitor

CAP = 3


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"max_open_chats_per_visitor": CAP})


def assert_refused(r: httpx.Response) -> None:
    assert r.status_code == 409, r.text
    body = r.json()
    assert body["error"] == "too_many_open_chats" and body["limit"] == CAP, body
    assert body["field"] == "visitorId" and "close one" in body["message"], body


async def test_a_visitor_past_the_cap_is_refused_until_a_chat_is_closed(
    open_api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    api = open_api
    v = await sdk_visitor(api, demo, "fp-cap")  # the SDK's X-Guiders-Sid session
    headers = v["headers"]
    opened = []
    for i in range(CAP):
        if i % 2:
            body = {"firstMessage": {"content": f"hello {i}"}}
            r = await api.post("/api/v2/chats/with-message", json=body, headers=headers)
        else:
            r = await api.post("/api/v2/chats", json={}, headers=headers)
        assert r.status_code == 201, r.text
        opened.append(r.json()["chatId"])

    assert_refused(await api.post("/api/v2/chats", json={}, headers=headers))
    with_message = {"firstMessage": {"content": "one more"}}
    assert_refused(await api.post("/api/v2/chats/with-message", json=with_message, headers=headers))
    # an integration key opening a chat for this visitor meets the same cap
    for_visitor = {"visitorId": v["visitorId"]}
    assert_refused(await api.post("/api/v2/chats", json=for_visitor, headers=key_headers(demo)))
    # the cap is the visitor's: another visitor is not affected
    other = await sdk_visitor(api, demo, "fp-cap-other")
    r = await api.post("/api/v2/chats", json={}, headers=other["headers"])
    assert r.status_code == 201, r.text

    closed = await api.put(
        f"/api/v2/chats/{opened[0]}/close", json={"reason": "done"}, headers=headers
    )
    assert closed.status_code == 200 and closed.json()["status"] == "CLOSED", closed.text
    again = await api.post("/api/v2/chats", json={}, headers=headers)
    assert again.status_code == 201, again.text
    assert_refused(await api.post("/api/v2/chats", json={}, headers=headers))
    listing = await api.get("/api/v2/chats", params={"visitorId": v["visitorId"]}, headers=headers)
    assert listing.status_code == 200, listing.text
    statuses = sorted(c["status"] for c in listing.json()["chats"])
    assert statuses == ["CLOSED"] + ["PENDING"] * CAP, statuses


async def test_concurrent_opens_of_one_visitor_stop_at_the_cap(
    open_api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    """Counted under the visitor's row lock: requests racing each other cannot all see room."""
    v = await visitor(open_api, demo, "fp-cap-race")  # a visitor bearer token
    replies = await asyncio.gather(
        *(open_api.post("/api/v2/chats", json={}, headers=v["headers"]) for _ in range(3 * CAP))
    )
    codes = sorted(r.status_code for r in replies)
    assert codes == [201] * CAP + [409] * (2 * CAP), [r.text for r in replies]
    for r in replies:
        if r.status_code == 409:
            assert_refused(r)
