"""How many wrong passwords an account or an address may send, and for how long it then waits.

A counter of failures in a sliding-from-first-failure window; reaching the window's cap locks
the key for ``base_lock``, and every further lock of the same key (before it has been quiet for
a whole window after its lock) doubles, up to ``max_lock``. A lock refuses the attempt before the
password is checked, so the attacker neither learns anything nor costs us an Argon2 hash.

Pure: the state is read and written by the caller (``services/login.py``) in the database, so
the counts hold across server nodes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    max_failures: int
    window: timedelta
    base_lock: timedelta
    max_lock: timedelta


ACCOUNT_POLICY = ThrottlePolicy(
    max_failures=5,
    window=timedelta(minutes=15),
    base_lock=timedelta(minutes=1),
    max_lock=timedelta(hours=12),
)
"""Per e-mail (known or not): five tries, then 1, 2, 4 ... minutes, at most 12 hours."""

ADDRESS_POLICY = ThrottlePolicy(
    max_failures=50,
    window=timedelta(minutes=15),
    base_lock=timedelta(minutes=5),
    max_lock=timedelta(hours=12),
)
"""Per client address: a higher cap (an office behind one NAT), a longer first lock."""


@dataclass(frozen=True, slots=True)
class Throttle:
    key: str
    failures: int = 0
    window_started_at: datetime | None = None
    locked_until: datetime | None = None
    lockouts: int = 0

    def retry_after(self, now: datetime) -> float | None:
        """Seconds until the key may try again, or None when it may try now."""
        if self.locked_until is None or self.locked_until <= now:
            return None
        return (self.locked_until - now).total_seconds()

    def failed(self, now: datetime, policy: ThrottlePolicy) -> Throttle:
        """The state after one more failure at ``now``."""
        state = self
        if state.window_started_at is None or now - state.window_started_at >= policy.window:
            quiet = state.locked_until is None or now - state.locked_until >= policy.window
            state = replace(
                state,
                failures=0,
                window_started_at=now,
                lockouts=0 if quiet else state.lockouts,
            )
        failures = state.failures + 1
        if failures < policy.max_failures:
            return replace(state, failures=failures)
        lock = min(policy.base_lock * (2**state.lockouts), policy.max_lock)
        return replace(
            state,
            failures=0,
            window_started_at=now,
            locked_until=now + lock,
            lockouts=min(state.lockouts + 1, 30),
        )

    def succeeded(self) -> Throttle:
        """A right password forgets the failures (not an address's: see ``LoginService``)."""
        return Throttle(key=self.key)
