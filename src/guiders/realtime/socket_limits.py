"""What one client may hold and send over Socket.IO: sockets per visitor and per address, and
events per socket.

The HTTP rate limits (``api/ratelimit.py``) never see a socket's events: once open, a socket
could send ``chat:join`` with random ids (a database look-up each), alternate ``typing:start``
and ``typing:stop`` (each relayed to the chat's room), or report a new page many times a
second (each announced to every console of the company), and one session id could open any
number of sockets (memory held for each). So:

- each socket has a token bucket of events; past it an event is answered
  ``{success: false, error: "rate_limited"}`` without reaching its handler (constant work);
- a visitor may have at most ``per_visitor`` sockets open on this node (its tabs), and one
  client address at most ``per_address`` visitor sockets; the next handshake is refused.

Staff and integration keys get a larger bucket (the bot re-joins every chat it follows when it
reconnects) and no socket cap: they are authenticated people and systems of the company.
Counts are per process: N nodes allow N times them.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TypeVar
from uuid import UUID

from guiders.services.access import Principal

K = TypeVar("K")

VISITOR_BURST = 40
VISITOR_PER_SECOND = 5.0
STAFF_BURST = 2000
STAFF_PER_SECOND = 200.0
SOCKETS_PER_VISITOR = 20
VISITOR_SOCKETS_PER_ADDRESS = 500


@dataclass(slots=True)
class TokenBucket:
    """``capacity`` events at once, refilled at ``rate`` a second: constant memory."""

    capacity: float
    rate: float
    tokens: float = -1.0
    updated: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        if self.tokens < 0:
            self.tokens = self.capacity

    def take(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


def event_budget(principal: Principal) -> TokenBucket:
    if principal.is_visitor:
        return TokenBucket(VISITOR_BURST, VISITOR_PER_SECOND)
    return TokenBucket(STAFF_BURST, STAFF_PER_SECOND)


class SocketCaps:
    """Open visitor sockets per visitor and per client address on this node."""

    def __init__(
        self,
        per_visitor: int = SOCKETS_PER_VISITOR,
        per_address: int = VISITOR_SOCKETS_PER_ADDRESS,
    ) -> None:
        self.per_visitor = per_visitor
        self.per_address = per_address
        self._visitors: Counter[UUID] = Counter()
        self._addresses: Counter[str] = Counter()

    def admit(self, principal: Principal, address: str) -> str | None:
        """Count a new socket in, or say why it is refused (nothing is counted then).
        Synchronous, so two handshakes racing cannot both take the last place."""
        if not principal.is_visitor:
            return None
        if self._visitors[principal.subject_id] >= self.per_visitor:
            return "Too many open sockets for this visitor"
        if self._addresses[address] >= self.per_address:
            return "Too many open sockets from this address"
        self._visitors[principal.subject_id] += 1
        self._addresses[address] += 1
        return None

    def release(self, principal: Principal, address: str) -> None:
        if not principal.is_visitor:
            return
        _decrement(self._visitors, principal.subject_id)
        _decrement(self._addresses, address)

    def open_for(self, visitor_id: UUID) -> int:
        return self._visitors[visitor_id]


def _decrement(counter: Counter[K], key: K) -> None:
    counter[key] -= 1
    if counter[key] <= 0:
        del counter[key]
