"""Quality figures for a probability model, including calibration.

Segments act on absolute probabilities, so ranking quality (ROC/PR AUC) is not
enough: the Brier score and the expected calibration error say whether "0.8"
really means eight in ten.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Final

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

ECE_BINS: Final = 15


def expected_calibration_error(labels: np.ndarray, probabilities: np.ndarray) -> float:
    """ECE over 15 equal-width bins, weighted by the share of rows in each bin."""
    y = np.asarray(labels, dtype=np.float64)
    p = np.asarray(probabilities, dtype=np.float64)
    if y.size == 0:
        return 0.0
    edges = np.linspace(0.0, 1.0, ECE_BINS + 1)
    bins = np.clip(np.digitize(p, edges[1:-1], right=False), 0, ECE_BINS - 1)
    total = 0.0
    for index in range(ECE_BINS):
        mask = bins == index
        if mask.any():
            total += float(mask.mean()) * abs(float(y[mask].mean()) - float(p[mask].mean()))
    return total


@dataclass(frozen=True)
class Metrics:
    roc_auc: float
    pr_auc: float
    brier: float
    ece: float
    accuracy: float
    rows: int
    positives: int

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def measure(labels: np.ndarray, probabilities: np.ndarray) -> Metrics:
    y = np.asarray(labels, dtype=np.int64)
    p = np.asarray(probabilities, dtype=np.float64)
    both_classes = 0 < int(y.sum()) < y.size
    return Metrics(
        roc_auc=float(roc_auc_score(y, p)) if both_classes else float("nan"),
        pr_auc=float(average_precision_score(y, p)) if both_classes else float("nan"),
        brier=float(brier_score_loss(y, p)),
        ece=expected_calibration_error(y, p),
        accuracy=float(np.mean((p >= 0.5) == (y == 1))),
        rows=int(y.size),
        positives=int(y.sum()),
    )


def ece_noise_floor(probabilities: np.ndarray, draws: int = 50, seed: int = 0) -> float:
    """ECE a perfectly calibrated model would still show on this many rows.

    Labels are drawn from the predictions themselves, so every deviation is
    sampling noise. With ~2,000 rows and 15 bins it is about 0.017: a measured
    ECE near it means "as calibrated as this sample can tell", not "off by 2 %".
    """
    p = np.clip(np.asarray(probabilities, dtype=np.float64), 0.0, 1.0)
    if p.size == 0:
        return 0.0
    rng = np.random.default_rng(seed)
    return float(np.mean([expected_calibration_error(rng.binomial(1, p), p) for _ in range(draws)]))
