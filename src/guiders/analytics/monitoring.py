"""The conversion model watched live: calibration against recorded outcomes, and input drift.

:class:`ModelMonitor` follows two event types of the log, ``visitor.analyzed`` (the score and
the 17 inputs the model saw) and ``visitor.converted``, and keeps, per session, what it needs
for the window it reports on. It labels sessions the way retraining does
(:mod:`guiders.analytics.outcomes`): the last score before a conversion is a positive; the last
score of a session that has been quiet for ``settle`` without one is a negative; open sessions
wait. From those it computes:

- **calibration** over the last ``calibration_days``: the reliability diagram (15 equal-width
  bins, the same as the offline ECE) and the ECE, with the noise floor of a perfectly
  calibrated model on as many rows, so a small sample is not mistaken for a bad model;
- **drift** over the last ``drift_hours``: the PSI of every input between the training bins
  stored with the model (:mod:`guiders.analytics.drift`) and the latest inputs of each session
  scored in the window.

The worker posts the report to ``POST /api/v2/analytics/model-health``; the server keeps it as
an event, raises the alerts and proposes a retrain. A figure is ``None`` below ``min_rows``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

import numpy as np

from guiders.analytics.drift import FeatureBins, drift
from guiders.analytics.features import FeatureValue
from guiders.analytics.metrics import ECE_BINS, ece_noise_floor, expected_calibration_error

FOLLOWED: Final = ("visitor.analyzed", "visitor.converted")


@dataclass
class _Session:
    score: float | None = None
    scored_at: datetime | None = None
    features: Mapping[str, FeatureValue] = field(default_factory=dict)
    converted_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """One labelled session: the score that counts, when it was given, and what happened."""

    session: str
    score: float
    scored_at: datetime
    converted: bool


@dataclass(frozen=True)
class MonitorConfig:
    calibration_days: float = 30.0
    drift_hours: float = 24.0
    settle: timedelta = timedelta(minutes=30)
    min_calibration_rows: int = 200
    min_drift_rows: int = 100


def reliability(labels: np.ndarray, scores: np.ndarray) -> list[dict[str, Any]]:
    """The reliability diagram: per equal-width bin, its rows, mean score and observed rate."""
    edges = np.linspace(0.0, 1.0, ECE_BINS + 1)
    index = np.clip(np.digitize(scores, edges[1:-1], right=False), 0, ECE_BINS - 1)
    out: list[dict[str, Any]] = []
    for i in range(ECE_BINS):
        mask = index == i
        count = int(mask.sum())
        out.append(
            {
                "lower": float(edges[i]),
                "upper": float(edges[i + 1]),
                "count": count,
                "meanPredicted": float(scores[mask].mean()) if count else None,
                "observedRate": float(labels[mask].mean()) if count else None,
            }
        )
    return out


class ModelMonitor:
    """Folds the log's scores and conversions; memory is bounded by the sessions in the window."""

    def __init__(self, config: MonitorConfig | None = None) -> None:
        self.config = config or MonitorConfig()
        self._sessions: dict[str, _Session] = {}

    def handle(self, event_type: str, payload: Mapping[str, Any], occurred_at: datetime) -> None:
        session_id = payload.get("sessionId")
        if not session_id:
            return
        state = self._sessions.setdefault(str(session_id), _Session())
        if event_type == "visitor.converted":
            if state.converted_at is None:
                state.converted_at = occurred_at
        elif event_type == "visitor.analyzed" and state.converted_at is None:
            probability = payload.get("conversionProbability")
            if isinstance(probability, int | float):
                state.score = float(probability)
                state.scored_at = occurred_at
                state.features = dict(payload.get("features") or {})

    def prune(self, now: datetime) -> None:
        """Forgets sessions whose last score left every window."""
        keep = max(
            timedelta(days=self.config.calibration_days), timedelta(hours=self.config.drift_hours)
        )
        horizon = now - keep - self.config.settle
        stale = [
            sid
            for sid, s in self._sessions.items()
            if s.scored_at is None or s.scored_at < horizon
            if s.converted_at is None or s.converted_at < horizon
        ]
        for sid in stale:
            del self._sessions[sid]

    def outcomes(self, now: datetime, since: datetime | None = None) -> list[Outcome]:
        """Labelled sessions whose deciding score was given in ``[since, now]``."""
        out: list[Outcome] = []
        for sid, s in self._sessions.items():
            if s.score is None or s.scored_at is None or s.scored_at > now:
                continue
            if since is not None and s.scored_at < since:
                continue
            converted = s.converted_at is not None and s.converted_at <= now
            if not converted and now - s.scored_at < self.config.settle:
                continue
            out.append(Outcome(sid, s.score, s.scored_at, converted))
        return out

    def calibration(self, now: datetime) -> dict[str, Any]:
        since = now - timedelta(days=self.config.calibration_days)
        found = self.outcomes(now, since)
        labels = np.asarray([o.converted for o in found], dtype=np.float64)
        scores = np.asarray([o.score for o in found], dtype=np.float64)
        enough = len(found) >= self.config.min_calibration_rows
        return {
            "days": self.config.calibration_days,
            "from": since.isoformat(),
            "to": now.isoformat(),
            "rows": len(found),
            "positives": int(labels.sum()),
            "meanPredicted": float(scores.mean()) if found else None,
            "observedRate": float(labels.mean()) if found else None,
            "ece": expected_calibration_error(labels, scores) if enough else None,
            "noiseFloor": ece_noise_floor(scores) if enough else None,
            "bins": reliability(labels, scores),
        }

    def recent_inputs(self, now: datetime) -> list[Mapping[str, FeatureValue]]:
        """The latest inputs of each session scored in the drift window."""
        since = now - timedelta(hours=self.config.drift_hours)
        return [
            s.features
            for s in self._sessions.values()
            if s.scored_at is not None and since <= s.scored_at <= now and s.features
        ]

    def drift(self, now: datetime, bins: Sequence[FeatureBins]) -> dict[str, Any]:
        since = now - timedelta(hours=self.config.drift_hours)
        rows = self.recent_inputs(now)
        enough = bool(bins) and len(rows) >= self.config.min_drift_rows
        psi = {k: round(v, 6) for k, v in drift(bins, rows).items()} if enough else {}
        worst = max(psi, key=lambda k: psi[k]) if psi else None
        return {
            "hours": self.config.drift_hours,
            "from": since.isoformat(),
            "to": now.isoformat(),
            "rows": len(rows),
            "psi": psi,
            "maxPsi": psi[worst] if worst else None,
            "feature": worst,
            "reason": None if enough else ("no training bins" if not bins else "too few sessions"),
        }

    def report(
        self, now: datetime, bins: Sequence[FeatureBins], model_version: str | None
    ) -> dict[str, Any]:
        """What ``POST /api/v2/analytics/model-health`` takes."""
        self.prune(now)
        return {
            "modelVersion": model_version,
            "measuredAt": now.isoformat(),
            "calibration": self.calibration(now),
            "drift": self.drift(now, bins),
        }
