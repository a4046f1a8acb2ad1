"""Prometheus metrics, recorded where things happen: the HTTP edge and committed events.

Names (served at ``/metrics``):
- ``guiders_http_requests_total{method,route,status}``: requests by route template and status.
- ``guiders_http_request_duration_seconds{route}``: request latency histogram.
- ``guiders_messages_total{role}``: messages committed, by sender role (visitor, commercial, ai).
- ``guiders_chat_transitions_total{status}``: chats entering a status (``CREATED`` on creation).
- ``guiders_chat_ratings_total{rating}``: visitors' 1-5 ratings, at close or afterwards.
- ``guiders_ai_confidence``: the bot's intent confidence on each reply (histogram, 0-1).
- ``guiders_bot_outcomes_total{outcome}``: the bot's replies to visitors: ``answer``,
  ``fallback`` (answered it could not), ``escalation`` (once per chat handed to a human).
- ``guiders_visitors_registered_total``, ``guiders_conversions_total{channel}`` and
  ``guiders_conversion_value_total{channel}``: conversions and their recorded value by what the
  visitor had: ``bot_only`` (a chat no agent joined), ``agent`` or ``no_chat``.
- ``guiders_visitor_segment_changes_total{segment}``: visitors entering a segment.
- ``guiders_api_key_checks_total{result}``: integration keys checked: ``malformed`` (refused
  without the database: bad shape or checksum), ``cached`` or ``database`` (a look-up).
- ``guiders_model_ece{company}`` and ``guiders_model_feature_psi{company,feature}``: the
  conversion model's live calibration error and input drift, from the latest model-health
  report of each company (docs/analytics.md, "Monitoring").
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any

from prometheus_client import Counter, Gauge, Histogram
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
MODEL_ECE = Gauge("guiders_model_ece", "Live ECE of the conversion model", ["company"])
MODEL_PSI = Gauge(
    "guiders_model_feature_psi", "PSI of a model input against training", ["company", "feature"]
)
MESSAGES = Counter("guiders_messages_total", "Messages committed, by sender role", ["role"])
API_KEY_CHECKS = Counter(
    "guiders_api_key_checks_total",
    "Integration keys checked: malformed (no database), cached, database",
    ["result"],
)
CHAT_TRANSITIONS = Counter("guiders_chat_transitions_total", "Chats entering a status", ["status"])

LOGIN_FAILURES = Counter(
    "guiders_login_failures_total",
    "Refused staff sign-ins, by error code (unauthorized, rate_limited, ...)",
    ["code"],
)

RATINGS = Counter("guiders_chat_ratings_total", "Visitors' chat ratings", ["rating"])

AI_CONFIDENCE = Histogram(
    "guiders_ai_confidence",
    "The bot's intent confidence on its replies",
    buckets=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0),
)
BOT_OUTCOMES = Counter(
    "guiders_bot_outcomes_total", "The bot's replies: answer, fallback, escalation", ["outcome"]
)
KNOWLEDGE_DECISIONS = Counter(
    "guiders_knowledge_decisions_total",
    "Questions asked of the documents, by decision (answer, handoff, clarify) and reason",
    ["decision", "reason"],
)
KNOWLEDGE_GROUNDING = Counter(
    "guiders_knowledge_grounding", "Grounding scores of LLM-written document answers", ["stat"]
)
VISITORS = Counter("guiders_visitors_registered_total", "Visitors registered")
SLA_BREACHES = Counter(
    "guiders_sla_breaches_total", "SLA timers that ran past their target (business time)", ["kind"]
)
CONVERSIONS = Counter(
    "guiders_conversions_total",
    "Conversions by chat channel (bot_only, agent, no_chat)",
    ["channel"],
)
CONVERSION_VALUE = Counter(
    "guiders_conversion_value_total", "Recorded conversion value by chat channel", ["channel"]
)
SEGMENT_CHANGES = Counter(
    "guiders_visitor_segment_changes_total", "Visitors entering a segment", ["segment"]
)

_UNTIMED = ("/metrics", "/assets/", "/socket.io")


class HttpMetricsMiddleware:
    """Times every API request and counts it by route template (not raw path: bounded labels)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._series: dict[tuple[str, str, int], tuple[Histogram, Counter]] = {}

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
            latency, requests = self._children(scope.get("method", ""), route, status)
            latency.observe(time.perf_counter() - started)
            requests.inc()

    def _children(self, method: str, route: str, status: int) -> tuple[Histogram, Counter]:
        """The labelled series of one (method, route template, status), looked up once:
        ``labels()`` cost a lock and a tuple of strings per request. Bounded as the series
        themselves are (route templates, the parser's methods, status codes)."""
        key = (method, route, status)
        found = self._series.get(key)
        if found is None:
            found = (
                HTTP_LATENCY.labels(route),
                HTTP_REQUESTS.labels(method, route, str(status)),
            )
            self._series[key] = found
        return found


