"""Live calibration and drift of the conversion model: the monitor's labels, ECE and PSI."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from guiders.analytics.drift import FeatureBins, bins_from_metadata, training_bins
from guiders.analytics.features import UCI_FEATURES
from guiders.analytics.metrics import expected_calibration_error
from guiders.analytics.monitoring import ModelMonitor, MonitorConfig

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def frame(rng: random.Random, n: int, shift: float = 0.0) -> pd.DataFrame:
    rows = []
    for _ in range(n):
        row: dict[str, object] = {name: 0 for name in UCI_FEATURES}
        row |= {
            "PageValues": max(0.0, rng.gauss(5 + shift, 4)),
            "ProductRelated": rng.randint(0, 30),
            "Month": rng.choice(["Nov", "Dec", "May"]),
            "VisitorType": "Returning_Visitor" if rng.random() < 0.8 else "New_Visitor",
            "Weekend": rng.random() < 0.25,
        }
        rows.append(row)
    return pd.DataFrame(rows)


def test_psi_is_near_zero_on_the_same_distribution_and_large_on_a_shift() -> None:
    rng = random.Random(1)
    bins = {b.feature: b for b in training_bins(frame(rng, 5000))}
    same = frame(rng, 2000).to_dict("records")
    shifted = frame(rng, 2000, shift=6).to_dict("records")
    assert bins["PageValues"].psi(r["PageValues"] for r in same) < 0.02
    assert bins["PageValues"].psi(r["PageValues"] for r in shifted) > 0.25
    assert bins["Month"].psi(r["Month"] for r in same) < 0.02
    assert bins["Month"].psi("Jan" for _ in range(100)) > 5  # an unseen month: all "other"


def test_bins_survive_model_json() -> None:
    bins = training_bins(frame(random.Random(2), 500))
    again = bins_from_metadata({"featureBins": [b.to_dict() for b in bins]})
    assert again == bins
    assert bins_from_metadata({}) == []
    weekend = next(b for b in bins if b.feature == "Weekend")
    assert weekend.categories == ("False", "True") and abs(sum(weekend.shares) - 1) < 1e-9


def test_numeric_bins_are_right_closed() -> None:
    bins = FeatureBins("PageValues", "numeric", (0.5, 0.25, 0.25), edges=(0.0, 10.0))
    assert [bins.index(v) for v in (0.0, 0.1, 10.0, 10.5)] == [0, 1, 1, 2]


def analyzed(session: str, p: float, at: datetime) -> tuple[str, dict[str, object], datetime]:
    return ("visitor.analyzed", {"sessionId": session, "conversionProbability": p}, at)


def test_the_last_score_before_a_conversion_counts_and_open_sessions_wait() -> None:
    monitor = ModelMonitor(MonitorConfig(min_calibration_rows=1))
    for event in (
        analyzed("a", 0.2, T0),
        analyzed("a", 0.7, T0 + timedelta(minutes=5)),
        ("visitor.converted", {"sessionId": "a"}, T0 + timedelta(minutes=6)),
        analyzed("a", 0.1, T0 + timedelta(minutes=7)),  # after the conversion: ignored
        analyzed("b", 0.3, T0),
        analyzed("c", 0.4, T0 + timedelta(minutes=50)),  # quiet for only 10 minutes
    ):
        monitor.handle(*event)
    found = {o.session: (o.score, o.converted) for o in monitor.outcomes(T0 + timedelta(hours=1))}
    assert found == {"a": (0.7, True), "b": (0.3, False)}


def test_live_ece_is_the_offline_ece_of_the_same_sessions_in_the_window() -> None:
    rng = np.random.default_rng(3)
    monitor = ModelMonitor(MonitorConfig(calibration_days=10))
    scores: list[tuple[datetime, float, bool]] = []
    for i in range(3000):
        at = T0 + timedelta(minutes=7 * i)
        p = float(rng.uniform(0, 1))
        y = bool(rng.random() < p**1.3)  # miscalibrated on purpose
        monitor.handle(*analyzed(f"s{i}", p, at))
        if y:
            monitor.handle("visitor.converted", {"sessionId": f"s{i}"}, at + timedelta(minutes=1))
        scores.append((at, p, y))
    now = T0 + timedelta(minutes=7 * 3000)
    settled = [
        (p, y)
        for (at, p, y) in scores
        if now - timedelta(days=10) <= at and (y or now - at >= timedelta(minutes=30))
    ]
    report = monitor.calibration(now)
    offline = expected_calibration_error(
        np.array([y for _, y in settled], dtype=float), np.array([p for p, _ in settled])
    )
    assert report["rows"] == len(settled)
    assert report["ece"] == offline and report["ece"] > report["noiseFloor"]
    assert sum(b["count"] for b in report["bins"]) == len(settled)


def test_drift_needs_bins_and_enough_sessions() -> None:
    rng = random.Random(4)
    bins = training_bins(frame(rng, 2000))
    monitor = ModelMonitor(MonitorConfig(min_drift_rows=50))
    for i, row in enumerate(frame(rng, 200, shift=8).to_dict("records")):
        payload = {"sessionId": f"s{i}", "conversionProbability": 0.1, "features": row}
        monitor.handle("visitor.analyzed", payload, T0 + timedelta(minutes=i))
    now = T0 + timedelta(hours=5)
    report = monitor.drift(now, bins)
    assert report["feature"] == "PageValues" and report["maxPsi"] > 0.25
    assert monitor.drift(now, [])["reason"] == "no training bins"
    assert monitor.drift(now + timedelta(days=2), bins)["reason"] == "too few sessions"
