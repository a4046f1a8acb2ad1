"""The dashboard's time series: every interval the collector reads the Prometheus counters and
keeps the difference from the previous reading (throughput, error rate, p95 latency, messages
per minute, share of failed LLM calls). The last hour stays in memory; every point is also
stored (``SqlSnapshotStore``) for the retention period and checked against the alert rules.
Server-wide figures of this process.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

import structlog

from guiders.ai.metrics import CIRCUIT_STATE, LLM_CALLS
from guiders.observability.alerts import Alert, AlertEvaluator, Transition
from guiders.observability.metrics import (
    AI_CONFIDENCE,
    BOT_OUTCOMES,
    CONVERSION_VALUE,
    CONVERSIONS,
    HTTP_LATENCY,
    HTTP_REQUESTS,
    KNOWLEDGE_DECISIONS,
    KNOWLEDGE_GROUNDING,
    LOGIN_FAILURES,
    MESSAGES,
    RATINGS,
    SEGMENT_CHANGES,
    SLA_BREACHES,
    VISITORS,
)

log = structlog.get_logger(__name__)

MAX_POINTS = 360


@dataclass(frozen=True, slots=True)
class Reading:
    at: float
    wall: datetime
    requests: float
    errors: float
    buckets: tuple[tuple[float, float], ...]
    messages: float
    llm_calls: float = 0.0
    llm_failures: float = 0.0
    login_failures: float = 0.0
    sla_breaches: float = 0.0


def _llm_calls() -> tuple[float, float]:
    calls = failures = 0.0
    for metric in LLM_CALLS.collect():
        for s in metric.samples:
            if s.name.endswith("_total"):
                calls += s.value
                if s.labels.get("outcome") != "ok":
                    failures += s.value
    return calls, failures


def read_counters() -> Reading:
    requests = errors = messages = 0.0
    for metric in HTTP_REQUESTS.collect():
        for s in metric.samples:
            if s.name.endswith("_total"):
                requests += s.value
                if s.labels.get("status", "").startswith("5"):
                    errors += s.value
    buckets: dict[float, float] = {}
    for metric in HTTP_LATENCY.collect():
        for s in metric.samples:
            if s.name.endswith("_bucket"):
                le = float(s.labels["le"])
                buckets[le] = buckets.get(le, 0.0) + s.value
    for metric in MESSAGES.collect():
        for s in metric.samples:
            if s.name.endswith("_total"):
                messages += s.value
    llm_calls, llm_failures = _llm_calls()
    login_failures = sum(
        s.value
        for metric in LOGIN_FAILURES.collect()
        for s in metric.samples
        if s.name.endswith("_total")
    )
    sla_breaches = sum(
        s.value for metric in SLA_BREACHES.collect() for s in metric.samples
        if s.name.endswith("_total")
    )  # fmt: skip
    return Reading(
        sla_breaches=sla_breaches,
        login_failures=login_failures,
        llm_calls=llm_calls,
        llm_failures=llm_failures,
        at=time.monotonic(),
        wall=datetime.now(UTC),
        requests=requests,
        errors=errors,
        buckets=tuple(sorted(buckets.items())),
        messages=messages,
    )


def quantile(q: float, buckets: list[tuple[float, float]]) -> float | None:
    """Prometheus' ``histogram_quantile``: linear inside the bucket holding the rank."""
    if not buckets or buckets[-1][1] <= 0:
        return None
    rank = q * buckets[-1][1]
    lower, below = 0.0, 0.0
    for upper, count in buckets:
        if count >= rank:
            if math.isinf(upper):
                return lower
            inside = count - below
            return lower + (upper - lower) * ((rank - below) / inside if inside else 0.0)
        lower, below = upper, count
    return None


