"""What one service does when another's event or use case happens, wired by the root."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any
from uuid import UUID

from guiders.domain.events import StoredEvent
from guiders.services.attachments import AttachmentService
from guiders.services.container import Services


def forget_scored(services: Services) -> Callable[[StoredEvent], Coroutine[Any, Any, None]]:
    """Drops a cached prediction again when the score's event arrives: a read that raced the
    write (read the old row, cached it after the writer's delete) lasts milliseconds, not a TTL."""

    async def handler(event: StoredEvent) -> None:
        if event.type == "visitor.analyzed":
            await services.analytics.forget_prediction(event.aggregate_id)

    return handler


def forget_files(attachments: AttachmentService) -> Callable[[UUID], Awaitable[None]]:
    """An erased visitor's attachments go too: their rows, then their bytes."""

    async def forget(visitor_id: UUID) -> None:
        await attachments.erase_visitor(visitor_id)

    return forget
