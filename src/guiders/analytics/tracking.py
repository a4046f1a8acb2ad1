"""From a visitor's recorded tracking, as the public API returns it, to feature inputs.

Pure: the worker fetches the visitor's profile, tracking events, sessions and chats over the
API and hands the JSON here; :func:`session_views` and :func:`visitor_context` turn it into
what :func:`guiders.analytics.features.compute_features` reads.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from guiders.analytics.features import PageCategory, PageView, VisitorContext

PAGE_VIEW_TYPES: Final = frozenset({"page_view", "pageview", "page-view", "page:view", "page"})
MAX_GAP_MS: Final = 30 * 60 * 1000
"""A gap longer than GA's 30-minute session timeout is not time spent on the page."""
_PRODUCT_HINTS: Final = ("/product", "/products", "/p/", "/item", "/shop/", "/catalog", "/store/")
_ADMIN_HINTS: Final = (
    "/account",
    "/login",
    "/signin",
    "/register",
    "/cart",
    "/basket",
    "/checkout",
    "/order",
    "/contact",
    "/profile",
    "/settings",
)


def is_page_view(event: Mapping[str, Any]) -> bool:
    return str(event.get("type", "")).lower() in PAGE_VIEW_TYPES and bool(event.get("url"))


def categorize(url: str) -> PageCategory:
    """A page category when the tracker sent none: product and account paths, else content."""
    path = urlsplit(url).path.lower() + "/"
    if any(hint in path for hint in _PRODUCT_HINTS):
        return "product"
    if any(path.startswith(hint + "/") or hint + "/" in path for hint in _ADMIN_HINTS):
        return "administrative"
    return "informational"


def _when(raw: Any) -> datetime:
    moment = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def current_session(events: Iterable[Mapping[str, Any]]) -> str | None:
    """The session of the newest page view (None when views carry no session)."""
    views = sorted((e for e in events if is_page_view(e)), key=lambda e: _when(e["occurredAt"]))
    return str(views[-1].get("sessionId")) if views and views[-1].get("sessionId") else None


def session_views(events: Iterable[Mapping[str, Any]], session_id: str | None) -> list[PageView]:
    """The session's page views in order; a missing duration is the gap to the next view."""
    chosen = [
        e
        for e in events
        if is_page_view(e) and (session_id is None or str(e.get("sessionId")) == session_id)
    ]
    chosen.sort(key=lambda e: _when(e["occurredAt"]))
    views: list[PageView] = []
    for index, event in enumerate(chosen):
        at = _when(event["occurredAt"])
        duration = event.get("durationMs")
        if not isinstance(duration, int) or duration < 0:
            following = chosen[index + 1] if index + 1 < len(chosen) else None
            gap = (_when(following["occurredAt"]) - at).total_seconds() * 1000 if following else 0
            duration = int(gap) if 0 <= gap <= MAX_GAP_MS else 0
        category = event.get("pageCategory")
        url = str(event["url"])
        views.append(
            PageView(
                url=url,
                category=category
                if category in ("administrative", "informational", "product")
                else categorize(url),
                duration_ms=duration,
                occurred_at=at,
            )
        )
    return views


def _utm(views: Sequence[PageView], key: str) -> str | None:
    for view in views:
        values = parse_qs(urlsplit(view.url).query).get(key)
        if values:
            return values[0]
    return None


def visitor_context(
    profile: Mapping[str, Any],
    views: Sequence[PageView],
    *,
    sessions: int,
    chats: Sequence[Mapping[str, Any]] = (),
) -> VisitorContext:
    """Returning = more than one session; source/medium/campaign from the profile or UTM tags."""
    ratings = [c["satisfactionRating"] for c in chats if c.get("satisfactionRating")]
    return VisitorContext(
        user_agent=str(profile.get("userAgent") or ""),
        location=profile.get("location"),
        time_zone=profile.get("timeZone"),
        source=profile.get("source") or _utm(views, "utm_source") or _host(profile.get("referrer")),
        medium=_utm(views, "utm_medium"),
        campaign=profile.get("campaign") or _utm(views, "utm_campaign"),
        is_returning=sessions > 1,
        chats=len(chats),
        messages_sent=sum(int(c.get("totalMessages") or 0) for c in chats),
        satisfaction=sum(ratings) / len(ratings) if ratings else None,
    )


def _host(referrer: Any) -> str | None:
    if not referrer:
        return None
    host = urlsplit(str(referrer)).hostname
    return host or None


def interest(views: Sequence[PageView]) -> dict[str, Any]:
    """What the visitor looked at, for the bot's persona and the agent: newest pages first."""
    product_time: Counter[str] = Counter()
    for view in views:
        if view.category == "product":
            product_time[view.url] += max(view.duration_ms, 1)
    seen = list(dict.fromkeys(v.url for v in reversed(views)))[:10]
    top = product_time.most_common(1)
    return {"pagesSeen": seen, "productOfInterest": top[0][0] if top else None}
