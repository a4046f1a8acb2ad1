"""Feature extraction from recorded tracking, in the API's JSON shape (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from guiders.analytics.features import compute_features
from guiders.analytics.page_stats import PageStats
from guiders.analytics.tracking import (
    categorize,
    current_session,
    interest,
    session_views,
    visitor_context,
)
from guiders.analytics.worker import AnalyticsWorker, WorkerConfig

START = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)  # a Saturday
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


def view(url: str, minute: float, session: str = "s2", **extra: Any) -> dict[str, Any]:
    return {
        "visitorId": "v1",
        "sessionId": session,
        "type": "page_view",
        "url": url,
        "occurredAt": (START + timedelta(minutes=minute)).isoformat(),
        **extra,
    }


def as_logged(item: dict[str, Any]) -> dict[str, Any]:
    """A tracked event as the log's ``visitor.activity_tracked`` holds it (domain names)."""
    names = {"visitorId": "visitor_id", "sessionId": "session_id", "occurredAt": "occurred_at"}
    return {names.get(k, k): v for k, v in item.items()}


RECORDED = [  # newest first, as GET /v2/visitors/{id}/events returns them
    {"visitorId": "v1", "sessionId": "s2", "type": "click", "occurredAt": START.isoformat()},
    view("/checkout", 9, durationMs=15_000),
    view("/products/boots?utm_source=newsletter&utm_medium=email", 4),
    view("/blog/how-to-choose", 1, pageCategory="informational"),
    view("/products/boots", 0),
    view("/old", 0, session="s1"),
]


def test_views_of_the_current_session_with_durations_from_gaps() -> None:
    assert current_session(RECORDED) == "s2"
    views = session_views(RECORDED, "s2")
    assert [v.url.split("?")[0] for v in views] == [
        "/products/boots",
        "/blog/how-to-choose",
        "/products/boots",
        "/checkout",
    ]
    assert [v.category for v in views] == ["product", "informational", "product", "administrative"]
    # gaps to the next view, the explicit duration kept, the last view's own duration
    assert [v.duration_ms for v in views] == [60_000, 180_000, 300_000, 15_000]


def test_a_gap_longer_than_a_session_timeout_is_not_time_on_page() -> None:
    views = session_views([view("/a", 0), view("/b", 45)], "s2")
    assert views[0].duration_ms == 0


def test_categories_from_urls_when_the_tracker_sent_none() -> None:
    assert categorize("https://shop.example/p/123") == "product"
    assert categorize("/account/orders") == "administrative"
    assert categorize("/cart") == "administrative"
    assert categorize("/about-us") == "informational"


def test_uci_features_from_recorded_tracking() -> None:
    views = session_views(RECORDED, "s2")
    profile = {"userAgent": IPHONE, "location": "ES-MD", "timeZone": "Europe/Madrid"}
    chats = [{"totalMessages": 4, "satisfactionRating": 5}, {"totalMessages": 2}]
    context = visitor_context(profile, views, sessions=2, chats=chats)
    assert (context.source, context.medium, context.is_returning) == ("newsletter", "email", True)
    assert (context.chats, context.messages_sent, context.satisfaction) == (2, 6, 5.0)
    stats = PageStats()
    stats.record_view("old", "/products/boots")
    stats.record_conversion("old", 90.0)
    features = compute_features(views, context, stats, now=START)
    row = features.model_input
    assert (row["ProductRelated"], row["Informational"], row["Administrative"]) == (2, 1, 1)
    assert row["ProductRelated_Duration"] == pytest.approx(360.0)
    assert row["Informational_Duration"] == pytest.approx(180.0)
    assert row["PageValues"] == pytest.approx(90.0 / 4)  # one of four views had value 90
    assert row["TrafficType"] == 10  # e-mail
    assert row["VisitorType"] == "Returning_Visitor"
    assert row["Weekend"] is True and row["Month"] == "Nov"
    assert features.profile["device"] == "mobile"
    assert interest(views) == {
        "pagesSeen": [
            "/checkout",
            "/products/boots?utm_source=newsletter&utm_medium=email",
            "/blog/how-to-choose",
            "/products/boots",
        ],
        "productOfInterest": "/products/boots?utm_source=newsletter&utm_medium=email",
    }


class _NoClient:
    pass


def test_worker_debounces_rescoring_and_folds_page_stats() -> None:
    worker = AnalyticsWorker(
        _NoClient(), lambda: None, config=WorkerConfig(debounce_s=2, max_wait_s=10)
    )  # type: ignore[arg-type]
    now = datetime.now(UTC)
    batch = {"events": [as_logged(view("/products/a", 0)), as_logged(view("/products/b", 1))]}
    worker.handle("visitor.activity_tracked", batch, now)
    worker.handle("visitor.converted", {"session_id": "s2", "value": 50.0}, now)
    assert worker.stats.page_value("/products/a") == pytest.approx(50.0)
    assert worker.stats.exit_rate("/products/b") == 1.0
    pending = worker._pending["v1"]
    assert worker.due(pending.last + 1) == []
    assert worker.due(pending.last + 2) == ["v1"]
    assert worker.due(pending.last + 3) == []  # taken once
    old = now - timedelta(hours=2)
    worker.handle("visitor.activity_tracked", {"events": [as_logged(view("/x", 0))]}, old)
    assert "v1" not in worker._pending, "catching up on old history scores nobody"


class _Log:
    """A stand-in for GuidersClient.events over a fixed log."""

    def __init__(self, logged: list[Any], last_seq: int) -> None:
        self.logged, self.last_seq = logged, last_seq

    async def events(self, *, after_seq: int, types: list[str], limit: int) -> Any:
        from guiders.client.models import Event, EventPage

        page = [e for e in self.logged if e["seq"] > after_seq][:limit]
        return EventPage(
            events=[Event.model_validate(e) for e in page],
            last_seq=self.last_seq,
            has_more=len(page) == limit,
        )


async def test_worker_follows_the_log_and_starts_over_on_a_new_database() -> None:
    now = datetime.now(UTC).isoformat()
    logged = {
        "seq": 3,
        "eventId": "e",
        "companyId": "c",
        "type": "visitor.activity_tracked",
        "aggregateType": "visitor",
        "aggregateId": "v1",
        "version": 2,
        "payload": {"events": [as_logged(view("/products/a", 0))]},
        "occurredAt": now,
    }
    worker = AnalyticsWorker(_Log([logged], 3), lambda: None)  # type: ignore[arg-type]
    assert await worker.poll() is False
    assert worker.cursor == 3 and worker.stats.counts("/products/a").views == 1
    worker._client = _Log([], 0)  # type: ignore[assignment]
    assert await worker.poll() is True
    assert worker.cursor == 0 and worker.stats.counts("/products/a").views == 0
