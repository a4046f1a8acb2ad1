"""Per-credential rate limits with ``X-RateLimit-*`` headers and ``Retry-After`` on 429.

A token bucket per credential (or per client address on public endpoints). Written here, not
taken from aiolimiter, because the headers need the remaining capacity and the time until a
token is back, which aiolimiter does not expose.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PUBLIC_PATHS = (
    "/api/auth/",
    "/api/user/auth/",
    "/api/visitors/identify",
    "/api/pixel/",
    "/api/v2/commercials/availability",
)


@dataclass(slots=True)
class Bucket:
    capacity: float
    refill_per_s: float
    tokens: float
    stamp: float

    def take(self, now: float) -> tuple[bool, float]:
        """(allowed, seconds until one token is back when refused)."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.refill_per_s)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True, 0.0
        return False, (1 - self.tokens) / self.refill_per_s


class RateLimiter:
    def __init__(self, per_minute: int, max_keys: int = 100_000) -> None:
        self.limit = per_minute
        self._buckets: dict[str, Bucket] = {}
        self._max_keys = max_keys

    def hit(self, key: str) -> tuple[bool, int, float]:
        """(allowed, remaining, retry_after_s)."""
        now = time.monotonic()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._max_keys:
                self._buckets.clear()
            bucket = self._buckets[key] = Bucket(self.limit, self.limit / 60.0, self.limit, now)
        allowed, retry = bucket.take(now)
        return allowed, int(bucket.tokens), retry


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, *, per_minute: int, public_per_minute: int) -> None:
        self.app = app
        self.credential = RateLimiter(per_minute)
        self.public = RateLimiter(public_per_minute)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        limiter, key = self._key(scope, path)
        allowed, remaining, retry = limiter.hit(key)
        if not allowed:
            body = json.dumps(
                {"error": "rate_limited", "message": "Too many requests; slow down"}
            ).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 429,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"retry-after", str(max(1, round(retry + 0.5))).encode()),
                        (b"x-ratelimit-limit", str(limiter.limit).encode()),
                        (b"x-ratelimit-remaining", b"0"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        extra = [
            (b"x-ratelimit-limit", str(limiter.limit).encode()),
            (b"x-ratelimit-remaining", str(remaining).encode()),
        ]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _key(self, scope: Scope, path: str) -> tuple[RateLimiter, str]:
        headers = dict(scope.get("headers") or [])
        credential = (
            headers.get(b"authorization")
            or headers.get(b"x-api-key")
            or headers.get(b"x-guiders-sid")
        )
        if credential and not path.startswith(PUBLIC_PATHS):
            return self.credential, hashlib.sha256(credential).hexdigest()
        client = scope.get("client") or ("unknown", 0)
        return self.public, f"ip:{client[0]}"
