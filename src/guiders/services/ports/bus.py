"""Committed events to subscribers (``bus/`` implements it: in process, or Redis)."""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable, Sequence

from guiders.domain.events import StoredEvent


class EventBus(abc.ABC):
    """Publishes committed events to subscribers (in process, or through Redis)."""

    @abc.abstractmethod
    async def publish(self, events: Sequence[StoredEvent]) -> None: ...

    @abc.abstractmethod
    def subscribe(self, handler: Callable[[StoredEvent], Awaitable[None]]) -> None: ...

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def ping(self) -> bool:
        return True
