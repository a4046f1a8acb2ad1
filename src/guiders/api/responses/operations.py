"""Operations as the API answers them: health, the event log, the dashboard, workers' sagas and
stream positions, and the e-mail outbox."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from guiders.api.responses import Reply
from guiders.domain.saga import SagaStatus


class Health(Reply):
    status: Literal["ok"]


class Readiness(Reply):
    status: Literal["ready", "unavailable"]
    database: bool
    bus: bool
    workers: dict[str, bool] | None = Field(
        default=None,
        description="in-process workers the server waits for (guiders up: the bot, ready once "
        "its model is loaded)",
    )
    error: str | None = None
    message: str | None = None


# -- the event log ----------------------------------------------------------------------------


class Actor(Reply):
    id: str | None
    type: str | None


class Event(Reply):
    eventId: str
    seq: int
    companyId: str
    aggregateType: str
    aggregateId: str
    version: int
    type: str
    schemaVersion: int = Field(description="the payload's schema (docs/events.md)")
    payload: dict[str, Any]
    actor: Actor
    correlationId: str | None
    occurredAt: str


class EventPage(Reply):
    events: list[Event]
    lastSeq: int
    hasMore: bool


# -- the dashboard ----------------------------------------------------------------------------


class MetricPoint(Reply):
    at: str
    throughput: float
    errorRate: float | None
    p95Ms: float | None
    messagesPerMinute: float
    aiFailureRate: float | None
    loginFailuresPerMinute: float | None = Field(
        default=None, description="absent from points stored before it was measured"
    )
    slaBreachesPerHour: float | None = Field(
        default=None, description="absent from points stored before it was measured"
    )
    node: str | None = Field(default=None, description="the server process (history only)")


class ConfidenceBucket(Reply):
    le: float
    count: int


class AiFigures(Reply):
    replies: int
    outcomes: dict[str, int]
    automationRate: float | None
    escalationRate: float | None
    confidence: list[ConfidenceBucket]
    breakers: dict[str, str]


class KnowledgeFigures(Reply):
    """Questions asked of the documents since this process started (docs/knowledge.md)."""

    questions: int
    answerRate: float
    clarifyRate: float
    handoffRate: float
    handoffByReason: dict[str, float]
    meanGrounding: float | None


class ConversionFigures(Reply):
    visitors: int
    conversions: int
    rate: float | None
    byChannel: dict[str, int]
    revenue: dict[str, float]
    segments: dict[str, int]


class CsatFigures(Reply):
    count: int
    average: float | None
    distribution: dict[str, int]


class Alert(Reply):
    rule: str
    severity: Literal["warning", "critical"]
    value: float
    threshold: float
    summary: str
    since: str


class DashboardSnapshot(Reply):
    intervalSeconds: float | None
    series: list[MetricPoint]
    chatsByStatus: dict[str, int]
    queueLength: int
    ai: AiFigures | None
    knowledge: KnowledgeFigures | None
    conversions: ConversionFigures | None
    csat: CsatFigures | None
    alerts: list[Alert]


class DashboardHistory(Reply):
    from_: str = Field(alias="from")
    to: str
    series: list[MetricPoint]


# -- workers: sagas, positions, dead letters --------------------------------------------------


class Saga(Reply):
    id: str
    type: str
    status: SagaStatus
    steps: list[dict[str, Any]]
    context: dict[str, Any]
    error: str | None
    owner: str | None
    leaseExpiresAt: str | None
    revision: int
    createdAt: str | None
    updatedAt: str | None


class SagaList(Reply):
    sagas: list[Saga]
    total: int


class ConsumerPosition(Reply):
    consumer: str
    seq: int | None


class DeadLetter(Reply):
    id: str
    consumer: str
    eventId: str
    seq: int
    event: dict[str, Any]
    error: str
    attempts: int
    status: str
    createdAt: str | None
    updatedAt: str | None


class DeadLetterList(Reply):
    deadLetters: list[DeadLetter]
    total: int


# -- e-mail -----------------------------------------------------------------------------------


class QueuedEmail(Reply):
    id: str
    visitorId: str
    to: str
    subject: str
    status: str
    attempts: int
    createdAt: str | None
    sentAt: str | None


# -- the conversion model's health ------------------------------------------------------------


class ModelHealth(Reply):
    """The latest report (reliability diagram, ECE, PSI per input), the model alerts raised, the
    open retrain proposal and the last outcome; ``thresholds`` with the dashboard's view."""

    latest: dict[str, Any] | None
    alerts: list[dict[str, Any]]
    proposal: dict[str, Any] | None
    lastOutcome: dict[str, Any] | None
    thresholds: dict[str, float] | None = None
