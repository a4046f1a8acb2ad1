"""How the group commit forms batches under load (services/group_commit.py), on a fake unit of
work: clients answered by one commit must be able to join the next batch together."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any
from uuid import uuid4

from guiders.services.access import Principal
from guiders.services.group_commit import Batch, GroupCommit, Send


class FakeUnitOfWork:
    """What a batch touches, answered at once; a commit takes a few turns of the loop, as a
    database write would."""

    def __init__(self, commits: list[int]) -> None:
        self._commits = commits

        async def get_many(ids: list[Any], for_update: bool = False) -> dict[Any, Any]:
            return {}

        async def nothing(*_: Any) -> None:
            return None

        self.chats = SimpleNamespace(get_many=get_many, save=nothing)
        self.messages = SimpleNamespace(add_many=nothing)
        self.size = 0

    async def __aenter__(self) -> FakeUnitOfWork:
        return self

    async def __aexit__(self, *_: Any) -> None:
        return None

    async def commit(self) -> None:
        for _ in range(3):
            await asyncio.sleep(0)
        self._commits.append(self.size)


async def step(batch: Batch, send: Send) -> tuple[Any, bool]:
    batch.new.append(send.draft)
    batch.uow.size += 1  # type: ignore[attr-defined]
    return send.draft, True


async def test_clients_answered_by_one_commit_join_the_next_batch_together() -> None:
    """Half the clients come back one turn of the loop later than the others (their answer
    and next request cross the network at different moments). Taken at once, every batch
    would hold only the early half, the clients settling into two alternating halves that
    each pay a whole transaction; the drain lets the loop turn once under load and takes both.
    """
    commits: list[int] = []
    group = GroupCommit(lambda: FakeUnitOfWork(commits), step)  # type: ignore[arg-type,return-value]
    principal: Principal = SimpleNamespace()  # type: ignore[assignment]
    chat = uuid4()

    async def client(late: bool) -> None:
        for i in range(20):
            await group.submit(principal, chat, i)
            if late:
                await asyncio.sleep(0)

    await asyncio.gather(*(client(late=n % 2 == 1) for n in range(8)))
    assert sum(commits) == 160
    assert len(commits) <= 25, commits  # about 20 batches of 8, not 40 of 4


async def test_a_lone_send_on_an_idle_server_is_committed_without_waiting() -> None:
    commits: list[int] = []
    group = GroupCommit(lambda: FakeUnitOfWork(commits), step)  # type: ignore[arg-type,return-value]
    principal: Principal = SimpleNamespace()  # type: ignore[assignment]
    for i in range(3):
        await group.submit(principal, uuid4(), i)
    assert commits == [1, 1, 1]
    assert not group._busy
