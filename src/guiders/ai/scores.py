"""Scores of an intent model's final predictions (``oos`` meaning it declined to answer).

Pure arithmetic over labels, so both training (``kb_head.py``, choosing a threshold) and
evaluation (``evaluation.py``, timing a trained model) use it without importing each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from guiders.ai.kb_data import OOS


@dataclass(frozen=True, slots=True)
class Report:
    in_scope_accuracy: float
    oos_recall: float
    oos_precision: float
    macro_f1: float
    in_scope_items: int
    oos_items: int
    latency_ms_p50: float = 0.0
    latency_ms_p95: float = 0.0

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


def macro_f1(truth: Sequence[str], predicted: Sequence[str]) -> float:
    labels = sorted(set(truth))
    if not labels:
        return 0.0
    scores = []
    for label in labels:
        tp = sum(1 for t, p in zip(truth, predicted, strict=True) if t == p == label)
        fp = sum(1 for t, p in zip(truth, predicted, strict=True) if p == label != t)
        fn = sum(1 for t, p in zip(truth, predicted, strict=True) if t == label != p)
        precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
        total = precision + recall
        scores.append(2 * precision * recall / total if total else 0.0)
    return float(np.mean(scores))


def score(truth: Sequence[str], predicted: Sequence[str]) -> Report:
    """Metrics of final predictions (``oos`` meaning the model declined to answer)."""
    if len(truth) != len(predicted):
        raise ValueError("truth and predictions differ in length")
    in_scope = [(t, p) for t, p in zip(truth, predicted, strict=True) if t != OOS]
    oos_truth = sum(1 for t in truth if t == OOS)
    oos_caught = sum(1 for t, p in zip(truth, predicted, strict=True) if t == p == OOS)
    oos_predicted = sum(1 for p in predicted if p == OOS)
    return Report(
        in_scope_accuracy=_ratio(sum(1 for t, p in in_scope if t == p), len(in_scope)),
        oos_recall=_ratio(oos_caught, oos_truth),
        oos_precision=_ratio(oos_caught, oos_predicted),
        macro_f1=macro_f1(truth, predicted),
        in_scope_items=len(in_scope),
        oos_items=oos_truth,
    )
