"""The analytics worker: follows the event log, re-scores visitors, records their scores.

A client of the public API only (an integration key through :class:`GuidersClient`), so it runs
the same inside ``guiders up`` and as ``guiders analytics worker --server URL --key KEY``.

- It reads the company's event log in ``seq`` order (``GET /api/v2/events?afterSeq``), keeping
  the site-wide :class:`PageStats` up to date from page views and conversions.
- A visitor with new tracking (or a new chat) is re-scored once things settle: ``debounce_s``
  after their last event, and at most ``max_wait_s`` after the first unscored one, never once
  per event.
- Scoring fetches the visitor's profile, recorded tracking, sessions and chats over the API,
  computes the UCI features, and ``PUT``s the prediction; the server runs the strategy.
- A snapshot (cursor + page stats) in ``state_path`` lets a restart continue where it stopped.
- With a :class:`HealthReporter`, each pass also feeds the model monitor and posts a
  model-health report every hour (calibration against outcomes, input drift).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog

from guiders.analytics.event_rows import fold_page_stats
from guiders.analytics.features import FeatureConfig, compute_features
from guiders.analytics.health_reporting import HealthReporter
from guiders.analytics.model import ConversionModel
from guiders.analytics.page_stats import PageStats
from guiders.analytics.segments import Segmenter
from guiders.analytics.tracking import (
    current_session,
    interest,
    session_views,
    visitor_context,
)
from guiders.client import GuidersClient
from guiders.domain.errors import GuidersError, RateLimited, Unavailable

log = structlog.get_logger(__name__)

FOLLOWED = (
    "visitor.activity_tracked",
    "visitor.converted",
    "visitor.session_ended",
    "chat.created",
)


@dataclass
class WorkerConfig:
    debounce_s: float = 2.0
    max_wait_s: float = 10.0
    poll_s: float = 1.0
    page: int = 500
    tracking_limit: int = 500
    rescore_window_s: float = 30 * 60
    """On catch-up, only visitors active this recently are scored."""
    feature_config: FeatureConfig = field(default_factory=FeatureConfig)


@dataclass
class _Due:
    first: float
    last: float


class AnalyticsWorker:
    def __init__(
        self,
        client: GuidersClient,
        model: Callable[[], ConversionModel | None],
        *,
        config: WorkerConfig | None = None,
        state_path: Path | None = None,
        health: HealthReporter | None = None,
    ) -> None:
        self._client = client
        self.health = health
        self._model = model
        self.config = config or WorkerConfig()
        self._state_path = state_path
        self.stats = PageStats()
        self.cursor = 0
        self._pending: dict[str, _Due] = {}
        self.scored = 0
        self.failures = 0
        self.latencies_ms: list[float] = []
        self.scheduling = True
        """False in a replica (``analytics/replicas.py``): the group says whom to score."""
        self._load_state()

    # -- the event stream ------------------------------------------------------------------

    def handle(self, event_type: str, payload: dict[str, Any], occurred_at: datetime) -> None:
        """Fold one logged event into the page stats and the re-scoring queue."""
        touched = fold_page_stats(self.stats, event_type, payload)
        if not self.scheduling:
            return
        for visitor in touched:
            self._schedule(visitor, occurred_at)
        if event_type == "chat.created":
            self._schedule(str(payload["visitor_id"]), occurred_at)

    def _schedule(self, visitor_id: str, occurred_at: datetime) -> None:
        age = (datetime.now(UTC) - occurred_at).total_seconds()
        if age > self.config.rescore_window_s:
            return
        now = time.monotonic()
        due = self._pending.get(visitor_id)
        if due is None:
            self._pending[visitor_id] = _Due(first=now, last=now)
        else:
            due.last = now

    def due(self, now: float | None = None) -> list[str]:
        """Visitors quiet for ``debounce_s`` or waiting ``max_wait_s``; removed from the queue."""
        now = time.monotonic() if now is None else now
        ready = [
            v
            for v, d in self._pending.items()
            if now - d.last >= self.config.debounce_s or now - d.first >= self.config.max_wait_s
        ]
        for visitor in ready:
            del self._pending[visitor]
        return ready

    async def poll(self) -> bool:
        """Reads one page of the log; True when there may be more."""
        page = await self._client.events(
            after_seq=self.cursor, types=list(FOLLOWED), limit=self.config.page
        )
        if page.last_seq < self.cursor:  # a new database behind an old state file: start over
            log.warning("event log is behind the saved cursor; rebuilding", cursor=self.cursor)
            self.cursor, self.stats = 0, PageStats()
            return True
        for event in page.events:
            self.handle(event.type, event.payload, event.occurred_at)
            self.cursor = event.seq
        return page.has_more

    # -- scoring ---------------------------------------------------------------------------

    async def score(self, visitor_id: str) -> dict[str, Any] | None:
        """Scores one visitor over the API and records it; None when no model is loaded."""
        model = self._model()
        if model is None:
            return None
        started = time.perf_counter()
        profile = await self._client.request("GET", f"/v2/visitors/{visitor_id}")
        tracking = await self._client.visitor_events(visitor_id, limit=self.config.tracking_limit)
        sessions = await self._client.visitor_sessions(visitor_id, limit=20)
        chats = await self._client.request(
            "GET", f"/v2/visitors/{visitor_id}/chats", params={"limit": 20}
        )
        session = current_session(tracking) or (sessions[0].id if sessions else None)
        views = session_views(tracking, session)
        context = visitor_context(
            profile, views, sessions=len(sessions), chats=chats.get("chats", [])
        )
        features = compute_features(
            views, context, self.stats, now=datetime.now(UTC), config=self.config.feature_config
        )
        prediction = model.predict(features.model_input)
        body = prediction.as_dict() | {
            "features": features.model_input,
            "profile": _jsonable(features.profile),
            "context": interest(views),
            "sessionId": session,
        }
        body.pop("scoredAt", None)
        result: dict[str, Any] = await self._client.request(
            "PUT", f"/v2/visitors/{visitor_id}/prediction", json=body
        )
        self.latencies_ms.append((time.perf_counter() - started) * 1000)
        self.scored += 1
        return result

    async def score_due(self) -> int:
        done = 0
        for visitor in self.due():
            try:
                if await self.score(visitor) is None:
                    self._schedule(visitor, datetime.now(UTC))  # no model yet: keep it
                    continue
                done += 1
            except (Unavailable, RateLimited):  # after the client's own retries: try later
                self.failures += 1
                self._schedule(visitor, datetime.now(UTC))
            except GuidersError as exc:  # refused (e.g. the visitor is gone): do not retry
                self.failures += 1
                log.warning("scoring failed", visitor_id=visitor, error=exc.message)
        return done

    # -- the loop --------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event | None = None) -> None:
        stop = stop or asyncio.Event()
        saved = -1
        while not stop.is_set():
            try:
                more = await self.poll()
                await self.score_due()
                if not more and self.health is not None:
                    await self.health.step()
                if self.cursor != saved:
                    self._save_state()
                    saved = self.cursor
            except GuidersError as exc:
                log.warning("analytics pass failed; will retry", error=exc.message)
                more = False
            except Exception:
                log.exception("analytics pass failed; will retry")
                more = False
            if not more:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.config.poll_s)

    def _load_state(self) -> None:
        if self._state_path is None or not self._state_path.is_file():
            return
        with contextlib.suppress(ValueError, KeyError, TypeError):
            state = json.loads(self._state_path.read_text())
            self.cursor = int(state["cursor"])
            self.stats = PageStats.from_dict(state["stats"])

    def _save_state(self) -> None:
        if self._state_path is None:
            return
        self._state_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"cursor": self.cursor, "stats": self.stats.to_dict()}))
        tmp.replace(self._state_path)


def _jsonable(profile: dict[str, object]) -> dict[str, Any]:
    return {
        k: v if isinstance(v, str | int | float | bool) or v is None else str(v)
        for k, v in profile.items()
    }


class ModelSlot:
    """Loads the model directory once it exists (and again when ``model.json`` changes)."""

    def __init__(self, directory: Path, segmenter: Segmenter | None = None) -> None:
        self.directory = directory
        self._segmenter = segmenter
        self._model: ConversionModel | None = None
        self._stamp: float | None = None

    def __call__(self) -> ConversionModel | None:
        meta = self.directory / "model.json"
        try:
            stamp = meta.stat().st_mtime
        except FileNotFoundError:
            return self._model
        if stamp != self._stamp:
            try:
                self._model = ConversionModel.load(self.directory, self._segmenter)
                self._stamp = stamp
            except (OSError, ValueError, KeyError, EOFError):
                log.warning("model not loadable yet", directory=str(self.directory))
        return self._model
