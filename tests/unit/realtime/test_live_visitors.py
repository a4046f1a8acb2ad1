"""Live visitors: one entry per visitor while any of their tabs is open, with the latest page."""

from __future__ import annotations

from uuid import uuid4

from guiders.realtime.live_visitors import MAX_URL, LiveVisitors


def test_a_visitor_is_live_until_their_last_tab_closes() -> None:
    live, company, visitor = LiveVisitors(), uuid4(), uuid4()
    live.arrive("tab-1", visitor, company, {"currentUrl": "https://shop/a", "title": "A"})
    live.arrive("tab-2", visitor, company, {"currentUrl": "https://shop/b"})
    [visit] = live.of_company(company)
    assert (visit.url, visit.title) == ("https://shop/b", "A")
    assert live.leave("tab-1") is None
    assert live.leave("tab-2") is visit
    assert live.of_company(company) == []
    assert live.leave("tab-2") is None


def test_pages_move_and_companies_stay_apart() -> None:
    live, mine, theirs = LiveVisitors(), uuid4(), uuid4()
    a, b = uuid4(), uuid4()
    live.arrive("s1", a, mine, None)
    live.arrive("s2", b, theirs, {"url": "https://other/"})
    moved = live.move("s1", {"currentUrl": "x" * (MAX_URL + 50), "title": 42})
    assert moved is not None and moved.url == "x" * MAX_URL and moved.title is None
    assert [v.visitor_id for v in live.of_company(mine)] == [a]
    assert live.move("unknown", {"url": "y"}) is None
    assert live.of_company(mine)[0].to_payload()["visitorId"] == str(a)
