"""Who is on the site right now, and on which page: from the widget's own sockets.

Ephemeral like typing: it changes on every page view and means nothing for audit, so it is
kept in this process's memory and never logged. A visitor is live while at least one of their
sockets (one per open tab) is connected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

MAX_URL = 2000
MAX_TITLE = 200


@dataclass
class LiveVisit:
    visitor_id: UUID
    company_id: UUID
    url: str | None
    title: str | None
    since: datetime
    last_activity: datetime
    sockets: set[str] = field(default_factory=set)

    def to_payload(self) -> dict[str, Any]:
        return {
            "visitorId": str(self.visitor_id),
            "url": self.url,
            "title": self.title,
            "since": self.since.isoformat(),
            "lastActivity": self.last_activity.isoformat(),
        }


def _text(value: Any, limit: int) -> str | None:
    return value[:limit] if isinstance(value, str) and value else None


class LiveVisitors:
    def __init__(self) -> None:
        self._visits: dict[UUID, LiveVisit] = {}
        self._by_sid: dict[str, UUID] = {}

    def arrive(self, sid: str, visitor_id: UUID, company_id: UUID, page: Any) -> LiveVisit:
        now = datetime.now(UTC)
        visit = self._visits.get(visitor_id)
        if visit is None:
            visit = LiveVisit(visitor_id, company_id, None, None, now, now)
            self._visits[visitor_id] = visit
        visit.sockets.add(sid)
        self._by_sid[sid] = visitor_id
        self._page(visit, page, now)
        return visit

    def move(self, sid: str, page: Any) -> LiveVisit | None:
        visitor_id = self._by_sid.get(sid)
        visit = self._visits.get(visitor_id) if visitor_id else None
        if visit is not None:
            self._page(visit, page, datetime.now(UTC))
        return visit

    def page_of(self, sid: str) -> tuple[str | None, str | None] | None:
        """The (url, title) the socket's visitor is on, None when it has no visit."""
        visitor_id = self._by_sid.get(sid)
        visit = self._visits.get(visitor_id) if visitor_id else None
        return None if visit is None else (visit.url, visit.title)

    def leave(self, sid: str) -> LiveVisit | None:
        """The visit, if this was its last socket (the visitor has left)."""
        visitor_id = self._by_sid.pop(sid, None)
        visit = self._visits.get(visitor_id) if visitor_id else None
        if visit is None:
            return None
        visit.sockets.discard(sid)
        if visit.sockets:
            return None
        del self._visits[visit.visitor_id]
        return visit

    def of_company(self, company_id: UUID) -> list[LiveVisit]:
        found = [v for v in self._visits.values() if v.company_id == company_id]
        return sorted(found, key=lambda v: v.last_activity, reverse=True)

    @staticmethod
    def _page(visit: LiveVisit, page: Any, now: datetime) -> None:
        if isinstance(page, dict):
            visit.url = _text(page.get("currentUrl") or page.get("url"), MAX_URL) or visit.url
            visit.title = _text(page.get("title"), MAX_TITLE) or visit.title
        visit.last_activity = now
