"""Producing a versioned model directory with honest figures in model.json.

A release is trained twice: once on 80 % of the rows so the remaining 20 % can
report validation figures the model never saw, then (by default) again on all
rows with the same members and calibrator, which is what ships. The shipped
model's own figures are therefore estimates from the first fit, as model.json
says.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn

from guiders.analytics.dataset import (
    ENGINEERED,
    HOLDOUT_FRACTION,
    HOLDOUT_SEED,
    holdout_split,
)
from guiders.analytics.drift import training_bins
from guiders.analytics.ensemble import new_member
from guiders.analytics.features import UCI_FEATURES
from guiders.analytics.metrics import ECE_BINS, Metrics, measure
from guiders.analytics.model import ConversionModel, reference_values
from guiders.analytics.segments import Segmenter
from guiders.analytics.training import Progress, TrainingConfig, train_model


def _quiet(_: str) -> None:
    return None


def model_version(
    data: pd.DataFrame, labels: np.ndarray, config: TrainingConfig, refit: bool
) -> str:
    """conv-YYYYMMDD-<hash>: the hash covers rows, settings, features and member hyperparameters."""
    digest = hashlib.sha256()
    digest.update(pd.util.hash_pandas_object(data, index=False).to_numpy().tobytes())
    digest.update(np.asarray(labels, dtype=np.int64).tobytes())
    digest.update(repr((config, refit, ENGINEERED)).encode())
    for name in config.members or config.pool:
        digest.update(repr(new_member(name, config.seed)).encode())
    return f"conv-{datetime.now(UTC):%Y%m%d}-{digest.hexdigest()[:8]}"


def validate(
    raw: pd.DataFrame,
    labels: np.ndarray,
    config: TrainingConfig,
    progress: Progress = _quiet,
    extra: tuple[pd.DataFrame, np.ndarray] | None = None,
) -> tuple[ConversionModel, Metrics | None, Metrics, TrainingConfig]:
    """Train on the fixed 80 % and measure on the 20 % it never saw.

    ``extra`` rows (e.g. labelled live sessions) only ever join the training
    side, so every version is measured on the very same held-out rows.
    Returns the model, cross-validated and held-out figures, and the config
    with the selected members and calibrator pinned for a refit.
    """
    fit_x, hold_x, fit_y, hold_y = holdout_split(raw, labels)
    if extra is not None and len(extra[1]):
        fit_x = pd.concat([fit_x, extra[0]], ignore_index=True)
        fit_y = np.concatenate([fit_y, extra[1]])
    progress(f"validation fit on {len(fit_y)} rows, {len(hold_y)} held out")
    result = train_model(fit_x, fit_y, config, progress)
    pinned = replace(config, members=tuple(result.members), calibration=result.calibration)
    model = ConversionModel(
        pipeline=result.pipeline,
        metadata={"modelVersion": "validation", "reference": reference_values(fit_x)},
    )
    held_out = measure(hold_y, model.probabilities(hold_x))
    return model, result.cross_validated, held_out, pinned


def build_release(
    raw: pd.DataFrame,
    labels: np.ndarray,
    out_dir: Path | str,
    *,
    config: TrainingConfig | None = None,
    refit: bool = True,
    segmenter: Segmenter | None = None,
    progress: Progress = _quiet,
    extra: tuple[pd.DataFrame, np.ndarray] | None = None,
) -> ConversionModel:
    cfg = config or TrainingConfig()
    started = time.perf_counter()
    model, cross_validated, held_out, pinned = validate(raw, labels, cfg, progress, extra)
    progress(
        f"held-out: ROC AUC {held_out.roc_auc:.4f}, ECE {held_out.ece:.4f}, "
        f"Brier {held_out.brier:.4f}"
    )
    reference = model.reference
    fitted_rows = holdout_split(raw, labels)[0]
    if extra is not None and len(extra[1]):
        fitted_rows = pd.concat([fitted_rows, extra[0]], ignore_index=True)
    extra_rows = len(extra[1]) if extra is not None else 0
    training_rows = len(labels) - held_out.rows + extra_rows
    if extra is not None and extra_rows:
        raw = pd.concat([raw, extra[0]], ignore_index=True)
        labels = np.concatenate([labels, extra[1]])
    if refit:
        progress(f"refit on all {len(labels)} rows with the selected members and calibrator")
        final = train_model(raw, labels, pinned, progress)
        model = ConversionModel(pipeline=final.pipeline, metadata={})
        reference = reference_values(raw)
        training_rows = len(labels)
        fitted_rows = raw
    seconds = time.perf_counter() - started
    chosen_segmenter = segmenter or Segmenter()
    version = model_version(raw, labels, pinned, refit)
    model.metadata = {
        "modelVersion": version,
        "createdAt": datetime.now(UTC).isoformat(),
        "features": list(UCI_FEATURES),
        "engineeredFeatures": list(ENGINEERED),
        "members": list(pinned.members or ()),
        "calibration": pinned.calibration,
        "thresholds": chosen_segmenter.as_dict(),
        "reference": reference,
        "featureBins": [b.to_dict() for b in training_bins(fitted_rows)],
        "refitOnAllRows": refit,
        "trainingRows": training_rows,
        "extraRows": extra_rows,
        "holdout": {
            "fraction": HOLDOUT_FRACTION,
            "seed": HOLDOUT_SEED,
            "rows": held_out.rows,
            "positives": held_out.positives,
        },
        "trainingSeconds": round(seconds, 1),
        "metrics": {
            "validation": held_out.as_dict(),
            "crossValidated": cross_validated.as_dict() if cross_validated else None,
            "note": (
                f"validation: stratified {HOLDOUT_FRACTION:.0%} held out (seed {HOLDOUT_SEED}) "
                f"of the training CSV, never trained on; crossValidated: {cfg.folds}-fold "
                "out-of-fold, cross-fitted calibration, on the other 80 %; "
                f"ECE uses {ECE_BINS} equal-width bins"
            ),
        },
        "sklearnVersion": sklearn.__version__,
    }
    model.segmenter = chosen_segmenter
    model.save(out_dir)
    return model
