"""A batch that ends while its heartbeat's Redis call is in flight lets that call finish
(``guiders.client.work_group``).

The heartbeat used to be cancelled when the batch ended. A cancel landing while its EVAL was
on the way cut the command off with its reply still coming: the connection was out of step and
the next command on it waited for ever (one run in four of the two-workers test). The
integration test (tests/integration/test_work_group_heartbeat.py) cannot aim at that instant;
here a fake Redis holds the heartbeat's EVAL open until the test releases it, the batch ends in
between, and the fake behaves as the real connection did: a command cancelled in flight leaves
it out of step, and every later command hangs.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, cast

from redis.asyncio import Redis
from tests.waiting import eventually

from guiders.client import GuidersClient
from guiders.client.work_group import RedisStreamSource

DEADLINE_S = 10.0
CLAIM_IDLE_S = 0.03
"""The heartbeat's first beat comes after a third of it, while the handler still works."""


class OneConnectionRedis:
    """The commands ``claim_dead`` sends, on one connection whose EVAL blocks on ``release``."""

    def __init__(self, entries: list[Any]) -> None:
        self.entries = entries
        self.release = asyncio.Event()
        self.eval_in_flight = asyncio.Event()
        self.eval_outcome: str | None = None
        self.out_of_step = False
        self.acked: list[Any] = []
        self.log: list[str] = []

    async def _sent(self) -> None:
        if self.out_of_step:  # the reply it waits for was read by no one: it never comes
            await asyncio.Future()

    async def xautoclaim(self, *_args: Any, **_kwargs: Any) -> list[Any]:
        await self._sent()
        entries, self.entries = self.entries, []
        return ["0-0", entries, []]

    async def xack(self, _stream: str, _group: str, entry_id: Any) -> int:
        await self._sent()
        self.acked.append(entry_id)
        return 1

    async def eval(self, _script: str, _keys: int, *args: Any) -> int:
        await self._sent()
        self.eval_in_flight.set()
        try:
            await self.release.wait()
        except asyncio.CancelledError:
            self.eval_outcome = "cancelled"
            self.out_of_step = True
            raise
        self.eval_outcome = "completed"
        self.log.append("eval returned")
        return len(args) - 3  # the entries after the key, group and consumer


def entry(seq: int) -> tuple[str, dict[bytes, bytes]]:
    return f"{seq}-1", {b"event": json.dumps({"seq": seq, "type": "x"}).encode()}


async def test_a_batch_ending_mid_heartbeat_lets_the_call_finish_and_the_connection_works() -> None:
    redis = OneConnectionRedis([entry(1)])
    source = RedisStreamSource(
        GuidersClient("http://guiders.test", "gdr_test_key"),  # claim_dead never calls the API
        cast(Redis, redis),
        "group",
        "a",
        stream="test:heartbeat",
        claim_idle_s=CLAIM_IDLE_S,
    )

    async def handle(event: dict[str, Any]) -> None:
        # The batch ends as soon as the heartbeat's EVAL is on its way.
        await asyncio.wait_for(redis.eval_in_flight.wait(), DEADLINE_S)

    batch = asyncio.create_task(source.claim_dead(handle))
    try:
        await eventually(lambda: redis.acked == ["1-1"], what="the batch to end")
        assert redis.eval_outcome is None, "the heartbeat's EVAL was cut off in flight"
        assert not batch.done(), "the batch returned before its heartbeat's call came back"

        redis.release.set()
        assert await asyncio.wait_for(batch, DEADLINE_S) == 1
        redis.log.append("batch returned")
        assert redis.eval_outcome == "completed"
        assert redis.log == ["eval returned", "batch returned"]

        # The next pump's first command on the connection is answered.
        assert await asyncio.wait_for(source.claim_dead(handle), DEADLINE_S) == 0
    finally:
        if not batch.done():
            batch.cancel()
        await asyncio.gather(batch, return_exceptions=True)
        await source.client.aclose()
