from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from guiders.analytics.features import (
    UCI_FEATURES,
    FeatureConfig,
    PageView,
    VisitorContext,
    compute_features,
    mothers_day,
    special_day_closeness,
)
from guiders.analytics.page_stats import PageStats
from guiders.analytics.uci_codes import traffic_type_code

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0 Safari/537.36"
)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


def _site_stats() -> PageStats:
    stats = PageStats()
    for url in ("/home", "/product/a", "/checkout"):
        stats.record_view("s1", url)
    stats.record_conversion("s1", 100.0)
    stats.record_view("s2", "/home")
    stats.record_view("s3", "/product/a")
    stats.record_view("s3", "/home")
    return stats


def test_page_stats_follow_google_analytics_definitions() -> None:
    stats = _site_stats()
    home = stats.counts("/home")
    assert (home.views, home.unique_views, home.entrances, home.bounces, home.exits) == (
        3,
        3,
        2,
        1,
        2,
    )
    assert stats.bounce_rate("/home") == pytest.approx(0.5)
    assert stats.exit_rate("/home") == pytest.approx(2 / 3)
    assert stats.page_value("/home") == pytest.approx(100 / 3)
    assert stats.bounce_rate("/product/a") == 0.0
    assert stats.exit_rate("/product/a") == 0.0
    assert stats.page_value("/product/a") == pytest.approx(50.0)
    assert stats.exit_rate("/checkout") == 1.0
    assert stats.bounce_rate("/checkout") == 0.0
    assert stats.page_value("/never-seen") == 0.0


def test_page_stats_update_one_event_at_a_time() -> None:
    stats = PageStats()
    stats.record_view("s", "/a")
    a = stats.counts("/a")
    assert (a.entrances, a.bounces, a.exits) == (1, 1, 1)
    assert stats.bounce_rate("/a") == 1.0

    stats.record_view("s", "/b")
    assert (a.entrances, a.bounces, a.exits) == (1, 0, 0)
    assert stats.exit_rate("/b") == 1.0

    stats.record_view("s", "/a")
    assert (a.views, a.unique_views, a.exits) == (2, 1, 1)
    assert stats.exit_rate("/a") == 0.5
    assert stats.exit_rate("/b") == 0.0

    stats.forget_session("s")
    stats.record_view("s", "/b")  # a new session with the same id
    b = stats.counts("/b")
    assert (b.entrances, b.bounces, b.exits, b.unique_views) == (1, 1, 1, 2)


def test_conversion_without_session_is_ignored() -> None:
    stats = PageStats()
    stats.record_conversion("unknown", 10.0)
    assert stats.page_value("/a") == 0.0


def test_compute_features_by_hand() -> None:
    start = datetime(2024, 2, 8, 10, 0, tzinfo=UTC)  # Thursday, 6 days before Valentine's
    views = [
        PageView("/home", "informational", 10_000, start),
        PageView("/product/a", "product", 30_000, start + timedelta(seconds=10)),
        PageView("/product/a", "product", 15_000, start + timedelta(seconds=40)),
        PageView("/checkout", "administrative", 5_000, start + timedelta(seconds=55)),
    ]
    context = VisitorContext(
        user_agent=CHROME_WINDOWS,
        location="ES-MD",
        time_zone="Europe/Madrid",
        source="google",
        medium="cpc",
        is_returning=True,
        chats=1,
        messages_sent=3,
        satisfaction=4.5,
    )
    config = FeatureConfig(region_table={"ES": 3, "ES-MD": 4})
    result = compute_features(list(reversed(views)), context, _site_stats(), config=config)
    got = result.model_input
    assert tuple(got) == UCI_FEATURES
    assert got["Administrative"] == 1
    assert got["Administrative_Duration"] == pytest.approx(5.0)
    assert got["Informational"] == 1
    assert got["Informational_Duration"] == pytest.approx(10.0)
    assert got["ProductRelated"] == 2
    assert got["ProductRelated_Duration"] == pytest.approx(45.0)
    assert got["BounceRates"] == pytest.approx((0.5 + 0 + 0 + 0) / 4)
    assert got["ExitRates"] == pytest.approx((2 / 3 + 0 + 0 + 1) / 4)
    assert got["PageValues"] == pytest.approx((100 / 3 + 50 + 50 + 100) / 4)
    assert got["SpecialDay"] == 1.0
    assert got["Month"] == "Feb"
    assert got["OperatingSystems"] == 2
    assert got["Browser"] == 2
    assert got["Region"] == 4
    assert got["TrafficType"] == 3
    assert got["VisitorType"] == "Returning_Visitor"
    assert got["Weekend"] is False

    profile = result.profile
    assert profile["device"] == "desktop"
    assert profile["hour_of_day"] == 11
    assert profile["business_hours"] is True
    assert profile["season"] == "winter"
    assert profile["chats"] == 1
    assert profile["messages_sent"] == 3
    assert profile["satisfaction"] == 4.5
    assert profile["pages_viewed"] == 4


