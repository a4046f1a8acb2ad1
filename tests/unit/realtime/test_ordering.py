"""SeqOrder: a company's events reach the sockets in seq order, once, whatever the bus does."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from uuid import UUID

import pytest
from tests.waiting import eventually

from guiders.domain.events import StoredEvent
from guiders.realtime.ordering import SeqOrder

COMPANY = uuid.uuid4()


def event(seq: int, company: UUID = COMPANY) -> StoredEvent:
    return StoredEvent(
        event_id=uuid.uuid5(company, str(seq)),
        seq=seq,
        company_id=company,
        aggregate_type="chat",
        aggregate_id=company,
        version=seq,
        type="message.sent",
        payload={"n": seq},
        actor_id=None,
        actor_type="system",
        correlation_id=None,
        occurred_at=datetime.now(UTC),
    )


class Log:
    """The committed log as the order sees it, and what it asked of it."""

    def __init__(self, last: int, committed: range) -> None:
        self.last = last
        self.committed = {seq: event(seq) for seq in committed}
        self.fetches: list[tuple[int, int]] = []

    async def fetch(self, company: UUID, after: int, limit: int) -> list[StoredEvent]:
        self.fetches.append((after, limit))
        return [self.committed[s] for s in sorted(self.committed) if s > after][:limit]

    async def last_seq(self, company: UUID) -> int:
        return self.last


def order_with(log: Log, gap_wait_s: float = 0.05) -> tuple[SeqOrder, list[int]]:
    seen: list[int] = []

    async def sink(e: StoredEvent) -> None:
        seen.append(e.seq)

    return SeqOrder(sink, log.fetch, log.last_seq, gap_wait_s=gap_wait_s), seen


async def test_holds_a_later_seq_until_the_earlier_one_arrives() -> None:
    log = Log(last=10, committed=range(11, 14))
    order, seen = order_with(log, gap_wait_s=5)
    await order.track(COMPANY)
    await order.push(event(12))
    await order.push(event(13))
    assert seen == []
    await order.push(event(11))
    assert seen == [11, 12, 13]
    assert log.fetches == []


async def test_drops_duplicates_and_what_the_socket_connected_after() -> None:
    log = Log(last=10, committed=range(9, 13))
    order, seen = order_with(log)
    await order.track(COMPANY)
    for seq in (9, 10, 11, 11, 12, 11, 12):
        await order.push(event(seq))
    assert seen == [11, 12]


async def test_reads_a_gap_that_lasts_from_the_log() -> None:
    log = Log(last=10, committed=range(11, 16))
    order, seen = order_with(log, gap_wait_s=0.02)
    await order.track(COMPANY)
    await order.push(event(14))
    await order.push(event(15))
    await eventually(lambda: seen, timeout=5, what="the gap to be read from the log")
    assert seen == [11, 12, 13, 14, 15]
    assert log.fetches == [(10, 3)]
    await order.push(event(12))  # the late publish of a filled gap is a duplicate
    assert seen == [11, 12, 13, 14, 15]
    assert order.gaps_filled == 1


async def test_ignores_companies_without_a_socket_here() -> None:
    log = Log(last=0, committed=range(1, 3))
    order, seen = order_with(log)
    await order.push(event(1))
    await order.track(COMPANY)
    order.untrack(COMPANY)
    await order.push(event(1))
    assert seen == []


async def test_keeps_tracking_while_any_socket_of_the_company_remains() -> None:
    log = Log(last=0, committed=range(1, 3))
    order, seen = order_with(log)
    await order.track(COMPANY)
    await order.track(COMPANY)
    order.untrack(COMPANY)
    await order.push(event(1))
    assert seen == [1]


async def test_follows_the_company_on_the_bus_before_reading_the_logs_end() -> None:
    """The bus fixes where it reads first; the log's end is read after: nothing in between."""
    log = Log(last=4, committed=range(1, 5))
    order, _ = order_with(log)
    calls: list[str] = []

    async def follow(company: UUID) -> None:
        calls.append(f"follow {log.fetches == []}")

    async def last_seq(company: UUID) -> int:
        calls.append("log end")
        return log.last

    order.follow = follow
    order.unfollow = lambda company: calls.append("unfollow")
    order._last_seq = last_seq
    await order.track(COMPANY)
    await order.track(COMPANY)
    order.untrack(COMPANY)
    order.untrack(COMPANY)
    assert calls == ["follow True", "log end", "follow True", "unfollow", "unfollow"]


async def test_a_failed_track_gives_its_follow_back() -> None:
    log = Log(last=0, committed=range(0))
    order, _ = order_with(log)
    follows: list[int] = []

    async def follow(company: UUID) -> None:
        follows.append(1)

    async def broken(company: UUID) -> int:
        raise ConnectionError("database away")

    order.follow = follow
    order.unfollow = lambda company: follows.append(-1)
    order._last_seq = broken
    with pytest.raises(ConnectionError):
        await order.track(COMPANY)
    assert sum(follows) == 0


async def test_a_resync_reads_what_the_bus_lost_from_the_log() -> None:
    """A restarted Redis dropped 11 and 12, and nothing later comes to show the gap."""
    log = Log(last=10, committed=range(11, 13))
    order, seen = order_with(log, gap_wait_s=5)
    await order.track(COMPANY)
    await order.resync()
    assert seen == [11, 12]
    await order.push(event(12))
    assert seen == [11, 12]


async def test_an_event_that_arrives_while_the_logs_end_is_read_is_not_dropped() -> None:
    """Seq 11 commits after the log's end (10) was read, and the bus hands it over before
    ``track`` has finished: it is held, then delivered."""
    log = Log(last=10, committed=range(1, 12))
    order, seen = order_with(log, gap_wait_s=5)

    async def slow_last_seq(company: UUID) -> int:
        await order.push(event(11))
        await order.push(event(9))  # older than the end: dropped as before
        return 10

    order._last_seq = slow_last_seq
    await order.track(COMPANY)
    assert seen == [11]
