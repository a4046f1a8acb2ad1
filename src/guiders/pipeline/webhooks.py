"""Outgoing webhooks: a signed JSON POST, retried with backoff.

The receiver checks ``X-Guiders-Signature: sha256=<hex HMAC-SHA256 of timestamp + "." + body>``
with the shared secret and rejects old timestamps (replay). Delivery is at least once: the
``X-Guiders-Idempotency-Key`` is the same on every retry and redelivery of one action.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import httpx
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

SIGNATURE_HEADER = "X-Guiders-Signature"
TIMESTAMP_HEADER = "X-Guiders-Timestamp"
IDEMPOTENCY_HEADER = "X-Guiders-Idempotency-Key"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify(
    secret: str, timestamp: str, body: bytes, signature: str, *, max_age_s: float = 300
) -> bool:
    """What a receiver runs (the docs show it); also used by the tests."""
    try:
        fresh = abs(time.time() - float(timestamp)) <= max_age_s
    except ValueError:
        return False
    return fresh and hmac.compare_digest(sign(secret, timestamp, body), signature)


class WebhookFailed(Exception):
    pass


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, httpx.TransportError):
        return True
    return isinstance(exc, WebhookFailed) and "status 4" not in str(exc)


async def deliver(
    http: httpx.AsyncClient,
    url: str,
    secret: str,
    payload: dict[str, Any],
    *,
    idempotency_key: str,
    attempts: int = 4,
    timeout_s: float = 5.0,
    initial_wait_s: float = 0.5,
) -> int:
    """POSTs ``payload``; retries network errors and 5xx (not 4xx: the receiver refused it).
    Returns the final status code."""
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True, default=str).encode()
    async for attempt in AsyncRetrying(
        stop=stop_after_attempt(attempts),
        wait=wait_exponential_jitter(initial=initial_wait_s, max=30),
        retry=retry_if_exception(_retryable),
        reraise=True,
    ):
        with attempt:
            timestamp = str(int(time.time()))
            response = await http.post(
                url,
                content=body,
                timeout=timeout_s,
                headers={
                    "Content-Type": "application/json",
                    SIGNATURE_HEADER: sign(secret, timestamp, body),
                    TIMESTAMP_HEADER: timestamp,
                    IDEMPOTENCY_HEADER: idempotency_key,
                },
            )
            if response.status_code >= 300:
                raise WebhookFailed(f"{url} answered status {response.status_code}")
            return response.status_code
    raise AssertionError("unreachable")  # pragma: no cover
