"""Selecting, calibrating and fitting the conversion model with cross-validation.

Everything that decides the model (which members to average, which calibrator)
is decided on out-of-fold predictions of the rows being trained on, so the
held-out split used for reported figures is never looked at while choosing.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

from guiders.analytics.dataset import engineer
from guiders.analytics.ensemble import (
    CALIBRATION_METHODS,
    MEMBER_FACTORIES,
    CalibratedEnsemble,
    CalibrationMethod,
    Calibrator,
    ProbabilisticClassifier,
    new_member,
)
from guiders.analytics.metrics import Metrics, measure
from guiders.analytics.pool import DEFAULT_POOL

Progress = Callable[[str], None]


@dataclass(frozen=True)
class TrainingConfig:
    """``members``/``calibration`` None means "select by cross-validation"."""

    pool: Sequence[str] = DEFAULT_POOL
    members: Sequence[str] | None = None
    calibration: CalibrationMethod | None = None
    folds: int = 5
    seed: int = 0


@dataclass
class TrainingResult:
    pipeline: Pipeline
    members: list[str]
    calibration: CalibrationMethod
    cross_validated: Metrics | None
    member_cv_auc: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0


def _quiet(_: str) -> None:
    return None


def build_pipeline(ensemble: CalibratedEnsemble, raw: pd.DataFrame) -> Pipeline:
    """Raw UCI frame in, probabilities out, so callers never engineer by hand."""
    features = FunctionTransformer(engineer, validate=False).fit(raw.head(1))
    return Pipeline([("engineer", features), ("ensemble", ensemble)])


def _out_of_fold(
    name: str, x: np.ndarray, y: np.ndarray, splits: list[tuple[np.ndarray, np.ndarray]], seed: int
) -> np.ndarray:
    scores = np.zeros(len(y), dtype=np.float64)
    for fit_rows, score_rows in splits:
        member = new_member(name, seed)
        member.fit(x[fit_rows], y[fit_rows])
        scores[score_rows] = member.predict_proba(x[score_rows])[:, 1]
    return scores


def _cross_fitted(
    method: CalibrationMethod,
    scores: np.ndarray,
    y: np.ndarray,
    splits: list[tuple[np.ndarray, np.ndarray]],
) -> np.ndarray:
    """Calibrate each fold with a calibrator that never saw that fold."""
    calibrated = np.zeros(len(y), dtype=np.float64)
    for fit_rows, score_rows in splits:
        calibrator = Calibrator(method).fit(scores[fit_rows], y[fit_rows])
        calibrated[score_rows] = calibrator.transform(scores[score_rows])
    return calibrated


def _select_members(
    oof: dict[str, np.ndarray], y: np.ndarray, splits: list[tuple[np.ndarray, np.ndarray]]
) -> list[str]:
    """The subset whose averaged out-of-fold score has the best log loss after Platt.

    Log loss of calibrated scores rewards ranking and calibration together;
    raw AUC alone would happily pick a subset that is harder to calibrate.
    """
    best: tuple[float, list[str]] | None = None
    names = list(oof)
    for size in range(1, len(names) + 1):
        for subset in itertools.combinations(names, size):
            averaged = np.mean([oof[name] for name in subset], axis=0)
            p = np.clip(_cross_fitted("platt", averaged, y, splits), 1e-6, 1 - 1e-6)
            loss = float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
            if best is None or loss < best[0] - 1e-5:
                best = (loss, list(subset))
    assert best is not None
    return best[1]


def train_model(
    raw: pd.DataFrame,
    labels: np.ndarray,
    config: TrainingConfig | None = None,
    progress: Progress = _quiet,
) -> TrainingResult:
    """Fit the calibrated ensemble on ``raw``; figures are out-of-fold, never in-sample.

    OpenMP is held to one thread: on a shared 2-core host the boosting member's
    spinning thread pool made a fit 4-20x slower (0.4 s single-threaded against
    1.8-10 s), and the folds are small.
    """
    with ThreadpoolController().limit(limits=1):
        return _train_model(raw, labels, config, progress)


def _train_model(
    raw: pd.DataFrame,
    labels: np.ndarray,
    config: TrainingConfig | None,
    progress: Progress,
) -> TrainingResult:
    cfg = config or TrainingConfig()
    started = time.perf_counter()
    x = engineer(raw)
    y = np.asarray(labels, dtype=np.int64)
    folds = StratifiedKFold(n_splits=cfg.folds, shuffle=True, random_state=cfg.seed)
    splits = [(a, b) for a, b in folds.split(x, y)]

    pool = list(cfg.members) if cfg.members is not None else list(cfg.pool)
    unknown = [name for name in pool if name not in MEMBER_FACTORIES]
    if unknown:
        raise ValueError(f"unknown model members: {', '.join(unknown)}")
    chosen = pool
    method: CalibrationMethod = "none"
    cross_validated: Metrics | None = None
    calibrator = Calibrator("none")
    member_auc: dict[str, float] = {}
    if cfg.members is None or cfg.calibration != "none":
        # Out-of-fold scores are needed to select or to fit a calibrator; a refit
        # with members and "none" pinned skips them.
        oof: dict[str, np.ndarray] = {}
        for name in pool:
            tick = time.perf_counter()
            oof[name] = _out_of_fold(name, x, y, splits, cfg.seed)
            member_auc[name] = measure(y, oof[name]).roc_auc
            progress(
                f"  {name}: {cfg.folds}-fold ROC AUC {member_auc[name]:.4f}"
                f" ({time.perf_counter() - tick:.1f}s)"
            )
        if cfg.members is None:
            chosen = _select_members(oof, y, splits)
        averaged = np.mean([oof[name] for name in chosen], axis=0)
        candidates: tuple[CalibrationMethod, ...] = (
            (cfg.calibration,) if cfg.calibration is not None else CALIBRATION_METHODS
        )
        scored = {m: _cross_fitted(m, averaged, y, splits) for m in candidates}
        briers = {m: measure(y, p).brier for m, p in scored.items()}
        method = min(candidates, key=lambda m: briers[m])
        progress(
            f"  selected members {'+'.join(chosen)}, calibration {method} "
            f"(cross-fitted Brier {', '.join(f'{m} {b:.4f}' for m, b in briers.items())})"
        )
        cross_validated = measure(y, scored[method])
        calibrator = Calibrator(method).fit(averaged, y)

    fitted: list[tuple[str, ProbabilisticClassifier]] = []
    for name in chosen:
        tick = time.perf_counter()
        member = new_member(name, cfg.seed)
        member.fit(x, y)
        fitted.append((name, member))
        progress(f"  fitted {name} on {len(y)} rows ({time.perf_counter() - tick:.1f}s)")
    ensemble = CalibratedEnsemble(members=fitted, calibrator=calibrator)
    return TrainingResult(
        pipeline=build_pipeline(ensemble, raw),
        members=chosen,
        calibration=method,
        cross_validated=cross_validated,
        member_cv_auc=member_auc,
        seconds=time.perf_counter() - started,
    )
