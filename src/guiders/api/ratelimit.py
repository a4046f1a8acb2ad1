"""Rate limits of the HTTP API, with ``X-RateLimit-*`` headers and ``Retry-After`` on 429.

What a limit is keyed on decides what an attacker can exhaust:
- a request without a credential, or to a public path (login, identify, pixel), counts against
  its **client address**;
- a request with a credential counts against its **principal** (the key, the user, the
  visitor) once the credential is verified (``deps.get_principal`` charges it): a thousand
  random tokens are not a thousand fresh buckets;
- a credential that fails counts against its address's **failed-credential** limit, checked
  here before the request goes on: past it, only credentials that need no database (signed
  tokens, keys in the cache) are still checked and the rest get 429, so a flood of made-up keys
  stops reaching the database while the address's known clients carry on.

Counters live in this process (``api/local_windows.py``: the ``limits`` library's counters and
arithmetic without its store's per-call overhead; keys expire with their window, nothing is
ever cleared wholesale), or in the ``limits`` library's Redis storage when ``GUIDERS_REDIS_URL``
is set, so N nodes share one limit instead of allowing N times it. The sliding window counter (this
minute's count plus the last minute's, weighted by how much of it still overlaps) keeps a burst
at a window's edge from doubling the rate, in constant time and memory per key: the moving
window it replaced kept one entry per request (a list up to the limit long, shifted on every
hit and expired through a thread hop per key: a tenth of the send path's time under load).

Which address a request comes from is ``api/client_address.py``'s answer (forwarded headers
believed from trusted proxies only).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.aio.storage import RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from guiders.api.client_address import client_address
from guiders.api.local_windows import LocalWindows
from guiders.config import Settings
from guiders.domain.errors import RateLimited
from guiders.services.access import Principal

PUBLIC_PATHS = (
    "/api/auth/",
    "/api/user/auth/",
    "/api/visitors/identify",
    "/api/pixel/",
    "/api/v2/commercials/availability",
)
CREDENTIAL_HEADERS = frozenset((b"authorization", b"x-api-key", b"x-guiders-sid"))
QUOTA_KEY = "guiders.quota"
"""Where the middleware leaves a request's :class:`Quota` in the ASGI scope."""


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    retry_after_s: float

    def headers(self) -> list[tuple[bytes, bytes]]:
        return [
            (b"x-ratelimit-limit", str(self.limit).encode()),
            (b"x-ratelimit-remaining", str(self.remaining).encode()),
        ]


@dataclass(slots=True)
class Quota:
    """One request's view of the limits: its address, and the decision whose headers go on
    the response (the principal's, once known)."""

    limits: RateLimits
    address: str
    decision: Decision | None = field(default=None)
    lookups_refused: Decision | None = field(default=None)
    """Set when the address is over its failed-credential limit: no database look-ups."""

    def refused(self) -> RateLimited:
        decision = self.lookups_refused or self.decision
        assert decision is not None
        self.decision = decision
        return RateLimited(
            "Too many failed credentials from this address; slow down",
            retry_after=decision.retry_after_s,
            limit=decision.limit,
        )

    async def charge_principal(self, principal: Principal) -> None:
        self.decision = await self.limits.hit_principal(principal)
        if not self.decision.allowed:
            raise RateLimited(
                "Too many requests; slow down",
                retry_after=self.decision.retry_after_s,
                limit=self.decision.limit,
            )

    async def record_failure(self) -> None:
        await self.limits.record_failure(self.address)


class RateLimits:
    """The three limits, counted in ``storage`` (``limits``' Redis storage: shared by every
    node) or, without one, in this process's :class:`LocalWindows` (same counters)."""

    def __init__(
        self,
        storage: Storage | None,
        *,
        per_minute: int,
        public_per_minute: int,
        failed_per_minute: int,
    ) -> None:
        self.storage = storage
        self._window = SlidingWindowCounterRateLimiter(storage) if storage is not None else None
        self._local = LocalWindows()
        self.principal = RateLimitItemPerMinute(per_minute, namespace="principal")
        self.public = RateLimitItemPerMinute(public_per_minute, namespace="address")
        self.failed = RateLimitItemPerMinute(failed_per_minute, namespace="failed")

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimits:
        storage: Storage | None = None
        if settings.redis_url:
            storage = RedisStorage(
                "async+" + settings.redis_url,
                implementation="redispy",
                key_prefix=f"{settings.redis_prefix}:ratelimit",
            )
        return cls(
            storage,
            per_minute=settings.rate_limit_per_minute,
            public_per_minute=settings.public_rate_limit_per_minute,
            failed_per_minute=settings.failed_auth_per_minute,
        )

    async def hit_address(self, address: str) -> Decision:
        return await self._hit(self.public, address)

    async def hit_principal(self, principal: Principal) -> Decision:
        return await self._hit(self.principal, f"{principal.kind.value}:{principal.subject_id}")

    async def failures_allowed(self, address: str) -> Decision:
        """Whether the address may still try a credential (nothing is counted here)."""
        if self._window is None:
            allowed = self._local.test(self.failed, address)
        else:
            allowed = await self._window.test(self.failed, address)
        if allowed:
            return Decision(True, self.failed.amount, self.failed.amount, 0.0)
        return await self._refused(self.failed, address)

    async def record_failure(self, address: str) -> None:
        if self._window is None:
            self._local.hit(self.failed, address)
        else:
            await self._window.hit(self.failed, address)

    async def _hit(self, item: RateLimitItem, key: str) -> Decision:
        if self._window is None:
            remaining = self._local.hit(item, key)
            if remaining is None:
                return await self._refused(item, key)
            return Decision(True, item.amount, remaining, 0.0)
        if not await self._window.hit(item, key):
            return await self._refused(item, key)
        stats = await self._window.get_window_stats(item, key)
        return Decision(True, item.amount, stats.remaining, 0.0)

    async def _refused(self, item: RateLimitItem, key: str) -> Decision:
        if self._window is None:
            return Decision(False, item.amount, 0, max(0.0, self._local.reset_in(item, key)))
        stats = await self._window.get_window_stats(item, key)
        return Decision(False, item.amount, 0, max(0.0, stats.reset_time - time.time()))


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, *, limits: RateLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        address = client_address(scope)
        quota = Quota(self.limits, address)
        if path.startswith(PUBLIC_PATHS) or not any(
            name in CREDENTIAL_HEADERS for name, _ in scope.get("headers") or ()
        ):
            quota.decision = await self.limits.hit_address(address)
        else:
            failures = await self.limits.failures_allowed(address)
            if not failures.allowed:
                quota.lookups_refused = failures
        if quota.decision is not None and not quota.decision.allowed:
            await _too_many(send, quota.decision)
            return
        scope[QUOTA_KEY] = quota

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start" and quota.decision is not None:
                existing = {name.lower() for name, _ in message.get("headers", [])}
                extra = [h for h in quota.decision.headers() if h[0] not in existing]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _too_many(send: Send, decision: Decision) -> None:
    body = json.dumps({"error": "rate_limited", "message": "Too many requests; slow down"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 429,
            "headers": [
                (b"content-type", b"application/json"),
                (b"retry-after", str(max(1, round(decision.retry_after_s + 0.5))).encode()),
                *decision.headers(),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
