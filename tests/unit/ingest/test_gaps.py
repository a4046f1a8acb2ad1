"""The content-gap list groups similar questions and ranks groups by count."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import numpy as np

from guiders.services.knowledge_gaps import group_questions
from guiders.services.knowledge_ports import UnansweredQuestion

NOW = datetime(2026, 12, 6, tzinfo=UTC)


def q(text: str, vector: list[float], minutes: int = 0) -> UnansweredQuestion:
    return UnansweredQuestion(
        id=uuid.uuid4(),
        company_id=uuid.uuid4(),
        question=text,
        language="en",
        reason="not_in_documents",
        asked_at=NOW - timedelta(minutes=minutes),
        vector=np.asarray(vector, dtype=np.float32).tobytes(),
    )


def test_similar_questions_form_one_group_and_the_biggest_comes_first() -> None:
    groups = group_questions(
        [
            q("bitcoin?", [0.0, 1.0, 0.0], 1),
            q("store in Paris?", [1.0, 0.05, 0.0], 2),
            q("shop in Paris?", [0.98, 0.1, 0.0], 3),
            q("Paris store address?", [0.95, 0.0, 0.1], 4),
        ]
    )
    assert [(g.count, g.question) for g in groups] == [(3, "store in Paris?"), (1, "bitcoin?")]
    assert groups[0].examples == ["store in Paris?", "shop in Paris?", "Paris store address?"]
    assert groups[0].reasons == {"not_in_documents": 3}


def test_questions_without_vectors_each_stand_alone() -> None:
    plain = [UnansweredQuestion(uuid.uuid4(), uuid.uuid4(), t, None, "x", NOW) for t in ("a", "b")]
    assert [g.count for g in group_questions(plain)] == [1, 1]
