import asyncio
from typing import Any

import pytest
from tests.waiting import eventually, never

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


class FakeTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.written = bytearray()
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += data

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 5), "sockname": ("127.0.0.1", 80)}.get(name, default)


async def test_uvicorns_protocol_lets_go_of_the_http_handshake_once_the_websocket_is_open() -> None:
    import wsproto
    import wsproto.events
    from uvicorn.config import Config
    from uvicorn.server import ServerState

    from guiders.realtime.transport import OPENED, WebSocketProtocol

    received: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        while (message := await receive())["type"] == "websocket.receive":
            received.append(message["text"])
            await send({"type": "websocket.send", "text": message["text"].upper()})

    config = Config(app, ws="wsproto", ws_ping_interval=None, ws_per_message_deflate=False)
    protocol = WebSocketProtocol(config, ServerState(), {})
    transport = FakeTransport()
    protocol.connection_made(transport)
    client = wsproto.WSConnection(wsproto.ConnectionType.CLIENT)
    protocol.data_received(client.send(wsproto.events.Request(host="x", target="/ws")))
    await eventually(lambda: transport.written, timeout=5, what="the handshake's answer")
    client.receive_data(bytes(transport.written))
    assert isinstance(next(client.events()), wsproto.events.AcceptConnection)
    assert protocol.conn.handshake is OPENED
    transport.written.clear()
    protocol.data_received(client.send(wsproto.events.Message(data="hi")))
    await eventually(lambda: transport.written, timeout=5, what="the echo")
    client.receive_data(bytes(transport.written))
    assert [e.data for e in client.events()] == ["HI"] and received == ["hi"]
    protocol.data_received(client.send(wsproto.events.CloseConnection(code=1000)))
    protocol.connection_lost(None)


async def test_a_flag_wakes_its_waiters_when_set_and_lets_them_through_while_set() -> None:
    from guiders.realtime.transport import Flag

    flag = Flag()
    waiting = [asyncio.ensure_future(flag.wait()) for _ in range(2)]
    await asyncio.sleep(0)
    assert not any(w.done() for w in waiting)
    flag.set()
    assert await asyncio.gather(*waiting) == [True, True]
    assert await flag.wait() and flag.is_set()
    flag.clear()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(flag.wait(), 0.01)
    assert flag._waiters == [], "a waiter that gave up is not kept"


def test_a_fifo_gives_items_back_in_order() -> None:
    from guiders.realtime.transport import Fifo

    fifo = Fifo([1])
    fifo.append(2)
    assert fifo and fifo.popleft() == 1 and fifo.popleft() == 2 and not fifo
