"""Model inputs from the raw event log: the batch path of the features.

The worker computes a visitor's features live, from what the API returns at that moment (the
profile, the last tracking events, the sessions) and from page statistics it folded from the
log up to its cursor. Training on our own sessions needs the same columns computed after the
fact, from the log alone. :class:`LogReplay` folds the log in ``seq`` order (profiles,
sessions, tracking, conversions) and computes a session's UCI row as of any point of it, with
the same pure functions the worker uses (:mod:`~guiders.analytics.tracking`,
:func:`~guiders.analytics.features.compute_features`, :func:`fold_page_stats`). The skew test
replays recorded sessions through both and asserts they agree to the last digit.

Chats, messages and ratings only feed the analyst's profile, not the model's 17 inputs, so the
replay does not follow them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Final, Protocol

from guiders.analytics.dataset import LABEL
from guiders.analytics.features import FeatureConfig, FeatureValue, compute_features
from guiders.analytics.page_stats import PageStats
from guiders.analytics.tracking import is_page_view, session_views, visitor_context

PROFILE_KEYS: Final = ("userAgent", "location", "timeZone", "source", "campaign", "referrer")
REPLAYED: Final = (
    "visitor.registered",
    "visitor.profile_updated",
    "visitor.session_started",
    "visitor.session_ended",
    "visitor.activity_tracked",
    "visitor.converted",
    "visitor.analyzed",
)


class LogEvent(Protocol):
    @property
    def type(self) -> str: ...
    @property
    def payload(self) -> dict[str, Any]: ...
    @property
    def aggregate_id(self) -> Any: ...
    @property
    def occurred_at(self) -> datetime: ...


def fold_page_stats(stats: PageStats, event_type: str, payload: Mapping[str, Any]) -> list[str]:
    """One logged event into the site-wide page statistics; the visitors whose views it added.

    The worker and the replay both call this, so the counters cannot be folded two ways.
    """
    touched: list[str] = []
    if event_type == "visitor.activity_tracked":
        for item in payload.get("events", []):
            if is_page_view(item):
                session = str(item.get("sessionId") or item.get("visitorId"))
                stats.record_view(session, str(item["url"]))
                touched.append(str(item["visitorId"]))
    elif event_type == "visitor.converted":
        if payload.get("sessionId"):
            stats.record_conversion(str(payload["sessionId"]), float(payload.get("value") or 0.0))
    elif event_type == "visitor.session_ended":
        stats.forget_session(str(payload.get("sessionId")))
    return touched


class LogReplay:
    """The state a batch job rebuilds from the log, one event at a time."""

    def __init__(self, config: FeatureConfig | None = None) -> None:
        self.config = config or FeatureConfig()
        self.stats = PageStats()
        self.profiles: dict[str, dict[str, Any]] = {}
        self.sessions: dict[str, set[str]] = {}
        self.tracking: dict[str, list[dict[str, Any]]] = {}

    def apply(self, event: LogEvent) -> None:
        visitor = str(event.aggregate_id)
        payload = event.payload
        if event.type in ("visitor.registered", "visitor.profile_updated"):
            profile = self.profiles.setdefault(visitor, {})
            profile.update({k: payload[k] for k in PROFILE_KEYS if k in payload})
        elif event.type == "visitor.session_started":
            self.sessions.setdefault(visitor, set()).add(str(payload["sessionId"]))
        elif event.type == "visitor.activity_tracked":
            for item in payload.get("events", []):
                self.tracking.setdefault(str(item["visitorId"]), []).append(item)
        fold_page_stats(self.stats, event.type, payload)

    def features(self, visitor: str, session: str | None, now: datetime) -> dict[str, FeatureValue]:
        """The session's 17 UCI inputs as of now (everything applied so far)."""
        views = session_views(self.tracking.get(visitor, []), session)
        context = visitor_context(
            self.profiles.get(visitor, {}), views, sessions=len(self.sessions.get(visitor, ()))
        )
        return compute_features(views, context, self.stats, now=now, config=self.config).model_input


def scored_rows(
    events: Iterable[LogEvent], config: FeatureConfig | None = None
) -> list[tuple[dict[str, Any], dict[str, FeatureValue]]]:
    """For every ``visitor.analyzed`` of the log: (its payload, the replay's inputs just before it).

    The pairs are what the skew test compares: what the live worker recorded, and what a batch
    job recomputes from the raw events that preceded it.
    """
    replay = LogReplay(config)
    out: list[tuple[dict[str, Any], dict[str, FeatureValue]]] = []
    for event in events:
        if event.type == "visitor.analyzed":
            payload = event.payload
            session = payload.get("sessionId")
            row = replay.features(
                str(payload["visitorId"]), str(session) if session else None, event.occurred_at
            )
            out.append((payload, row))
        replay.apply(event)
    return out


def training_rows(
    events: Iterable[LogEvent], config: FeatureConfig | None = None
) -> list[dict[str, Any]]:
    """One labelled row per session with page views: its inputs when it converted (positive) or
    at the end of the log (negative), computed from the raw events alone."""
    replay = LogReplay(config)
    converted: dict[str, dict[str, Any]] = {}
    owners: dict[str, tuple[str, datetime]] = {}
    for event in events:
        if event.type == "visitor.converted":
            session = event.payload.get("sessionId")
            if session and str(session) not in converted and str(session) in owners:
                visitor, _ = owners[str(session)]
                row = replay.features(visitor, str(session), event.occurred_at)
                converted[str(session)] = {**row, LABEL: True}
        replay.apply(event)
        if event.type == "visitor.activity_tracked":
            for item in event.payload.get("events", []):
                if is_page_view(item) and item.get("sessionId"):
                    owners[str(item["sessionId"])] = (str(item["visitorId"]), event.occurred_at)
    rows = list(converted.values())
    for session, (visitor, at) in owners.items():
        if session not in converted:
            rows.append({**replay.features(visitor, session, at), LABEL: False})
    return rows
