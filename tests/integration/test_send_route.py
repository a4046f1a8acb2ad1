"""The send path's own ASGI route (api/send_route.py) answers exactly as FastAPI's route does.

Two applications share one runtime: one with the hand-written route, one without it (FastAPI's
route alone). Every case is sent to both and the answers compared: status, body, and the headers
(all of them, but the request id and the date).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from guiders.api import send_route
from guiders.api.app import create_app
from guiders.config import Settings
from guiders.runtime import Runtime
from tests.integration.test_api import key_headers, staff, visitor

VARYING = {"x-request-id", "date"}
COUNTER = "x-ratelimit-remaining"  # each application has its own limiter; level only in one test
PER_MESSAGE = {"messageId", "id", "clientMessageId", "timestamp", "sentAt", "createdAt", "seq"}


class Pair:
    def __init__(self, fast: httpx.AsyncClient, plain: httpx.AsyncClient) -> None:
        self.fast = fast
        self.plain = plain

    async def both(
        self, method: str, url: str, **kwargs: Any
    ) -> tuple[httpx.Response, httpx.Response]:
        return (
            await self.fast.request(method, url, **kwargs),
            await self.plain.request(method, url, **kwargs),
        )


def headers_of(r: httpx.Response, counter: bool = False) -> list[tuple[str, str]]:
    skip = VARYING if counter else {*VARYING, COUNTER}
    return sorted((k, v) for k, v in r.headers.items() if k not in skip)


def same(fast: httpx.Response, plain: httpx.Response, counter: bool = False) -> None:
    assert fast.status_code == plain.status_code, (fast.text, plain.text)
    assert fast.content == plain.content
    assert headers_of(fast, counter) == headers_of(plain, counter)


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """How many requests the hand-written route answered itself, and how many it handed over."""
    counts = {"handled": 0, "handed": 0}
    handle = send_route.SendRouteMiddleware._handle
    replay = send_route._replay

    async def counting_handle(self: Any, *args: Any) -> None:
        counts["handled"] += 1
        await handle(self, *args)

    def counting_replay(*args: Any) -> Any:
        counts["handed"] += 1
        return replay(*args)

    monkeypatch.setattr(send_route.SendRouteMiddleware, "_handle", counting_handle)
    monkeypatch.setattr(send_route, "_replay", counting_replay)
    yield counts


async def pair_for(settings: Settings, runtime: Runtime) -> AsyncIterator[Pair]:
    fast = httpx.ASGITransport(app=create_app(settings, runtime))
    plain = httpx.ASGITransport(app=create_app(settings, runtime, send_route=False))
    async with (
        httpx.AsyncClient(transport=fast, base_url="http://testserver") as f,
        httpx.AsyncClient(transport=plain, base_url="http://testserver") as p,
    ):
        yield Pair(f, p)


@pytest.fixture
async def pair(settings: Settings, runtime: Runtime) -> AsyncIterator[Pair]:
    async for p in pair_for(settings, runtime):
        yield p


async def test_a_send_and_its_repeats_answer_alike(
    pair: Pair, demo: dict[str, Any], taken: dict[str, int]
) -> None:
    v = await visitor(pair.plain, demo)
    chat = (await pair.plain.post("/api/v2/chats", json={}, headers=v["headers"])).json()
    url = f"/api/v2/chats/{chat['chatId']}/messages"
    body = {"content": "hi", "clientMessageId": "c1", "metadata": {"a": [1, "x"]}}
    first = await pair.fast.post(url, json=body, headers=v["headers"])
    assert first.status_code == 201 and taken == {"handled": 1, "handed": 0}
    fast_again, plain_again = await pair.both("POST", url, json=body, headers=v["headers"])
    assert fast_again.status_code == 200 and fast_again.json()["id"] == first.json()["id"]
    same(fast_again, plain_again)
    fresh = [
        await client.post(url, json={**body, "clientMessageId": name}, headers=v["headers"])
        for client, name in ((pair.fast, "c2"), (pair.plain, "c3"))
    ]
    assert [r.status_code for r in fresh] == [201, 201]
    assert headers_of(fresh[0]) == headers_of(fresh[1])
    shapes = [{k: v for k, v in r.json().items() if k not in PER_MESSAGE} for r in fresh]
    assert shapes[0] == shapes[1]
    assert taken["handed"] == 0


async def test_the_sdk_send_answers_alike(
    pair: Pair, demo: dict[str, Any], taken: dict[str, int]
) -> None:
    v = await visitor(pair.plain, demo)
    chat = (await pair.plain.post("/api/v2/chats", json={}, headers=v["headers"])).json()
    body = {"chatId": chat["chatId"], "content": "hello", "clientMessageId": "s1"}
    first = await pair.fast.post("/api/v2/messages", json=body, headers=v["headers"])
    assert first.status_code == 201 and taken["handled"] == 1
    same(*await pair.both("POST", "/api/v2/messages", json=body, headers=v["headers"]))
    missing = {"content": "x", "chatId": str(uuid.uuid4())}
    same(*await pair.both("POST", "/api/v2/messages", json=missing, headers=v["headers"]))


async def test_errors_answer_alike(pair: Pair, demo: dict[str, Any], taken: dict[str, int]) -> None:
    v = await visitor(pair.plain, demo)
    chat = (await pair.plain.post("/api/v2/chats", json={}, headers=v["headers"])).json()
    url = f"/api/v2/chats/{chat['chatId']}/messages"
    agent = await staff(pair.plain, demo, 1)
    json_type = {"content-type": "application/json"}
    cases: list[tuple[int, str, dict[str, Any]]] = [
        (401, url, {"json": {"content": "x"}}),
        (401, url, {"json": {"content": "x"}, "headers": {"authorization": "Basic abc"}}),
        (401, url, {"json": {"content": "x"}, "headers": {"authorization": "Bearer nope"}}),
        (403, url, {"json": {"content": "x"}, "headers": agent}),
        (404, f"/api/v2/chats/{uuid.uuid4()}/messages", {"json": {"content": "x"}, **key_h(demo)}),
        (422, url, {"json": {"content": "x" * 20_000}, "headers": v["headers"]}),
        (422, url, {"json": {"content": "ok", "type": "weird"}, "headers": v["headers"]}),
        (422, url, {"json": {"nothing": 1}, "headers": v["headers"]}),
        (422, url, {"json": {"content": "a\x00b"}, "headers": v["headers"]}),
        (422, url, {"content": b"{not json", "headers": {**v["headers"], **json_type}}),
        (422, url, {"content": b"", "headers": {**v["headers"], **json_type}}),
        (422, url, {"content": b'{"content": "x"}', "headers": v["headers"]}),
        (422, url + "?x=%00", {"json": {"content": "x"}, "headers": v["headers"]}),
        (400, url, {"content": b'"\xff"', "headers": {**v["headers"], **json_type}}),
        (401, url, {"json": {"content": "x"}, "headers": {"x-guiders-sid": "not-a-uuid"}}),
    ]
    for status, target, kwargs in cases:
        fast, plain = await pair.both("POST", target, **kwargs)
        assert fast.status_code == status, (target, kwargs, fast.text)
        same(fast, plain)
    assert taken["handled"] >= 6


def key_h(demo: dict[str, Any]) -> dict[str, Any]:
    return {"headers": key_headers(demo)}


async def test_a_body_over_the_limit_answers_alike(pair: Pair, demo: dict[str, Any]) -> None:
    v = await visitor(pair.plain, demo)
    chat = (await pair.plain.post("/api/v2/chats", json={}, headers=v["headers"])).json()
    url = f"/api/v2/chats/{chat['chatId']}/messages"
    big = b'{"content": "' + b"x" * 2_000_000 + b'"}'
    headers = {**v["headers"], "content-type": "application/json"}
    same(*await pair.both("POST", url, content=big, headers=headers))

    async def chunked() -> AsyncIterator[bytes]:  # no Content-Length: cut off as it streams
        for _ in range(40):
            yield b" " * 64_000

    fast = await pair.fast.post(url, content=chunked(), headers=headers)
    plain = await pair.plain.post(url, content=chunked(), headers=headers)
    assert fast.status_code == 413
    same(fast, plain)


async def test_the_rate_limit_answers_alike(
    settings: Settings, runtime: Runtime, demo: dict[str, Any]
) -> None:
    limited = settings.model_copy(update={"rate_limit_per_minute": 3})
    async for pair in pair_for(limited, runtime):
        v = await visitor(pair.plain, demo)
        # opened by the visitor: the key's counters stay level on both applications
        chat = (await pair.plain.post("/api/v2/chats", json={}, headers=v["headers"])).json()
        url = f"/api/v2/chats/{chat['chatId']}/messages"
        body = {"content": "x", "clientMessageId": "r"}
        answers = [await pair.both("POST", url, json=body, headers=key_headers(demo))]
        answers += [await pair.both("POST", url, json=body, headers=key_headers(demo))]
        answers += [await pair.both("POST", url, json=body, headers=key_headers(demo))]
        answers += [await pair.both("POST", url, json=body, headers=key_headers(demo))]
        assert [f.status_code for f, _ in answers][-1] == 429
        for fast, plain in answers[1:]:
            same(fast, plain, counter=True)
