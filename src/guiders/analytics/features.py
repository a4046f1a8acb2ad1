"""UCI Online Shoppers features for a live visitor, computed from our own tracking.

The conversion model is trained on the UCI dataset (Sakar et al. 2019), so a
live session must be described in exactly the same columns and units. This
module is pure: it reads the visitor's page views, context and the site-wide
:class:`~guiders.analytics.page_stats.PageStats`, and touches no storage.

Alongside the model input it gathers the profile a human analyst would look at
(device, location, hour, chats...), which the agent sees in the explanation
even where the model has no column for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from guiders.analytics import uci_codes
from guiders.analytics.page_stats import PageStats

PageCategory = Literal["administrative", "informational", "product"]
FeatureValue = float | int | str | bool

UCI_FEATURES: Final = (
    "Administrative",
    "Administrative_Duration",
    "Informational",
    "Informational_Duration",
    "ProductRelated",
    "ProductRelated_Duration",
    "BounceRates",
    "ExitRates",
    "PageValues",
    "SpecialDay",
    "Month",
    "OperatingSystems",
    "Browser",
    "Region",
    "TrafficType",
    "VisitorType",
    "Weekend",
)
"""Model input columns, in the dataset's order (the label ``Revenue`` excluded)."""

MONTH_NAMES: Final = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "June",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)
"""The dataset spells June in full and abbreviates every other month."""

_CATEGORY_COLUMNS: Final[Mapping[str, str]] = {
    "administrative": "Administrative",
    "informational": "Informational",
    "product": "ProductRelated",
}
SPECIAL_DAY_PEAK_DAYS_BEFORE: Final = 6
"""UCI: for Valentine's day the value is non-zero from Feb 2 to Feb 12, 1.0 on Feb 8."""
SPECIAL_DAY_RISE_DAYS: Final = 7
SPECIAL_DAY_FALL_DAYS: Final = 5
SOUTHERN_HEMISPHERE: Final = frozenset(
    {"AR", "AU", "BO", "BR", "CL", "NZ", "PE", "PY", "UY", "ZA", "NA", "BW", "MZ", "MG"}
)
BUSINESS_HOURS: Final = (9, 18)


@dataclass(frozen=True)
class PageView:
    """One tracked page view; ``duration_ms`` is the time until the next view or exit."""

    url: str
    category: PageCategory
    duration_ms: int
    occurred_at: datetime


@dataclass(frozen=True)
class VisitorContext:
    """What the tracker knows about the visitor beyond the pages.

    ``is_returning`` is None when the visitor cannot be classified (UCI "Other").
    ``location`` is an ISO 3166 code, "ES" or "ES-MD".
    """

    user_agent: str = ""
    location: str | None = None
    time_zone: str | None = None
    source: str | None = None
    medium: str | None = None
    campaign: str | None = None
    is_returning: bool | None = False
    chats: int = 0
    messages_sent: int = 0
    satisfaction: float | None = None


@dataclass(frozen=True)
class FeatureConfig:
    """Operator settings: special days and the location-to-Region table.

    ``special_days`` None means the defaults of :func:`default_special_days`,
    which are the days the UCI shop marked (Valentine's and Mother's day).
    """

    special_days: Sequence[date] | None = None
    region_table: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class SessionFeatures:
    """``model_input`` has the UCI columns; ``profile`` is for the human reading it."""

    model_input: dict[str, FeatureValue]
    profile: dict[str, object]


def mothers_day(year: int) -> date:
    """Second Sunday of May, as in Turkey (where the UCI shop was) and the US."""
    first = date(year, 5, 1)
    first_sunday = first + timedelta(days=(6 - first.weekday()) % 7)
    return first_sunday + timedelta(days=7)


def default_special_days(year: int) -> list[date]:
    return [date(year, 2, 14), mothers_day(year)]


def special_day_closeness(day: date, special_days: Sequence[date]) -> float:
    """Closeness of ``day`` to the next special day, UCI style, in steps of 0.2.

    Shops ship a few days ahead, so the buying window peaks six days before the
    day: non-zero from 12 to 2 days before, 1.0 at 6 days before.
    """
    best = 0.0
    for special in special_days:
        before = (special - day).days
        offset = before - SPECIAL_DAY_PEAK_DAYS_BEFORE
        width = SPECIAL_DAY_RISE_DAYS if offset > 0 else SPECIAL_DAY_FALL_DAYS
        raw = 1.0 - abs(offset) / width
        if raw <= 0:
            continue
        best = max(best, round(raw * 5) / 5)
    return best


