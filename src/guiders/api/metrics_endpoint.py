"""``/metrics`` behind a bearer token.

Prometheus metrics name routes, error rates and volumes: nothing secret, but not for the
public either. With ``GUIDERS_METRICS_TOKEN`` set, a scrape must send
``Authorization: Bearer <token>``; without one, development serves them openly and production
refuses every scrape (set the token, or scrape a node from a private network with one).
"""

from __future__ import annotations

import hmac
import json

from prometheus_client import make_asgi_app
from starlette.types import ASGIApp, Receive, Scope, Send

from guiders.config import Settings


def metrics_app(settings: Settings) -> ASGIApp:
    inner: ASGIApp = make_asgi_app()
    if settings.metrics_token:
        return TokenGate(inner, settings.metrics_token)
    if settings.environment == "production":
        return TokenGate(inner, None)
    return Open(inner)


class Open:
    """No gate (development). An object, not a function: Starlette serves an ASGI object as
    an exact route (``/metrics``, as scrapers ask for it), a function as a request handler."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


class TokenGate:
    """``token=None`` refuses everyone."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode() if token else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            given = dict(scope.get("headers") or []).get(b"authorization", b"")
            if self.expected is None or not hmac.compare_digest(given, self.expected):
                await _unauthorized(send, configured=self.expected is not None)
                return
        await self.app(scope, receive, send)


async def _unauthorized(send: Send, *, configured: bool) -> None:
    message = (
        "Send Authorization: Bearer <GUIDERS_METRICS_TOKEN>"
        if configured
        else "/metrics is off in production until GUIDERS_METRICS_TOKEN is set"
    )
    body = json.dumps({"error": "unauthorized", "message": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [
                (b"content-type", b"application/json"),
                (b"www-authenticate", b"Bearer"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
