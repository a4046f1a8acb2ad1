"""Labelled sessions for retraining, from logged analyses and conversions (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from guiders.analytics.features import UCI_FEATURES
from guiders.analytics.outcomes import LoggedEvent, labelled_rows

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def analyzed(session: str, minutes_ago: float, pages: int) -> LoggedEvent:
    features = {name: 0 for name in UCI_FEATURES} | {"ProductRelated": pages}
    return LoggedEvent(
        "visitor.analyzed",
        {"session_id": session, "features": features},
        NOW - timedelta(minutes=minutes_ago),
    )


def converted(session: str, minutes_ago: float) -> LoggedEvent:
    return LoggedEvent(
        "visitor.converted", {"session_id": session}, NOW - timedelta(minutes=minutes_ago)
    )


def test_one_row_per_settled_session_labelled_by_its_conversion() -> None:
    events = [
        analyzed("bought", 50, 3),
        analyzed("bought", 40, 7),
        converted("bought", 39),
        analyzed("bought", 30, 9),  # after the purchase: not what predicted it
        analyzed("left", 90, 2),
        analyzed("still-open", 5, 4),
        LoggedEvent("visitor.analyzed", {"session_id": "partial", "features": {}}, NOW),
    ]
    rows = labelled_rows(events, NOW)
    by_pages = {r["ProductRelated"]: r["Revenue"] for r in rows}
    assert by_pages == {7: True, 2: False}
    assert set(rows[0]) == {*UCI_FEATURES, "Revenue"}
