"""How the group commit forms batches under load (services/group_commit.py), on a fake unit of
work: clients answered by one commit must be able to join the next batch together."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any
from uuid import uuid4

from guiders.services.access import Principal
from guiders.services.group_commit import GATHER_S, Batch, GroupCommit, Send


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

    async def commit_batch(self, messages: Any, chats: Any) -> None:
        await self.commit()

    async def commit(self) -> None:
        for _ in range(3):
            await asyncio.sleep(0)
        self._commits.append(self.size)


async def step(batch: Batch, send: Send) -> tuple[Any, bool]:
    batch.new.append(send.draft)
    batch.uow.size += 1  # type: ignore[attr-defined]
    return send.draft, True


def grouped(commits: list[int], *, gather_s: float = GATHER_S) -> GroupCommit:
    """A group commit over fake units of work, each batch's size noted in ``commits``."""
    return GroupCommit(
        lambda: FakeUnitOfWork(commits),  # type: ignore[arg-type,return-value]
        step,
        gather_s=gather_s,
    )


PRINCIPAL: Principal = SimpleNamespace()  # type: ignore[assignment]


async def test_clients_answered_by_one_commit_join_the_next_batch_together() -> None:
    """Half the clients come back one turn of the loop later than the others (their answer
    and next request cross the network at different moments). Taken at once, every batch
    would hold only the early half, the clients settling into two alternating halves that
    each pay a whole transaction; the drain waits for both."""
    commits: list[int] = []
    group = grouped(commits)
    chat = uuid4()

    async def client(late: bool) -> None:
        for i in range(20):
            await group.submit(PRINCIPAL, chat, i)
            if late:
                await asyncio.sleep(0)

    await asyncio.gather(*(client(late=n % 2 == 1) for n in range(8)))
    assert sum(commits) == 160
    assert len(commits) <= 25, commits  # about 20 batches of 8, not 40 of 4


async def test_a_batch_waits_for_the_clients_the_last_commit_answered() -> None:
    """Sixteen clients come back after one to thirty-two turns of the loop, while a commit
    takes three: taken as soon as the loop has turned once, batches would hold whoever is
    back (they settled into 15 and 1, 12 and 4 on PostgreSQL). The drain waits until as many
    are queued as the last commit answered, and goes on the moment they are: with a gather
    bound of a minute, a wait that ran to its bound would not finish in time."""
    commits: list[int] = []
    group = grouped(commits, gather_s=60)
    chat = uuid4()

    async def client(n: int) -> None:
        for i in range(10):
            await group.submit(PRINCIPAL, chat, i)
            for _ in range(2 * n + 1):
                await asyncio.sleep(0)

    await asyncio.wait_for(asyncio.gather(*(client(n) for n in range(16))), 10)
    assert sum(commits) == 160
    assert commits[2:] == [16] * (len(commits) - 2), commits


async def test_a_batch_waits_no_longer_than_its_bound_for_clients_that_do_not_come_back() -> None:
    commits: list[int] = []
    group = grouped(commits, gather_s=0.01)
    await asyncio.gather(*(group.submit(PRINCIPAL, uuid4(), i) for i in range(8)))
    await asyncio.wait_for(group.submit(PRINCIPAL, uuid4(), 8), 10)
    assert commits == [8, 1]


async def test_a_lone_send_on_an_idle_server_waits_no_turn_of_the_loop() -> None:
    """Right after a burst the first lone send still waits a moment for the burst's clients
    (the drain cannot tell the burst has ended); the next ones, on a server now idle, take as
    few turns of the loop as the very first send of all, which nothing could make wait."""
    commits: list[int] = []
    group = grouped(commits, gather_s=0.001)
    turns = 0

    async def ticker() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    async def turns_taken(i: int) -> int:
        before = turns
        await group.submit(PRINCIPAL, uuid4(), i)
        return turns - before

    ticking = asyncio.create_task(ticker())
    try:
        first = await turns_taken(0)
        await asyncio.gather(*(group.submit(PRINCIPAL, uuid4(), i) for i in range(8)))
        after_burst = await turns_taken(8)
        idle = await turns_taken(9)
        again = await turns_taken(10)
    finally:
        ticking.cancel()
    assert commits == [1, 8, 1, 1, 1]
    assert idle == again == first < after_burst, (first, after_burst, idle, again)
