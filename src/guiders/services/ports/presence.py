"""Open sockets and typing, as every node sees them (``presence/`` implements it)."""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Typing:
    user_id: str
    user_type: str
    since: datetime


class PresenceStore(abc.ABC):
    """Open sockets per user and who is typing in which chat, as every node sees them.

    Ephemeral by design: nothing here is in the event log. Entries expire by themselves
    (``ttl_s``), so a node that dies without closing its sockets stops counting for them.
    """

    @abc.abstractmethod
    async def socket_opened(self, user_id: str, socket_id: str, ttl_s: float) -> int:
        """Returns how many sockets the user now has open, across all nodes."""

    @abc.abstractmethod
    async def socket_closed(self, user_id: str, socket_id: str) -> int: ...

    @abc.abstractmethod
    async def socket_count(self, user_id: str) -> int: ...

    async def connected(self, user_ids: Sequence[str]) -> set[str]:
        """Which of these users have at least one live socket, on any node."""
        return {u for u in user_ids if await self.socket_count(u) > 0}

    @abc.abstractmethod
    async def refresh(self, sockets: Sequence[tuple[str, str]], ttl_s: float) -> None:
        """Keeps this node's ``(user_id, socket_id)`` entries alive for another ``ttl_s``."""

    @abc.abstractmethod
    async def staff_seen(self, key: str, at: float) -> None:
        """Records that a staff member (``companyId:userId``) had a socket at ``at`` (epoch s)."""

    @abc.abstractmethod
    async def staff_gone(self, key: str) -> None: ...

    @abc.abstractmethod
    async def staff_last_seen(self) -> dict[str, float]: ...

    @abc.abstractmethod
    async def claim(self, name: str, ttl_s: float) -> bool:
        """True for only one caller (of any node) per ``ttl_s``: who does a periodic chore."""

    @abc.abstractmethod
    async def set_typing(self, chat_id: str, typing: Typing, ttl_s: float) -> None: ...

    @abc.abstractmethod
    async def clear_typing(self, chat_id: str, user_id: str) -> None: ...

    @abc.abstractmethod
    async def typing(self, chat_id: str) -> list[Typing]: ...

    async def close(self) -> None:
        return None
