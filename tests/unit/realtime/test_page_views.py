"""The widget's page reports become page views: a new page once, a repeat never, bounded."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from guiders.realtime.page_views import PageViews
from guiders.services.access import Principal, PrincipalKind
from guiders.services.visitors import TrackingResult


class FakeVisitors:
    def __init__(self) -> None:
        self.tracked: list[dict[str, Any]] = []

    async def track(self, principal: Principal, events: list[dict[str, Any]]) -> TrackingResult:
        self.tracked.extend(events)
        return TrackingResult(len(events), len(events), 0, [])


def visitor() -> Principal:
    return Principal(kind=PrincipalKind.VISITOR, company_id=uuid4(), subject_id=uuid4())


async def test_each_new_page_is_recorded_once_in_a_row() -> None:
    fake = FakeVisitors()
    views = PageViews(fake, per_minute=30)  # type: ignore[arg-type]
    ana = visitor()
    for url in ("https://s/a", "https://s/a", "https://s/b", None, "https://s/a"):
        await views.record("sid", ana, url, "Title")
    assert [e["url"] for e in fake.tracked] == ["https://s/a", "https://s/b", "https://s/a"]
    assert fake.tracked[0] == {
        "visitorId": str(ana.subject_id),
        "type": "page_view",
        "url": "https://s/a",
        "metadata": {"title": "Title"},
    }


async def test_a_socket_records_at_most_its_quota_a_minute() -> None:
    fake = FakeVisitors()
    views = PageViews(fake, per_minute=3)  # type: ignore[arg-type]
    ana = visitor()
    stored = [await views.record("sid", ana, f"https://s/{i}", None) for i in range(10)]
    assert stored.count(True) == 3
    views.forget("sid")
    assert await views.record("sid", ana, "https://s/new", None)
