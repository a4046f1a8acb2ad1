"""One worker's place among its replicas, apart from the mechanism (``work_group``).

Apart so that the command line can declare and parse the options (``cli_options``) without
importing Redis and the API client: every ``guiders`` command, ``--help`` too, imports them.
"""

from __future__ import annotations

from dataclasses import dataclass

CLAIM_IDLE_S = 10.0
"""How long an entry stays idle before another replica takes it over (XAUTOCLAIM's min-idle): a
dead replica's events are handled again within this, plus one pump (< 1 s). A live replica's
heartbeat resets its entries' idle time every third of it, so it need not exceed a batch's
handling, only the longest stall of a replica's event loop."""


@dataclass(frozen=True, slots=True)
class WorkGroupSettings:
    """One worker's place among its replicas: what ``--redis-url``, ``--worker``, ``--consumer``
    and ``--claim-idle-s`` say (``guiders.client.cli_options.work_group_options``); a replica
    joins its group with ``guiders.client.work_group.joined``."""

    redis_url: str | None
    """None: the worker runs alone (no group)."""
    worker: str
    consumer: str
    claim_idle_s: float = CLAIM_IDLE_S
