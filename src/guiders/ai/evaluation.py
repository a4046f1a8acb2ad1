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
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from guiders.ai.kb_data import OOS, Example
from guiders.ai.scores import Report, macro_f1, score

if TYPE_CHECKING:
    from guiders.ai.kb_model import KnowledgeBase

__all__ = ["Report", "evaluate", "macro_f1", "score"]


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
