"""Presence in this process's memory: right for one node, and the fake for tests.

Entries expire by time, and an expired one used to be dropped only when its key was read
again: a visitor who closed the tab while typing (no ``typing:stop``) left their chat's entry
for the life of the process, one per such chat. Writes now sweep every expired entry whenever
the table has doubled since the last sweep (amortised constant work, memory bounded by what
is live).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from guiders.services.ports import PresenceStore, Typing

SWEEP_MIN = 1024


class MemoryPresence(PresenceStore):
    def __init__(self) -> None:
        self._sockets: dict[str, dict[str, float]] = {}
        self._typing: dict[str, dict[str, tuple[Typing, float]]] = {}
        self._staff: dict[str, float] = {}
        self._claims: dict[str, float] = {}
        self._sweep_at = {"sockets": SWEEP_MIN, "typing": SWEEP_MIN}

    def _maybe_sweep(self) -> None:
        now = time.monotonic()
        if len(self._sockets) >= self._sweep_at["sockets"]:
            self._sockets = {
                user: live
                for user, sockets in self._sockets.items()
                if (live := {s: t for s, t in sockets.items() if t > now})
            }
            self._sweep_at["sockets"] = max(SWEEP_MIN, 2 * len(self._sockets))
        if len(self._typing) >= self._sweep_at["typing"]:
            self._typing = {
                chat: still
                for chat, typists in self._typing.items()
                if (still := {u: v for u, v in typists.items() if v[1] > now})
            }
            self._sweep_at["typing"] = max(SWEEP_MIN, 2 * len(self._typing))

    async def socket_opened(self, user_id: str, socket_id: str, ttl_s: float) -> int:
        self._sockets.setdefault(user_id, {})[socket_id] = time.monotonic() + ttl_s
        self._maybe_sweep()
        return await self.socket_count(user_id)

    async def socket_closed(self, user_id: str, socket_id: str) -> int:
        self._sockets.get(user_id, {}).pop(socket_id, None)
        return await self.socket_count(user_id)

    async def socket_count(self, user_id: str) -> int:
        now = time.monotonic()
        live = {s: t for s, t in self._sockets.get(user_id, {}).items() if t > now}
        if live:
            self._sockets[user_id] = live
        else:
            self._sockets.pop(user_id, None)
        return len(live)

    async def refresh(self, sockets: Sequence[tuple[str, str]], ttl_s: float) -> None:
        until = time.monotonic() + ttl_s
        for user_id, socket_id in sockets:
            self._sockets.setdefault(user_id, {})[socket_id] = until
        self._maybe_sweep()

    async def staff_seen(self, key: str, at: float) -> None:
        self._staff[key] = at

    async def staff_gone(self, key: str) -> None:
        self._staff.pop(key, None)

    async def staff_last_seen(self) -> dict[str, float]:
        return dict(self._staff)

    async def claim(self, name: str, ttl_s: float) -> bool:
        now = time.monotonic()
        if self._claims.get(name, 0.0) > now:
            return False
        self._claims[name] = now + ttl_s
        return True

    async def set_typing(self, chat_id: str, typing: Typing, ttl_s: float) -> None:
        self._typing.setdefault(chat_id, {})[typing.user_id] = (typing, time.monotonic() + ttl_s)
        self._maybe_sweep()

    async def clear_typing(self, chat_id: str, user_id: str) -> None:
        typists = self._typing.get(chat_id)
        if typists is not None:
            typists.pop(user_id, None)
            if not typists:
                del self._typing[chat_id]

    async def typing(self, chat_id: str) -> list[Typing]:
        now = time.monotonic()
        live = {u: v for u, v in self._typing.get(chat_id, {}).items() if v[1] > now}
        if live:
            self._typing[chat_id] = live
        else:
            self._typing.pop(chat_id, None)
        return sorted((t for t, _ in live.values()), key=lambda t: t.since)
