"""Retraining with new labelled sessions, promoting only what is no worse.

Every version is validated on the same held-out 20 % of the base CSV (new rows
only ever join the training side), so the recorded validation figures of the
current model and of the candidate are directly comparable. A candidate that
ranks worse or is less calibrated is kept on disk but not promoted: segments
act on absolute probabilities and must not silently drift.

Layout of ``out_dir``::

    model.joblib, model.json      the promoted version (what ConversionModel.load reads)
    versions/<version>/           every version ever trained, for rollback
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from guiders.analytics.dataset import HOLDOUT_FRACTION, HOLDOUT_SEED, LABEL, load_csv
from guiders.analytics.features import UCI_FEATURES, FeatureValue
from guiders.analytics.model import METADATA_FILE, PIPELINE_FILE, is_compatible
from guiders.analytics.release import build_release
from guiders.analytics.training import Progress, TrainingConfig

VERSIONS_DIR = "versions"


@dataclass(frozen=True)
class RetrainOutcome:
    promoted: bool
    candidate_version: str
    current_version: str | None
    candidate_validation: dict[str, Any]
    current_validation: dict[str, Any] | None
    reason: str


def _quiet(_: str) -> None:
    return None


def _extra_frame(
    rows: pd.DataFrame | Sequence[Mapping[str, FeatureValue]],
) -> tuple[pd.DataFrame, np.ndarray]:
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame.from_records(list(rows))
    if frame.empty:
        return pd.DataFrame(columns=list(UCI_FEATURES)), np.zeros(0, dtype=np.int64)
    missing = [c for c in (*UCI_FEATURES, LABEL) if c not in frame.columns]
    if missing:
        raise ValueError(f"extra rows lack columns: {', '.join(missing)}")
    labels = np.asarray(
        [str(v).strip().lower() in {"true", "1", "yes"} for v in frame[LABEL]], dtype=np.int64
    )
    return frame.loc[:, list(UCI_FEATURES)].reset_index(drop=True), labels


def _read_metadata(directory: Path) -> dict[str, Any] | None:
    path = directory / METADATA_FILE
    if not path.is_file():
        return None
    metadata: dict[str, Any] = json.loads(path.read_text())
    return metadata


def _same_holdout(metadata: Mapping[str, Any], candidate: Mapping[str, Any]) -> bool:
    """Only figures measured on identical held-out rows may be compared."""
    recorded = metadata.get("holdout") or {}
    return bool(
        recorded.get("fraction") == HOLDOUT_FRACTION
        and recorded.get("seed") == HOLDOUT_SEED
        and recorded.get("rows") == candidate.get("rows")
        and recorded.get("positives") == candidate.get("positives")
    )


def _copy_version(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for name in (PIPELINE_FILE, METADATA_FILE):
        shutil.copy2(source / name, target / name)


def promote(out_dir: Path | str, version: str) -> None:
    """Make ``versions/<version>`` the active model; also how to roll back."""
    root = Path(out_dir)
    source = root / VERSIONS_DIR / version
    if not (source / METADATA_FILE).is_file():
        raise FileNotFoundError(f"no model version {version} under {root / VERSIONS_DIR}")
    _copy_version(source, root)


def retrain(
    base_csv: Path | str,
    extra_rows: pd.DataFrame | Sequence[Mapping[str, FeatureValue]],
    out_dir: Path | str,
    current_model_dir: Path | str | None = None,
    *,
    config: TrainingConfig | None = None,
    refit: bool = True,
    progress: Progress = _quiet,
) -> RetrainOutcome:
    """Train a candidate on base + extra rows and promote it if no worse.

    "No worse" means validation ROC AUC >= and ECE <= the current version's,
    both measured on the base CSV's fixed held-out split. Without a comparable
    current version the candidate is promoted.
    """
    root = Path(out_dir)
    raw, labels = load_csv(base_csv)
    extra = _extra_frame(extra_rows)
    staging = root / VERSIONS_DIR / ".candidate"
    if staging.exists():
        shutil.rmtree(staging)
    candidate = build_release(
        raw, labels, staging, config=config, refit=refit, progress=progress, extra=extra
    )
    version = candidate.version
    archived = root / VERSIONS_DIR / version
    if archived.exists():
        shutil.rmtree(archived)
    staging.rename(archived)
    new_figures: dict[str, Any] = candidate.metadata["metrics"]["validation"]

    current_dir = Path(current_model_dir) if current_model_dir is not None else root
    current = _read_metadata(current_dir)
    if current is not None:
        current_version = str(current["modelVersion"])
        kept = root / VERSIONS_DIR / current_version
        if not kept.exists():
            _copy_version(current_dir, kept)
    if current is None:
        promote(root, version)
        return RetrainOutcome(True, version, None, new_figures, None, "no current model")
    old_figures: dict[str, Any] = current["metrics"]["validation"]
    if not is_compatible(current):
        promote(root, version)
        reason = "current model uses another feature list; this version cannot serve it"
        return RetrainOutcome(True, version, current_version, new_figures, old_figures, reason)
    if not _same_holdout(current, new_figures):
        reason = "current model was validated on different held-out rows; not comparable"
        return RetrainOutcome(False, version, current_version, new_figures, old_figures, reason)
    better_rank = new_figures["roc_auc"] >= old_figures["roc_auc"]
    better_calibration = new_figures["ece"] <= old_figures["ece"]
    if better_rank and better_calibration:
        promote(root, version)
        reason = "validation ROC AUC and ECE no worse"
        return RetrainOutcome(True, version, current_version, new_figures, old_figures, reason)
    worse = [name for name, ok in (("ROC AUC", better_rank), ("ECE", better_calibration)) if not ok]
    reason = f"validation {' and '.join(worse)} worse than {current_version}"
    return RetrainOutcome(False, version, current_version, new_figures, old_figures, reason)