def point(before: Reading, after: Reading) -> dict[str, Any]:
    dt = max(after.at - before.at, 1e-9)
    requests = after.requests - before.requests
    prior = dict(before.buckets)
    delta = [(le, count - prior.get(le, 0.0)) for le, count in after.buckets]
    p95 = quantile(0.95, delta)
    llm = after.llm_calls - before.llm_calls
    return {
        "at": after.wall.isoformat(),
        "throughput": requests / dt,
        "errorRate": (after.errors - before.errors) / requests if requests else None,
        "p95Ms": p95 * 1000 if p95 is not None else None,
        "messagesPerMinute": (after.messages - before.messages) * 60 / dt,
        "aiFailureRate": (after.llm_failures - before.llm_failures) / llm if llm else None,
        "loginFailuresPerMinute": (after.login_failures - before.login_failures) * 60 / dt,
        "slaBreachesPerHour": (after.sla_breaches - before.sla_breaches) * 3600 / dt,
    }


def csat() -> dict[str, Any] | None:
    """Ratings since this process started: count, average and how many of each star."""
    counts = {str(n): 0 for n in range(1, 6)}
    for metric in RATINGS.collect():
        for s in metric.samples:
            if s.name.endswith("_total"):
                counts[s.labels["rating"]] = int(s.value)
    total = sum(counts.values())
    if not total:
        return None
    average = sum(int(k) * v for k, v in counts.items()) / total
    return {"count": total, "average": average, "distribution": counts}


def _by_label(metric: Any, label: str, suffix: str = "_total") -> dict[str, float]:
    out: dict[str, float] = {}
    for family in metric.collect():
        for s in family.samples:
            if s.name.endswith(suffix):
                key = s.labels.get(label, "")
                out[key] = out.get(key, 0.0) + s.value
    return out


_BREAKER = {0.0: "closed", 1.0: "half-open", 2.0: "open"}


def ai() -> dict[str, Any] | None:
    """The bot's replies since this process started: outcome shares, confidence histogram,
    and the LLM breaker's state (``None`` before the first reply and without a breaker)."""
    outcomes = {k: 0 for k in ("answer", "fallback", "escalation")}
    outcomes |= {k: int(v) for k, v in _by_label(BOT_OUTCOMES, "outcome").items()}
    total = sum(outcomes.values())
    cumulative = _by_label(AI_CONFIDENCE, "le", "_bucket")
    edges = sorted((float(k), v) for k, v in cumulative.items())
    histogram: list[dict[str, Any]] = []
    below = 0.0
    for upper, count in edges:
        if upper == math.inf:
            continue
        histogram.append({"le": upper, "count": int(count - below)})
        below = count
    breakers = {
        k: _BREAKER.get(v, str(v)) for k, v in _by_label(CIRCUIT_STATE, "circuit", "").items()
    }
    if not total and not breakers:
        return None
    return {
        "replies": total,
        "outcomes": outcomes,
        "automationRate": outcomes["answer"] / total if total else None,
        "escalationRate": outcomes["escalation"] / total if total else None,
        "confidence": histogram,
        "breakers": breakers,
    }


def knowledge() -> dict[str, Any] | None:
    """Questions asked of the documents since this process started: answer, clarify and
    hand-off rates, hand-offs by reason, and the mean grounding score of LLM-written answers
    (``None`` before the first question)."""
    decisions: dict[str, float] = {}
    reasons: dict[str, int] = {}
    for family in KNOWLEDGE_DECISIONS.collect():
        for sample in family.samples:
            if not sample.name.endswith("_total"):
                continue
            decision = sample.labels.get("decision", "")
            decisions[decision] = decisions.get(decision, 0.0) + sample.value
            if decision == "handoff":
                reason = sample.labels.get("reason") or "unknown"
                reasons[reason] = reasons.get(reason, 0) + int(sample.value)
    total = sum(decisions.values())
    if not total:
        return None
    grounding = _by_label(KNOWLEDGE_GROUNDING, "stat")
    count = grounding.get("count", 0.0)
    return {
        "questions": int(total),
        "answerRate": decisions.get("answer", 0.0) / total,
        "clarifyRate": decisions.get("clarify", 0.0) / total,
        "handoffRate": decisions.get("handoff", 0.0) / total,
        "handoffByReason": {k: v / total for k, v in sorted(reasons.items())},
        "meanGrounding": grounding.get("sum", 0.0) / count if count else None,
    }