class _Recent:
    """A bounded map of the most recently seen keys (oldest forgotten first)."""

    def __init__(self, size: int = 100_000) -> None:
        self.size = size
        self._items: OrderedDict[str, str] = OrderedDict()

    def get(self, key: str) -> str | None:
        return self._items.get(key)

    def put(self, key: str, value: str) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        if len(self._items) > self.size:
            self._items.popitem(last=False)


_channels = _Recent()  # visitor id -> "bot_only" | "agent": what their chats had
_escalated = _Recent()  # chat ids already counted as escalated


async def record_event(event: StoredEvent) -> None:
    """Bus handler: counts committed events, so a rolled-back change is never counted."""
    p = event.payload
    if event.type == "message.sent":
        role = p.get("sender_role")
        # the label keeps the API's word, as dashboards and alert rules already use it
        MESSAGES.labels("commercial" if role == "agent" else str(role or "unknown")).inc()
        if role == "ai":
            _bot_message(p)
    elif event.type == "chat.created":
        CHAT_TRANSITIONS.labels("CREATED").inc()
        visitor = str(p.get("visitor_id"))
        if _channels.get(visitor) is None:
            _channels.put(visitor, "bot_only")
    elif event.type == "chat.status_changed":
        CHAT_TRANSITIONS.labels(str(p.get("to"))).inc()
        _rating(p.get("satisfaction"))
        if p.get("to") in ("ASSIGNED", "TRANSFERRED"):
            _channels.put(str(p.get("visitor_id")), "agent")
    elif event.type == "chat.rated":
        _rating(p.get("satisfaction"))
    elif event.type == "knowledge.answered":
        _knowledge(p)
    elif event.type == "visitor.registered":
        VISITORS.inc()
    elif event.type == "chat.sla_breached":
        SLA_BREACHES.labels(str(p.get("kind"))).inc()
    elif event.type == "visitor.segment_changed":
        SEGMENT_CHANGES.labels(str(p.get("segment"))).inc()
    elif event.type == "visitor.converted":
        channel = _channels.get(str(p.get("visitor_id"))) or "no_chat"
        CONVERSIONS.labels(channel).inc()
        value = p.get("value")
        if isinstance(value, int | float) and value > 0:
            CONVERSION_VALUE.labels(channel).inc(float(value))


def _bot_message(p: dict[str, Any]) -> None:
    """The bot's reply metadata (docs/bot.md) says whether it answered, fell back or escalated."""
    meta = p.get("metadata") or {}
    if p.get("internal") or not isinstance(meta, dict):
        return
    if meta.get("isEscalation") or meta.get("isEscalationPending"):
        chat = str(p.get("chat_id"))
        if _escalated.get(chat) is None:
            _escalated.put(chat, "1")
            BOT_OUTCOMES.labels("escalation").inc()
            _confidence(meta.get("confidence"))
    elif meta.get("replyTo") is not None:
        # a "still waiting" reply to a visitor in the queue did not answer the question
        unanswered = meta.get("isFallback") or meta.get("answered") is False
        BOT_OUTCOMES.labels("fallback" if unanswered else "answer").inc()
        _confidence(meta.get("confidence"))


def _knowledge(p: dict[str, Any]) -> None:
    decision = str(p.get("decision") or "unknown")[:20]
    reason = str(p.get("reason") or "")[:40] if decision == "handoff" else ""
    KNOWLEDGE_DECISIONS.labels(decision, reason).inc()
    grounding = p.get("grounding")
    if isinstance(grounding, int | float) and 0.0 <= grounding <= 1.0:
        KNOWLEDGE_GROUNDING.labels("sum").inc(float(grounding))
        KNOWLEDGE_GROUNDING.labels("count").inc()


def _confidence(value: object) -> None:
    if isinstance(value, int | float) and 0.0 <= value <= 1.0:
        AI_CONFIDENCE.observe(float(value))


def _rating(value: object) -> None:
    if isinstance(value, int) and 1 <= value <= 5:
        RATINGS.labels(str(value)).inc()


_KEY_CHECKS: dict[str, Counter] = {}


def record_key_check(result: str) -> None:
    """Once per request with a key: each result's labelled child is looked up once (three
    results: ``labels()`` took a lock and built a tuple of strings each time)."""
    child = _KEY_CHECKS.get(result)
    if child is None:
        child = _KEY_CHECKS[result] = API_KEY_CHECKS.labels(result)
    child.inc()


BUS_EVENTS_READ = Counter(
    "guiders_bus_events_read_total",
    "Logged events this node decoded from the Redis bus, by stream: company (the routed "
    "streams of the companies it serves), nodes (node-wide types), shared (the whole stream)",
    ["stream"],
)
