"""Site-wide per-URL counters behind BounceRates, ExitRates and PageValues.

The UCI features are Google Analytics page metrics averaged over the pages a
visitor saw. They are maintained one event at a time so that the worker can
update them as page views and conversions stream in, without rescanning the
event log. After every event the counters describe the site as if every open
session had ended at that moment: the newest page of a session is its exit page
and a one-page session is a bounce. When a session moves on, the tentative exit
and bounce are withdrawn, so no "session closed" event is needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class UrlCounts:
    """Counts for one URL, in Google Analytics terms."""

    views: int = 0
    unique_views: int = 0
    entrances: int = 0
    bounces: int = 0
    exits: int = 0
    conversion_value: float = 0.0

    @property
    def bounce_rate(self) -> float:
        """GA: single-page sessions that started here / sessions that started here."""
        return self.bounces / self.entrances if self.entrances else 0.0

    @property
    def exit_rate(self) -> float:
        """GA: views that were the last of their session / all views of the page."""
        return self.exits / self.views if self.views else 0.0

    @property
    def page_value(self) -> float:
        """GA: value of conversions that followed a view of the page / unique views."""
        return self.conversion_value / self.unique_views if self.unique_views else 0.0


@dataclass
class _SessionCursor:
    first_url: str
    last_url: str
    views: int
    seen: set[str] = field(default_factory=set)


class PageStats:
    """Incrementally maintained per-URL counts for the whole site.

    Open sessions are remembered so a later view can withdraw the tentative
    exit/bounce of the previous one; call :meth:`forget_session` once a session
    is over to bound memory (its contribution to the counts stays).
    """

    def __init__(self) -> None:
        self._urls: dict[str, UrlCounts] = {}
        self._sessions: dict[str, _SessionCursor] = {}

    def counts(self, url: str) -> UrlCounts:
        """Counters for ``url`` (all zeros for a URL never seen)."""
        return self._urls.get(url, UrlCounts())

    def _entry(self, url: str) -> UrlCounts:
        entry = self._urls.get(url)
        if entry is None:
            entry = self._urls[url] = UrlCounts()
        return entry

    def record_view(self, session_id: str, url: str) -> None:
        """Account for one page view, in the order the session produced them."""
        entry = self._entry(url)
        entry.views += 1
        cursor = self._sessions.get(session_id)
        if cursor is None:
            entry.unique_views += 1
            entry.entrances += 1
            entry.bounces += 1
            entry.exits += 1
            self._sessions[session_id] = _SessionCursor(url, url, 1, {url})
            return
        if cursor.views == 1:
            self._entry(cursor.first_url).bounces -= 1
        self._entry(cursor.last_url).exits -= 1
        entry.exits += 1
        if url not in cursor.seen:
            cursor.seen.add(url)
            entry.unique_views += 1
        cursor.last_url = url
        cursor.views += 1

    def record_conversion(self, session_id: str, value: float) -> None:
        """Credit ``value`` to every distinct page the session viewed so far.

        This is how GA builds Page Value: the revenue of a transaction is shared
        by the pages seen before it, then divided by their unique views.
        """
        cursor = self._sessions.get(session_id)
        if cursor is None:
            return
        for url in cursor.seen:
            self._entry(url).conversion_value += value

    def forget_session(self, session_id: str) -> None:
        """Drop the cursor of a finished session; its counts remain."""
        self._sessions.pop(session_id, None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready snapshot, so a restarted worker need not replay the whole event log."""
        return {
            "urls": {url: asdict(counts) for url, counts in self._urls.items()},
            "sessions": {
                sid: {
                    "first_url": c.first_url,
                    "last_url": c.last_url,
                    "views": c.views,
                    "seen": sorted(c.seen),
                }
                for sid, c in self._sessions.items()
            },
        }

    @classmethod
    def from_dict(cls, snapshot: Mapping[str, Any]) -> PageStats:
        stats = cls()
        for url, counts in snapshot.get("urls", {}).items():
            stats._urls[url] = UrlCounts(**counts)
        for sid, c in snapshot.get("sessions", {}).items():
            stats._sessions[sid] = _SessionCursor(
                c["first_url"], c["last_url"], int(c["views"]), set(c["seen"])
            )
        return stats

    def bounce_rate(self, url: str) -> float:
        return self.counts(url).bounce_rate

    def exit_rate(self, url: str) -> float:
        return self.counts(url).exit_rate

    def page_value(self, url: str) -> float:
        return self.counts(url).page_value