def conversions() -> dict[str, Any] | None:
    """Visitors, conversions and their value by channel since this process started."""
    visitors = sum(_by_label(VISITORS, "").values())
    channels = ("bot_only", "agent", "no_chat")
    count = {k: 0 for k in channels} | {
        k: int(v) for k, v in _by_label(CONVERSIONS, "channel").items()
    }
    revenue = {k: 0.0 for k in channels} | _by_label(CONVERSION_VALUE, "channel")
    segments = {k: int(v) for k, v in _by_label(SEGMENT_CHANGES, "segment").items()}
    converted = sum(count.values())
    if not visitors and not converted and not segments:
        return None
    return {
        "visitors": int(visitors),
        "conversions": converted,
        "rate": converted / visitors if visitors else None,
        "byChannel": count,
        "revenue": revenue,
        "segments": segments,
    }


class SnapshotStore(Protocol):
    async def add(self, node: str, at: datetime, point: dict[str, Any]) -> None: ...
    async def prune(self, before: datetime) -> int: ...


@runtime_checkable
class SnapshotHistory(Protocol):
    """A store that can also read its points back (the dashboard's history)."""

    async def history(
        self, since: datetime, until: datetime, max_points: int
    ) -> list[dict[str, Any]]: ...


class MetricsCollector:
    """Samples the counters every ``interval_s`` seconds while the app runs; each point is
    stored, points older than ``retention`` pruned, and the alert rules evaluated."""

    def __init__(
        self,
        interval_s: float,
        *,
        store: SnapshotStore | None = None,
        retention: timedelta = timedelta(days=7),
        alerts: AlertEvaluator | None = None,
        publish: Callable[[list[Transition]], Awaitable[None]] | None = None,
        restore: Callable[[], Awaitable[list[Alert]]] | None = None,
        node: str = "local",
    ) -> None:
        self.interval_s = interval_s
        self.points: deque[dict[str, Any]] = deque(maxlen=MAX_POINTS)
        self.store = store
        self.retention = retention
        self.alerts = alerts
        self.publish = publish
        self.restore = restore
        self.node = node
        self._last: Reading | None = None
        self._task: asyncio.Task[None] | None = None

    def sample(self) -> dict[str, Any] | None:
        reading = read_counters()
        new = point(self._last, reading) if self._last is not None else None
        if new is not None:
            self.points.append(new)
        self._last = reading
        return new

    async def record(self, new: dict[str, Any], at: datetime) -> None:
        """Stores the point, prunes past the retention, raises and resolves alerts."""
        if self.store is not None:
            await self.store.add(self.node, at, new)
            await self.store.prune(at - self.retention)
        if self.alerts is not None:
            transitions = self.alerts.evaluate(new, at)
            for t in transitions:
                log.warning(
                    f"alert {t.kind}",
                    rule=t.alert.rule,
                    severity=t.alert.severity,
                    value=t.value,
                    threshold=t.alert.threshold,
                    node=self.node,
                )
            if transitions and self.publish is not None:
                await self.publish(transitions)

    async def restore_alerts(self) -> None:
        if self.restore is None or self.alerts is None:
            return
        try:
            for alert in await self.restore():
                self.alerts.adopt(alert)
        except Exception as exc:
            log.warning("alerts raised before the restart not restored", error=repr(exc))

    async def _run(self) -> None:
        await self.restore_alerts()
        while True:
            new = self.sample()
            if new is not None:
                try:
                    await self.record(new, datetime.fromisoformat(new["at"]))
                except Exception as exc:  # a database hiccup must not stop the sampling
                    log.warning("metric point not recorded", error=repr(exc))
            await asyncio.sleep(self.interval_s)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
