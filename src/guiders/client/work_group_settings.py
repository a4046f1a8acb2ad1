"""One worker's place among its replicas, apart from the mechanism (``work_group``).

Apart so that the command line can declare and parse the options (``cli_options``) without
importing Redis and the API client: every ``guiders`` command, ``--help`` too, imports them.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from guiders.client.client import GuidersClient
    from guiders.client.work_group import RedisStreamSource

CLAIM_IDLE_S = 10.0
"""How long an entry stays idle before another replica takes it over (XAUTOCLAIM's min-idle): a
dead replica's events are handled again within this, plus one pump (< 1 s). A live replica's
heartbeat resets its entries' idle time every third of it, so it need not exceed a batch's
handling, only the longest stall of a replica's event loop."""


@dataclass(frozen=True, slots=True)
class WorkGroupSettings:
    """One worker's place among its replicas: what ``--redis-url``, ``--worker``, ``--consumer``
    and ``--claim-idle-s`` say (``guiders.client.cli_options.work_group_options``)."""

    redis_url: str | None
    """None: the worker runs alone (no group)."""
    worker: str
    consumer: str
    claim_idle_s: float = CLAIM_IDLE_S

    @contextlib.asynccontextmanager
    async def joined(
        self,
        client: GuidersClient,
        *,
        kind: str,
        batch: int = 100,
        types: Sequence[str] | None = None,
        key_of: Callable[[dict[str, Any]], str | None] | None = None,
    ) -> AsyncIterator[RedisStreamSource]:
        """This replica's share of the ``kind`` workers' stream, on a Redis connection that
        is closed when the block ends."""
        from redis.asyncio import Redis

        from guiders.client.work_group import RedisStreamSource

        if self.redis_url is None:
            raise ValueError("a replica needs the group's Redis (--redis-url)")
        redis = Redis.from_url(self.redis_url)
        try:
            yield RedisStreamSource(
                client,
                redis,
                self.consumer,
                self.worker,
                kind=kind,
                types=types,
                key_of=key_of,
                batch=batch,
                claim_idle_s=self.claim_idle_s,
            )
        finally:
            await redis.aclose()
