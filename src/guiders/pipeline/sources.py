"""Where a worker's events come from: the event log over REST, or a Redis stream.

``LogSource``: one worker reads ``GET /v2/events`` after its stored position
(``/v2/consumers/{name}/position``) and stores the new position after each batch it handled.
A crash between handling and storing redelivers that batch: at least once.

``RedisStreamSource``: several workers share a consumer group on a Redis stream; the mechanism
is the one every replicated worker uses (``guiders.client.work_group``).
"""

from __future__ import annotations

from dataclasses import dataclass

from guiders.client import GuidersClient
from guiders.client.work_group import (
    EventSource,
    Handler,
    RedisStreamSource,
    fetch_events,
    log_end,
    store_position,
    stored_position,
)
from guiders.client.work_group_settings import CLAIM_IDLE_S

__all__ = [
    "CLAIM_IDLE_S",
    "EventSource",
    "Handler",
    "LogSource",
    "RedisStreamSource",
    "fetch_events",
    "log_end",
    "store_position",
    "stored_position",
]


@dataclass
class LogSource(EventSource):
    client: GuidersClient
    consumer: str
    batch: int = 100
    start_at_end: bool = True
    """A consumer with no stored position starts at the log's end (not its whole history)."""

    async def pump(self, handler: Handler) -> int:
        position = await stored_position(self.client, self.consumer)
        if position is None:
            position = await log_end(self.client) if self.start_at_end else 0
            await store_position(self.client, self.consumer, position)
        events = await fetch_events(self.client, position, self.batch)
        for event in events:
            await handler(event)
        if events:
            await store_position(self.client, self.consumer, int(events[-1]["seq"]))
        return len(events)
