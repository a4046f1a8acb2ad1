"""Webhooks: signed so the receiver can check them, retried on 5xx and network errors only."""

from __future__ import annotations

import time

import httpx
import pytest

from guiders.pipeline.analysis import sentiment, urgency
from guiders.pipeline.webhooks import WebhookFailed, deliver, sign, verify


def test_a_signature_verifies_only_with_the_same_secret_body_and_a_fresh_timestamp() -> None:
    now = str(int(time.time()))
    signature = sign("s3cret", now, b'{"a":1}')
    assert signature.startswith("sha256=")
    assert verify("s3cret", now, b'{"a":1}', signature)
    assert not verify("other", now, b'{"a":1}', signature)
    assert not verify("s3cret", now, b'{"a":2}', signature)
    old = str(int(time.time()) - 3600)
    assert not verify("s3cret", old, b'{"a":1}', sign("s3cret", old, b'{"a":1}'))
    assert not verify("s3cret", "not-a-number", b"", signature)


async def test_5xx_is_retried_with_the_same_idempotency_key_then_succeeds() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(503 if len(seen) < 3 else 200)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        status = await deliver(
            http, "http://hook.test/x", "s3cret", {"b": 2}, idempotency_key="k1",
            attempts=4, initial_wait_s=0.001,
        )  # fmt: skip
    assert status == 200 and len(seen) == 3
    assert {r.headers["x-guiders-idempotency-key"] for r in seen} == {"k1"}
    last = seen[-1]
    assert verify(
        "s3cret", last.headers["x-guiders-timestamp"], last.content,
        last.headers["x-guiders-signature"],
    )  # fmt: skip


async def test_4xx_is_not_retried_and_attempts_are_bounded() -> None:
    calls = 0

    def refuse(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(400)

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as http:
        with pytest.raises(WebhookFailed, match="status 400"):
            await deliver(http, "http://hook.test", "s", {}, idempotency_key="k", attempts=5)
    assert calls == 1

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    async with httpx.AsyncClient(transport=httpx.MockTransport(down)) as http:
        with pytest.raises(httpx.ConnectError):
            await deliver(
                http, "http://hook.test", "s", {}, idempotency_key="k", attempts=2,
                initial_wait_s=0.001,
            )  # fmt: skip


def test_urgency_and_sentiment_lexicons() -> None:
    assert urgency("hello") == 0.0
    assert urgency("URGENT: the site is down!!") > 0.5
    assert sentiment("thanks, great help") > 0
    assert sentiment("this is terrible and useless") < -0.5
    assert sentiment("not bad") > 0
