"""Shadow mode's fold: acceptance per topic, one proposal past the threshold, graduation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from guiders.domain.errors import Conflict, NotFound
from guiders.domain.shadow import GraduationPolicy, Shadow

AT = datetime(2026, 12, 6, tzinfo=UTC)
POLICY = GraduationPolicy(acceptance=0.75, min_drafts=4)


def reviews(shadow: Shadow, topic: str, *actions: str) -> list[str]:
    types = []
    for action in actions:
        draft = str(uuid.uuid4())
        for e in shadow.review(topic, action, draft, None, "agent", AT, POLICY):  # type: ignore[arg-type]
            types.append(e.type)
    return types


def test_a_topic_is_proposed_once_past_the_threshold_over_the_minimum() -> None:
    shadow = Shadow(uuid.uuid4())
    assert reviews(shadow, "shipping", "sent", "sent", "sent") == ["shadow.draft_reviewed"] * 3
    assert reviews(shadow, "shipping", "discarded") == [  # 3 of 4 sent unchanged: 0.75
        "shadow.draft_reviewed",
        "shadow.graduation_proposed",
    ]
    assert shadow.acceptance("shipping") == (4, 0.75)
    assert reviews(shadow, "shipping", "sent") == ["shadow.draft_reviewed"]  # proposed once
    assert (
        reviews(shadow, "returns", "edited", "discarded", "sent", "sent")
        == ["shadow.draft_reviewed"] * 4
    )  # 2 of 4: below the threshold
    topics = {t["topic"]: t for t in shadow.view(POLICY)["topics"]}
    assert topics["shipping"]["proposed"] and not topics["returns"]["proposed"]
    assert (topics["returns"]["edited"], topics["returns"]["discarded"]) == (1, 1)


def test_a_draft_counts_once_and_only_a_proposed_topic_graduates() -> None:
    shadow = Shadow(uuid.uuid4())
    shadow.review("a", "sent", "d1", None, "agent", AT, POLICY)
    with pytest.raises(Conflict):
        shadow.review("a", "sent", "d1", None, "agent", AT, POLICY)
    with pytest.raises(NotFound):
        shadow.graduate("a", "admin", AT)
    reviews(shadow, "a", "sent", "sent", "sent")
    event = shadow.graduate("a", "admin", AT)
    assert event.type == "shadow.topic_graduated" and shadow.graduated.keys() == {"a"}
    with pytest.raises(Conflict):
        shadow.graduate("a", "admin", AT)
    folded = Shadow(shadow.company_id)
    assert folded.view(POLICY)["topics"] == []
