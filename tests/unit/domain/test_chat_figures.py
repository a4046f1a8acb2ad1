"""Waiting and first-response times, percentiles and per-agent rows (pure)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from guiders.domain.chat_figures import ChatTiming, figures, per_agent, percentile

T0 = datetime(2026, 12, 6, 17, 0, tzinfo=UTC)


def chat(
    agent: uuid.UUID | None,
    wait_s: float | None,
    reply_s: float | None,
    *,
    asked_s: float | None = None,
    rating: int | None = None,
) -> ChatTiming:
    start = T0 + timedelta(seconds=asked_s) if asked_s is not None else T0
    return ChatTiming(
        chat_id=uuid.uuid4(),
        agent_id=agent,
        created_at=T0,
        agent_requested_at=start if asked_s is not None else None,
        assigned_at=start + timedelta(seconds=wait_s) if wait_s is not None else None,
        first_reply_at=start + timedelta(seconds=reply_s) if reply_s is not None else None,
        satisfaction=rating,
    )


def test_nearest_rank_percentiles() -> None:
    assert percentile([], 50) is None
    assert percentile([7.0], 95) == 7.0
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0 and percentile(values, 95) == 95.0
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0


def test_times_start_when_the_visitor_asked_for_a_person() -> None:
    bot_first = chat(None, 10, 40, asked_s=300)  # 5 minutes with the bot, then asked
    assert bot_first.waiting_s == 10 and bot_first.first_response_s == 40
    assert chat(None, None, None).waiting_s is None


def test_figures_and_per_agent_rows() -> None:
    ana, ben = uuid.uuid4(), uuid.uuid4()
    chats = [
        chat(ana, 5, 20, rating=5),
        chat(ana, 15, 60, rating=3),
        chat(ben, 30, None),
        chat(None, None, None),
    ]
    got = figures(chats)
    assert got["chats"] == 4 and got["unanswered"] == 2
    assert got["waitingSeconds"] == {"count": 3, "p50": 15.0, "p95": 30.0}
    assert got["firstResponseSeconds"] == {"count": 2, "p50": 20.0, "p95": 60.0}
    carla = uuid.uuid4()
    rows = per_agent(chats, {ana: "Ana", ben: "Ben", carla: "Carla"})
    assert [r["name"] for r in rows] == ["Ana", "Ben", "Carla"]
    assert rows[0]["chats"] == 2 and rows[0]["csatAverage"] == 4.0 and rows[0]["csatCount"] == 2
    assert rows[0]["firstResponseP50Seconds"] == 20.0
    assert rows[1]["firstResponseP50Seconds"] is None and rows[1]["csatAverage"] is None
    assert rows[2]["chats"] == 0
