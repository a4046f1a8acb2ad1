"""The REST transport's retry and error rules, against httpx's MockTransport (no I/O)."""

from __future__ import annotations

import time

import httpx
import pytest

from guiders.client import GuidersClient, RetryPolicy
from guiders.client.http import parse_retry_after
from guiders.domain.errors import Conflict, NotFound, RateLimited, Unavailable

FAST = RetryPolicy(attempts=4, initial_s=0.01, max_wait_s=2.0)


def client_for(handler: httpx.MockTransport, retry: RetryPolicy = FAST) -> GuidersClient:
    return GuidersClient("http://guiders.test", "gdr_test_key", retry=retry, transport=handler)


async def test_retries_a_429_after_the_time_the_server_asked_for() -> None:
    calls: list[float] = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(time.monotonic())
        if len(calls) == 1:
            return httpx.Response(
                429, json={"error": "rate_limited", "message": "slow"}, headers={"Retry-After": "1"}
            )
        return httpx.Response(200, json={"data": []})

    async with client_for(httpx.MockTransport(answer)) as client:
        assert await client.list_agents() == []
    assert len(calls) == 2
    assert calls[1] - calls[0] >= 0.95


async def test_retries_5xx_and_network_errors_then_succeeds() -> None:
    outcomes: list[httpx.Response | Exception] = [
        httpx.ConnectError("refused"),
        httpx.Response(503, json={"error": "service_unavailable", "message": "db"}),
        httpx.Response(502, text="bad gateway"),
        httpx.Response(200, json={"data": []}),
    ]

    def answer(request: httpx.Request) -> httpx.Response:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async with client_for(httpx.MockTransport(answer)) as client:
        assert await client.list_agents(available=True) == []
    assert outcomes == []


async def test_gives_up_after_the_last_attempt_with_the_servers_error() -> None:
    seen = 0

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal seen
        seen += 1
        return httpx.Response(503, json={"error": "service_unavailable", "message": "down"})

    async with client_for(httpx.MockTransport(answer)) as client:
        with pytest.raises(Unavailable, match="down"):
            await client.get_chat("c1")
    assert seen == FAST.attempts


async def test_client_errors_are_raised_at_once_with_the_servers_code() -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if request.url.path.endswith("/assign/a1"):
            return httpx.Response(
                409, json={"error": "invalid_transition", "message": "already assigned"}
            )
        return httpx.Response(404, json={"error": "not_found", "message": "Chat not found"})

    async with client_for(httpx.MockTransport(answer)) as client:
        with pytest.raises(NotFound) as missing:
            await client.get_chat("nope")
        with pytest.raises(Conflict) as conflict:
            await client.assign("c1", "a1")
    assert missing.value.details["status"] == 404
    assert conflict.value.code == "invalid_transition"
    assert len(seen) == 2


async def test_a_429_that_never_clears_surfaces_as_rate_limited() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, json={"error": "rate_limited"}, headers={"Retry-After": "0"})

    async with client_for(httpx.MockTransport(answer)) as client:
        with pytest.raises(RateLimited):
            await client.list_agents()


async def test_sends_bearer_key_and_an_idempotency_id_on_every_message() -> None:
    bodies: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        bodies.append(request)
        return httpx.Response(
            201,
            json={
                "id": "m1",
                "chatId": "c1",
                "sender": {"id": "k", "name": "Bot", "role": "ai"},
                "content": "hi",
                "type": "ai-response",
                "sentAt": "2026-01-01T00:00:00+00:00",
                "metadata": {"confidence": 0.9},
                "isAI": True,
            },
        )

    async with client_for(httpx.MockTransport(answer)) as client:
        message = await client.send_message("c1", "hi", type="ai-response")
    assert message.is_ai and message.metadata == {"confidence": 0.9}
    request = bodies[0]
    assert request.headers["authorization"] == "Bearer gdr_test_key"
    assert b'"clientMessageId":"gc-' in request.content


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    later = parse_retry_after("Wed, 21 Oct 2099 07:28:00 GMT")
    assert later is not None and later > 0


async def test_an_unreachable_server_ends_as_unavailable() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    async with client_for(httpx.MockTransport(answer)) as client:
        with pytest.raises(Unavailable, match="cannot reach"):
            await client.get_chat("c1")
