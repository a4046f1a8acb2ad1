"""The routed Redis bus: a node reads the streams of the companies it follows, and only those."""

from __future__ import annotations

import time
import uuid
from dataclasses import replace

import pytest

from guiders.bus.routed import RoutedRedisBus
from tests.integration.test_bus import Received, event
from tests.waiting import never

pytestmark = pytest.mark.redis

WAKING = frozenset({"chat.status_changed"})


def bus(url: str, prefix: str, **kw: int) -> RoutedRedisBus:
    return RoutedRedisBus(url, prefix=prefix, node_types=WAKING, **kw)


async def test_each_node_gets_the_companies_it_follows_and_no_other(
    redis_url: str, redis_prefix: str
) -> None:
    x, y = uuid.uuid4(), uuid.uuid4()
    a, b = bus(redis_url, redis_prefix), bus(redis_url, redis_prefix)
    got_a, got_b = Received(), Received()
    a.subscribe(got_a)
    b.subscribe(got_b)
    try:
        await a.start()
        await b.start()
        await a.follow(x)
        await b.follow(y)
        await a.publish([event(1, x), event(1, y)])
        await b.publish([event(2, x), event(2, y), event(3, x)])
        assert [(e.company_id, e.seq) for e in await got_a.until(3)] == [(x, 1), (x, 2), (x, 3)]
        assert [(e.company_id, e.seq) for e in await got_b.until(2)] == [(y, 1), (y, 2)]
        await never(
            lambda: len(got_a.events) > 3 or len(got_b.events) > 2,
            window=0.3,
            what="the other company's events are not routed here",
        )
        assert a.decoded == 3 and b.decoded == 2
    finally:
        await a.close()
        await b.close()


@pytest.mark.serial  # an upper bound on elapsed time
async def test_a_newly_followed_company_is_read_at_once_from_where_follow_returned(
    redis_url: str, redis_prefix: str
) -> None:
    """The reader blocks 10 s in XREAD; the wake stream makes it see the new company now."""
    x = uuid.uuid4()
    publisher, node = bus(redis_url, redis_prefix), bus(redis_url, redis_prefix, block_ms=10_000)
    got = Received()
    node.subscribe(got)
    try:
        await node.start()
        await publisher.publish([event(1, x)])  # before the follow: the log's business
        await node.follow(x)
        started = time.monotonic()
        await publisher.publish([event(2, x)])
        assert [e.seq for e in await got.until(1, within=5)] == [2]
        assert time.monotonic() - started < 2.0
    finally:
        await publisher.close()
        await node.close()


async def test_the_last_unfollow_stops_the_reading_and_follows_are_counted(
    redis_url: str, redis_prefix: str
) -> None:
    x = uuid.uuid4()
    publisher, node = bus(redis_url, redis_prefix), bus(redis_url, redis_prefix, block_ms=200)
    got = Received()
    node.subscribe(got)
    try:
        await node.start()
        await node.follow(x)
        await node.follow(x)  # two sockets of the company
        node.unfollow(x)
        await publisher.publish([event(1, x)])
        await got.until(1)
        node.unfollow(x)
        assert node.followed == frozenset()
        await publisher.publish([event(2, x)])
        await never(lambda: len(got.events) > 1, window=0.5, what="no socket of x is left")
    finally:
        await publisher.close()
        await node.close()


async def test_node_wide_types_reach_every_node_and_published_handlers_run_once(
    redis_url: str, redis_prefix: str
) -> None:
    x = uuid.uuid4()
    a, b = bus(redis_url, redis_prefix), bus(redis_url, redis_prefix)
    woken_a, woken_b, published_a, published_b = Received(), Received(), Received(), Received()
    a.subscribe_node(woken_a, WAKING)
    b.subscribe_node(woken_b, WAKING)
    a.subscribe_published(published_a)
    b.subscribe_published(published_b)
    try:
        await a.start()
        await b.start()
        status = replace(event(2, x), type="chat.status_changed")
        await a.publish([event(1, x), status])
        for woken in (woken_a, woken_b):
            assert [e.seq for e in await woken.until(1)] == [2]
        assert [e.seq for e in published_a.events] == [1, 2]
        assert published_b.events == []
        with pytest.raises(ValueError, match="not routed"):
            a.subscribe_node(woken_a, frozenset({"message.sent"}))
    finally:
        await a.close()
        await b.close()
