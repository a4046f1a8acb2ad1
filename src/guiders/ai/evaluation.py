"""Scoring the intent model the way the CLINC150 paper does, plus per-query latency.

Definitions (also in ``docs/kb.md``):

* in-scope accuracy: over items whose true intent is not ``oos``, the fraction predicted
  exactly; predicting ``oos`` for one of them is a mistake;
* OOS recall: over items whose true intent is ``oos``, the fraction predicted ``oos``;
* OOS precision: over items predicted ``oos``, the fraction truly ``oos`` (0 if none);
* macro F1: unweighted mean of per-label F1 over every label present in the truth (the
  150 intents and ``oos`` on CLINC150); a label never predicted has F1 0.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from guiders.ai.kb_data import OOS, Example

if TYPE_CHECKING:
    from guiders.ai.kb_model import KnowledgeBase


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


def evaluate(
    kb: KnowledgeBase,
    rows: Sequence[Example],
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Classify every row one at a time, as the bot would, timing each call."""
    predicted: list[str] = []
    latencies: list[float] = []
    for i, (text, _) in enumerate(rows):
        started = time.perf_counter()
        result = kb.classify(text)
        latencies.append((time.perf_counter() - started) * 1000.0)
        predicted.append(OOS if result.out_of_scope else result.intent)
        if progress is not None and (i % 50 == 0 or i + 1 == len(rows)):
            progress(i + 1, len(rows))
    report = score([label for _, label in rows], predicted)
    lat = np.asarray(latencies) if latencies else np.zeros(1)
    return replace(
        report,
        latency_ms_p50=float(np.percentile(lat, 50)),
        latency_ms_p95=float(np.percentile(lat, 95)),
    )