def test_empty_session_uses_now_and_local_weekend() -> None:
    friday_night_utc = datetime(2024, 6, 14, 23, 30, tzinfo=UTC)
    context = VisitorContext(user_agent=IPHONE, time_zone="Europe/Madrid", is_returning=None)
    result = compute_features([], context, PageStats(), now=friday_night_utc)
    got = result.model_input
    assert got["Weekend"] is True  # already Saturday in Madrid
    assert got["Month"] == "June"
    assert got["ProductRelated"] == 0
    assert got["BounceRates"] == 0.0
    assert got["VisitorType"] == "Other"
    assert got["OperatingSystems"] == 3
    assert got["Browser"] == 1
    assert got["Region"] == 1
    assert got["TrafficType"] == 1
    assert result.profile["device"] == "mobile"
    assert result.profile["season"] == "summer"


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2024, 2, 1), 0.0),
        (date(2024, 2, 2), 0.2),
        (date(2024, 2, 5), 0.6),
        (date(2024, 2, 8), 1.0),
        (date(2024, 2, 10), 0.6),
        (date(2024, 2, 12), 0.2),
        (date(2024, 2, 13), 0.0),
        (date(2024, 2, 14), 0.0),
        (date(2024, 3, 1), 0.0),
    ],
)
def test_special_day_window_follows_uci(day: date, expected: float) -> None:
    assert special_day_closeness(day, [date(2024, 2, 14)]) == pytest.approx(expected)


def test_special_days_are_configurable() -> None:
    assert mothers_day(2024) == date(2024, 5, 12)
    config = FeatureConfig(special_days=[date(2024, 12, 25)])
    now = datetime(2024, 12, 19, 12, tzinfo=UTC)
    result = compute_features([], VisitorContext(), PageStats(), now=now, config=config)
    assert result.model_input["SpecialDay"] == 1.0
    assert result.model_input["Month"] == "Dec"


@pytest.mark.parametrize(
    ("source", "medium", "campaign", "code"),
    [
        (None, None, None, 1),
        ("www.google.com", None, None, 2),
        ("google", "cpc", "brand", 3),
        ("blog.example.org", None, None, 4),
        ("partner", None, "spring", 5),
        ("news", "banner", None, 6),
        ("partner", "affiliate", None, 8),
        ("mailchimp", "email", "spring", 10),
        ("m.facebook.com", None, None, 13),
    ],
)
def test_traffic_type_codes(
    source: str | None, medium: str | None, campaign: str | None, code: int
) -> None:
    assert traffic_type_code(source, medium, campaign) == code


def test_page_stats_snapshot_round_trip() -> None:
    stats = _site_stats()
    restored = PageStats.from_dict(json.loads(json.dumps(stats.to_dict())))
    for url in ("/home", "/product/a", "/checkout"):
        assert restored.counts(url) == stats.counts(url)
    stats.record_view("s3", "/checkout")
    restored.record_view("s3", "/checkout")  # the open session continues identically
    assert restored.counts("/home") == stats.counts("/home")
    assert restored.exit_rate("/checkout") == stats.exit_rate("/checkout")
