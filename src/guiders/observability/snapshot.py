"""The dashboard's time series: every interval the collector reads the Prometheus counters and
keeps the difference from the previous reading (throughput, error rate, p95 latency, messages
per minute). Kept in memory for the last hour of points; server-wide figures of this process.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from guiders.observability.metrics import HTTP_LATENCY, HTTP_REQUESTS, MESSAGES, RATINGS

MAX_POINTS = 360


@dataclass(frozen=True, slots=True)
class Reading:
    at: float
    wall: datetime
    requests: float
    errors: float
    buckets: tuple[tuple[float, float], ...]
    messages: float


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
    return Reading(
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
    return {
        "at": after.wall.isoformat(),
        "throughput": requests / dt,
        "errorRate": (after.errors - before.errors) / requests if requests else None,
        "p95Ms": p95 * 1000 if p95 is not None else None,
        "messagesPerMinute": (after.messages - before.messages) * 60 / dt,
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


class MetricsCollector:
    """Samples the counters every ``interval_s`` seconds while the app runs."""

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self.points: deque[dict[str, Any]] = deque(maxlen=MAX_POINTS)
        self._last: Reading | None = None
        self._task: asyncio.Task[None] | None = None

    def sample(self) -> None:
        reading = read_counters()
        if self._last is not None:
            self.points.append(point(self._last, reading))
        self._last = reading

    async def _run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(self.interval_s)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
