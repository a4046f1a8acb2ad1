"""Labelled sessions from the event log, for retraining on the product's own outcomes.

Each ``visitor.analyzed`` event carries the UCI features the model saw and the session; a
``visitor.converted`` event in that session makes it a positive. A session is a row once:
the last analysis before its conversion (positive), or its last analysis when the session has
been quiet for ``settle`` (negative: it did not convert). Sessions still open are left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from guiders.analytics.dataset import LABEL
from guiders.analytics.features import UCI_FEATURES
from guiders.client import GuidersClient

FOLLOWED = ("visitor.analyzed", "visitor.converted")


@dataclass(frozen=True)
class LoggedEvent:
    type: str
    payload: Mapping[str, Any]
    occurred_at: datetime


def labelled_rows(
    events: Iterable[LoggedEvent], now: datetime, settle: timedelta = timedelta(minutes=30)
) -> list[dict[str, Any]]:
    last: dict[str, LoggedEvent] = {}
    converted: dict[str, LoggedEvent] = {}
    for event in sorted(events, key=lambda e: e.occurred_at):
        session = event.payload.get("session_id")
        if not session:
            continue
        if event.type == "visitor.converted":
            converted.setdefault(session, event)
        elif event.type == "visitor.analyzed" and session not in converted:
            features = event.payload.get("features") or {}
            if all(name in features for name in UCI_FEATURES):
                last[session] = event
    rows: list[dict[str, Any]] = []
    for session, analysis in last.items():
        positive = session in converted
        if not positive and now - analysis.occurred_at < settle:
            continue
        features = analysis.payload["features"]
        rows.append({**{name: features[name] for name in UCI_FEATURES}, LABEL: positive})
    return rows


async def fetch_events(client: GuidersClient) -> list[LoggedEvent]:
    """Every analysis and conversion of the key's company, through the public API."""
    found: list[LoggedEvent] = []
    cursor = 0
    while True:
        page = await client.events(after_seq=cursor, types=list(FOLLOWED), limit=1000)
        found.extend(LoggedEvent(e.type, e.payload, e.occurred_at) for e in page.events)
        if page.events:
            cursor = page.events[-1].seq
        if not page.has_more or not page.events:
            return found
