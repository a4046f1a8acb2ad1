"""The in-process event bus: the default for one process."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

import structlog

from guiders.domain.events import StoredEvent
from guiders.services.ports import EventBus

log = structlog.get_logger(__name__)


class InProcessBus(EventBus):
    def __init__(self) -> None:
        self._handlers: list[Callable[[StoredEvent], Awaitable[None]]] = []

    def subscribe(self, handler: Callable[[StoredEvent], Awaitable[None]]) -> None:
        self._handlers.append(handler)

    async def publish(self, events: Sequence[StoredEvent]) -> None:
        for event in events:
            for handler in self._handlers:
                try:
                    await handler(event)
                except Exception:
                    log.exception("event handler failed", event_type=event.type, seq=event.seq)
