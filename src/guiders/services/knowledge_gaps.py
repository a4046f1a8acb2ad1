"""The content-gap list: unanswered questions grouped by meaning and counted.

Greedy grouping over normalised embeddings: each question joins the first group whose
running centroid it resembles (cosine >= ``threshold``), else starts one. Questions come most
recent first, so a group's first question (its label) is the latest way someone asked it.
Quadratic in groups, which the scan limit keeps small (1,000 questions, a few ms).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from guiders.services.knowledge_ports import UnansweredQuestion

SIMILAR = 0.75


@dataclass(slots=True)
class GapGroup:
    question: str
    count: int
    last_asked_at: datetime
    examples: list[str] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)


def group_questions(
    questions: Sequence[UnansweredQuestion], threshold: float = SIMILAR
) -> list[GapGroup]:
    groups: list[GapGroup] = []
    sums: list[np.ndarray] = []
    for q in questions:
        vector = _unit(q.vector)
        best, best_score = -1, threshold
        if vector is not None:
            for index, total in enumerate(sums):
                norm = float(np.linalg.norm(total))
                score = float(total @ vector) / norm if norm else 0.0
                if score >= best_score:
                    best, best_score = index, score
        if best < 0:
            best = len(groups)
            groups.append(GapGroup(q.question, 0, q.asked_at))
            sums.append(np.zeros_like(vector) if vector is not None else np.zeros(1))
        group = groups[best]
        group.count += 1
        group.last_asked_at = max(group.last_asked_at, q.asked_at)
        group.reasons[q.reason] = group.reasons.get(q.reason, 0) + 1
        if len(group.examples) < 5 and q.question not in group.examples:
            group.examples.append(q.question)
        if vector is not None and sums[best].shape == vector.shape:
            sums[best] = sums[best] + vector
    return sorted(groups, key=lambda g: (-g.count, -g.last_asked_at.timestamp()))


def _unit(raw: bytes | None) -> np.ndarray | None:
    if not raw:
        return None
    vector = np.frombuffer(raw, dtype=np.float32).astype(np.float64)
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else None
