"""The dashboard's document-answer figures come from ``knowledge.answered`` events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from guiders.domain.events import StoredEvent
from guiders.observability.metrics import record_event
from guiders.observability.snapshot import knowledge


def answered(decision: str, reason: str | None = None, grounding: float | None = None) -> Any:
    return StoredEvent(
        event_id=uuid.uuid4(),
        seq=1,
        company_id=uuid.uuid4(),
        aggregate_type="knowledge_answer",
        aggregate_id=uuid.uuid4(),
        version=1,
        type="knowledge.answered",
        payload={"decision": decision, "reason": reason, "grounding": grounding},
        actor_id=None,
        actor_type="integration",
        correlation_id=None,
        occurred_at=datetime.now(UTC),
    )


async def test_answer_and_hand_off_rates_and_mean_grounding_are_counted() -> None:
    before = knowledge() or {"questions": 0}
    for event in (
        answered("answer", grounding=0.9),
        answered("answer", grounding=0.7),
        answered("handoff", "unanswerable"),
        answered("clarify", "underspecified"),
    ):
        await record_event(event)
    after = knowledge()
    assert after is not None
    assert after["questions"] == before["questions"] + 4
    if before["questions"] == 0:  # alone in this process: exact figures
        assert after["answerRate"] == 0.5 and after["handoffRate"] == 0.25
        assert after["handoffByReason"] == {"unanswerable": 0.25}
        assert abs(after["meanGrounding"] - 0.8) < 1e-9
