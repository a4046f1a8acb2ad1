"""The rate limiter's sliding window counters for one process, without the ``limits`` store.

The ``limits`` library's ``MemoryStorage`` answered each request in seven storage calls (the
failed-credential test, the principal's hit and the statistics read back after it), each
through an error-wrapping coroutine and a string key built per call, and every increment
scheduled a task that walked *all* the store's keys to expire them: about a sixth of the send
path's CPU with the use case stubbed out, growing with the number of addresses seen.

This is the same counter, with the same arithmetic as ``limits`` (``SlidingWindowCounter``
with its ``MemoryStorage``, version 5): a key's count in the current window plus its count in
the previous one weighted by how much of that window still overlaps the last ``expiry``
seconds; a hit is allowed while the weighted count stays within the limit. Counters are grouped
per window: ``limits`` kept each key's counter alive until two windows after it was made and
only ever read the current and the previous window, so dropping a window once it is neither is
the same expiry, at one ``dict`` freed per window instead of a scan per request. A key is never
reset before its windows pass, however many other keys arrive.

``tests/unit/api/test_local_windows.py`` checks the answers against ``limits``' own under a frozen
clock. With Redis (``GUIDERS_REDIS_URL``), ``ratelimit.RateLimits`` keeps ``limits``' storage:
the counters are shared between nodes there.
"""

from __future__ import annotations

import time
from math import floor, inf

from limits import RateLimitItem

_NONE: dict[str, int] = {}


class LocalWindows:
    """Sliding window counters of every key, for each of a few limits (``RateLimitItem``s of
    distinct namespaces: a namespace's windows are numbered by its item's expiry)."""

    def __init__(self) -> None:
        self._windows: dict[tuple[str, int], dict[str, int]] = {}
        """(the item's namespace, window number) -> count per key."""
        self._latest: dict[str, int] = {}
        """The newest window number of each item's namespace, to drop what passed."""

    def _counts(self, item: RateLimitItem, key: str, now: float) -> tuple[int, float, int, float]:
        """(previous count, its seconds left, current count, its seconds left), as ``limits``'
        ``MemoryStorage.get_sliding_window`` computes them."""
        expiry = item.get_expiry()
        current = int(now / expiry)
        previous = int((now - expiry) / expiry)
        namespace = item.namespace
        if self._latest.get(namespace, -1) < current:
            self._roll(namespace, current)
        previous_count = self._windows.get((namespace, previous), _NONE).get(key, 0)
        current_count = self._windows.get((namespace, current), _NONE).get(key, 0)
        previous_ttl = 0.0
        if previous_count:
            previous_ttl = (1 - (((now - expiry) / expiry) % 1)) * expiry
        current_ttl = (1 - ((now / expiry) % 1)) * expiry + expiry
        return previous_count, previous_ttl, current_count, current_ttl

    def _roll(self, namespace: str, current: int) -> None:
        """Windows before the previous one can no longer be read: their counters go."""
        self._latest[namespace] = current
        for window in [w for w in self._windows if w[0] == namespace and w[1] < current - 1]:
            del self._windows[window]

    def test(self, item: RateLimitItem, key: str, now: float | None = None) -> bool:
        """Whether a hit would still be allowed (nothing is counted)."""
        now = time.time() if now is None else now
        previous, previous_ttl, current, _ = self._counts(item, key, now)
        return previous * previous_ttl / item.get_expiry() + current < item.amount

    def hit(self, item: RateLimitItem, key: str, now: float | None = None) -> int | None:
        """Counts a hit if it is allowed: the count left afterwards, or ``None`` (refused, and
        nothing counted)."""
        now = time.time() if now is None else now
        previous, previous_ttl, current, _ = self._counts(item, key, now)
        expiry = item.get_expiry()
        weighted = previous * previous_ttl / expiry + current
        if floor(weighted) + 1 > item.amount:
            return None
        window = (item.namespace, int(now / expiry))
        counts = self._windows.get(window)
        if counts is None:
            counts = self._windows[window] = {}
        counts[key] = current + 1
        return max(0, item.amount - floor(previous * previous_ttl / expiry + (current + 1)))

    def reset_in(self, item: RateLimitItem, key: str, now: float | None = None) -> float:
        """Seconds until the next hit frees up: ``limits``' ``get_window_stats().reset_time``
        minus now."""
        now = time.time() if now is None else now
        previous, previous_ttl, current, current_ttl = self._counts(item, key, now)
        expiry = item.get_expiry()
        previous_reset_in = previous_ttl % (expiry / previous) if previous else inf
        current_reset_in = current_ttl % expiry if current else inf
        reset_in = min(previous_reset_in, current_reset_in)
        return 0.0 if reset_in == inf else reset_in