def _local(moment: datetime, time_zone: str | None) -> datetime:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    if time_zone:
        try:
            return aware.astimezone(ZoneInfo(time_zone))
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return aware


def visitor_type(is_returning: bool | None) -> str:
    if is_returning is None:
        return "Other"
    return "Returning_Visitor" if is_returning else "New_Visitor"


def season(month: int, location: str | None) -> str:
    """Meteorological season, flipped for southern-hemisphere countries."""
    seasons = ("winter", "spring", "summer", "autumn")
    index = (month % 12) // 3
    if location and location.split("-", 1)[0].upper() in SOUTHERN_HEMISPHERE:
        index = (index + 2) % 4
    return seasons[index]


def compute_features(
    views: Sequence[PageView],
    context: VisitorContext,
    stats: PageStats,
    *,
    now: datetime | None = None,
    config: FeatureConfig | None = None,
) -> SessionFeatures:
    """Describe the visitor's current session in UCI columns plus a profile.

    ``now`` is used for the calendar columns when the session has no page view
    yet. Rates and page values are averaged over the page views (a page seen
    twice counts twice), which is how the UCI authors averaged GA metrics.
    """
    cfg = config or FeatureConfig()
    ordered = sorted(views, key=lambda view: view.occurred_at)
    started = ordered[0].occurred_at if ordered else (now or datetime.now(UTC))
    local_start = _local(started, context.time_zone)

    counts = dict.fromkeys(_CATEGORY_COLUMNS.values(), 0)
    durations = dict.fromkeys(_CATEGORY_COLUMNS.values(), 0.0)
    for view in ordered:
        column = _CATEGORY_COLUMNS[view.category]
        counts[column] += 1
        durations[column] += max(view.duration_ms, 0) / 1000.0

    n = len(ordered)
    bounce = sum(stats.bounce_rate(v.url) for v in ordered) / n if n else 0.0
    exit_ = sum(stats.exit_rate(v.url) for v in ordered) / n if n else 0.0
    value = sum(stats.page_value(v.url) for v in ordered) / n if n else 0.0

    day = local_start.date()
    special_days = (
        cfg.special_days
        if cfg.special_days is not None
        else default_special_days(day.year) + default_special_days(day.year + 1)
    )

    model_input: dict[str, FeatureValue] = {
        "Administrative": counts["Administrative"],
        "Administrative_Duration": durations["Administrative"],
        "Informational": counts["Informational"],
        "Informational_Duration": durations["Informational"],
        "ProductRelated": counts["ProductRelated"],
        "ProductRelated_Duration": durations["ProductRelated"],
        "BounceRates": bounce,
        "ExitRates": exit_,
        "PageValues": value,
        "SpecialDay": special_day_closeness(day, special_days),
        "Month": MONTH_NAMES[day.month - 1],
        "OperatingSystems": uci_codes.os_code(context.user_agent),
        "Browser": uci_codes.browser_code(context.user_agent),
        "Region": uci_codes.region_code(context.location, cfg.region_table),
        "TrafficType": uci_codes.traffic_type_code(
            context.source, context.medium, context.campaign
        ),
        "VisitorType": visitor_type(context.is_returning),
        "Weekend": local_start.weekday() >= 5,
    }

    parsed = uci_codes.parse_user_agent(context.user_agent)
    local_now = _local(now, context.time_zone) if now is not None else local_start
    open_hour, close_hour = BUSINESS_HOURS
    profile: dict[str, object] = {
        "device": uci_codes.device_kind(context.user_agent),
        "os": parsed.os.family,
        "browser": parsed.browser.family,
        "location": context.location,
        "time_zone": context.time_zone,
        "source": context.source,
        "medium": context.medium,
        "campaign": context.campaign,
        "returning": context.is_returning,
        "pages_viewed": n,
        "session_seconds": sum(durations.values()),
        "chats": context.chats,
        "messages_sent": context.messages_sent,
        "satisfaction": context.satisfaction,
        "hour_of_day": local_now.hour,
        "business_hours": local_now.weekday() < 5 and open_hour <= local_now.hour < close_hour,
        "season": season(local_now.month, context.location),
    }
    return SessionFeatures(model_input=model_input, profile=profile)
