"""When a score repeats the one already recorded."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from guiders.domain.analysis import Analysis, Segment

NOW = datetime(2026, 12, 7, tzinfo=UTC)


def analysis() -> Analysis:
    return Analysis(
        visitor_id=uuid4(),
        company_id=uuid4(),
        conversion_probability=0.42,
        segment=Segment.STANDARD,
        model_version="conv-1",
        scored_at=NOW,
        features={"PageValues": 3.5, "ProductRelated": 4},
        top_factors=[{"feature": "PageValues", "value": 3.5, "contribution": 0.2}],
    )


def test_the_same_input_and_output_later_is_a_repeat() -> None:
    first = analysis()
    assert replace(first, scored_at=NOW + timedelta(seconds=5)).repeats(first)


def test_any_change_of_input_model_or_output_is_a_new_score() -> None:
    first = analysis()
    changed = [
        replace(first, conversion_probability=0.43),
        replace(first, segment=Segment.VIP),
        replace(first, model_version="conv-2"),
        replace(first, features={"PageValues": 3.5, "ProductRelated": 5}),
        replace(first, session_id=uuid4()),
        replace(first, visitor_id=uuid4()),
    ]
    assert not any(c.repeats(first) for c in changed)
