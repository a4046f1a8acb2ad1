"""The widget's page reports kept as ``page_view`` tracking events: the profile's "Pages seen".

The widget tells its socket which page it is on (at connect, in the handshake's
``currentUrl``, and with ``visitor:page`` on each navigation). That fed only the in-memory list
of live visitors, so the console's "Pages seen" (read from tracking events) stayed empty
while the widget ran. Each new page is now recorded through ``VisitorService.track``, like a
tracking event the visitor sent: the same URL again is not recorded twice in a row, and a socket
records at most ``PER_MINUTE`` pages a minute (anything a visitor sends is bounded).
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

import structlog
from cachetools import LRUCache

from guiders.services.access import Principal
from guiders.services.visitors import VisitorService

log = structlog.get_logger(__name__)

PER_MINUTE = 30
MAX_VISITORS = 100_000


class PageViews:
    def __init__(self, visitors: VisitorService, per_minute: int = PER_MINUTE) -> None:
        self._visitors = visitors
        self._per_minute = per_minute
        self._last: LRUCache[str, str] = LRUCache(maxsize=MAX_VISITORS)
        self._times: dict[str, deque[float]] = {}

    async def record(
        self, sid: str, principal: Principal, url: str | None, title: str | None
    ) -> bool:
        """Whether a ``page_view`` was stored for this report."""
        visitor = str(principal.subject_id)
        if not url or self._last.get(visitor) == url or not self._allowed(sid):
            return False
        self._last[visitor] = url
        event: dict[str, Any] = {"visitorId": visitor, "type": "page_view", "url": url}
        if title:
            event["metadata"] = {"title": title}
        try:
            result = await self._visitors.track(principal, [event])
        except Exception:
            log.exception("page view not recorded")
            return False
        return result.processed > 0

    def forget(self, sid: str) -> None:
        self._times.pop(sid, None)

    def _allowed(self, sid: str) -> bool:
        now = time.monotonic()
        times = self._times.setdefault(sid, deque())
        while times and now - times[0] > 60:
            times.popleft()
        if len(times) >= self._per_minute:
            return False
        times.append(now)
        return True
