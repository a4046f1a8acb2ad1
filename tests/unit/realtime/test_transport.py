import asyncio

import pytest
from tests.waiting import never

from guiders.realtime.transport import SocketQueue, release_handshake


async def test_items_come_out_in_order_whether_put_before_or_after_the_get() -> None:
    queue: SocketQueue[int] = SocketQueue()
    queue.put_nowait(1)
    waiting = queue.get()
    assert await waiting == 1
    later = queue.get()
    assert not later.done()
    await queue.put(2)
    queue.put_nowait(3)
    assert await later == 2
    assert queue.get_nowait() == 3
    with pytest.raises(asyncio.QueueEmpty):
        queue.get_nowait()


async def test_a_get_that_timed_out_does_not_swallow_the_next_item() -> None:
    queue: SocketQueue[str] = SocketQueue()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(queue.get(), 0.01)
    queue.put_nowait("kept")
    assert queue.qsize() == 1
    assert await asyncio.wait_for(queue.get(), 1) == "kept"


async def test_getters_are_served_in_the_order_they_asked() -> None:
    queue: SocketQueue[str] = SocketQueue()
    first, second = queue.get(), queue.get()
    queue.put_nowait("a")
    queue.put_nowait("b")
    assert (await first, await second) == ("a", "b")
    assert queue.empty()


async def test_join_waits_until_every_item_is_marked_done() -> None:
    queue: SocketQueue[int] = SocketQueue()
    await queue.join()
    queue.put_nowait(1)
    queue.put_nowait(2)
    joined = asyncio.ensure_future(queue.join())
    queue.get_nowait()
    queue.task_done()
    # a wrong wake-up resolves the join within a turn or two of the loop: 50 ms is hundreds
    await never(joined.done, window=0.05, what="join() returning with an item not yet done")
    queue.get_nowait()
    queue.task_done()
    await asyncio.wait_for(joined, 1)
    with pytest.raises(ValueError):
        queue.task_done()


def test_the_handshake_environ_keeps_only_the_client_address_and_query() -> None:
    environ = {
        "REMOTE_ADDR": "203.0.113.7",
        "QUERY_STRING": "EIO=4&transport=websocket",
        "HTTP_COOKIE": "x-guiders-sid=secret",
        "asgi.scope": {"headers": []},
    }
    release_handshake(environ)
    assert environ == {"REMOTE_ADDR": "203.0.113.7", "QUERY_STRING": "EIO=4&transport=websocket"}
