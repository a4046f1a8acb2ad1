"""Prometheus metrics, recorded where things happen: the HTTP edge and committed events.

Names (served at ``/metrics``):
- ``guiders_http_requests_total{method,route,status}``: requests by route template and status.
- ``guiders_http_request_duration_seconds{route}``: request latency histogram.
- ``guiders_messages_total{role}``: messages committed, by sender role (visitor, commercial, ai).
- ``guiders_chat_transitions_total{status}``: chats entering a status (``CREATED`` on creation).
- ``guiders_chat_ratings_total{rating}``: visitors' 1-5 ratings, at close or afterwards.
"""

from __future__ import annotations

import time

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from guiders.domain.events import StoredEvent

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter(
    "guiders_http_requests_total", "HTTP requests handled", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "guiders_http_request_duration_seconds",
    "HTTP request latency",
    ["route"],
    buckets=LATENCY_BUCKETS,
)
MESSAGES = Counter("guiders_messages_total", "Messages committed, by sender role", ["role"])
CHAT_TRANSITIONS = Counter("guiders_chat_transitions_total", "Chats entering a status", ["status"])

RATINGS = Counter("guiders_chat_ratings_total", "Visitors' chat ratings", ["rating"])

_UNTIMED = ("/metrics", "/assets/", "/socket.io")


class HttpMetricsMiddleware:
    """Times every API request and counts it by route template (not raw path: bounded labels)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith(_UNTIMED):
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            HTTP_LATENCY.labels(route).observe(time.perf_counter() - started)
            HTTP_REQUESTS.labels(scope.get("method", ""), route, str(status)).inc()


async def record_event(event: StoredEvent) -> None:
    """Bus handler: counts committed events, so a rolled-back change is never counted."""
    if event.type == "message.sent":
        sender = event.payload.get("sender")
        role = sender.get("role") if isinstance(sender, dict) else None
        MESSAGES.labels(str(role or "unknown")).inc()
    elif event.type == "chat.created":
        CHAT_TRANSITIONS.labels("CREATED").inc()
    elif event.type == "chat.status_changed":
        CHAT_TRANSITIONS.labels(str(event.payload.get("to"))).inc()
        _rating(event.payload.get("satisfaction"))
    elif event.type == "chat.rated":
        _rating(event.payload.get("satisfaction"))


def _rating(value: object) -> None:
    if isinstance(value, int) and 1 <= value <= 5:
        RATINGS.labels(str(value)).inc()
