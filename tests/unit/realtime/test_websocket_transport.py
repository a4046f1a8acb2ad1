"""Engine.IO's websocket transport served from the connection's task (realtime/websocket_transport):
the protocol a Socket.IO client sees is Engine.IO's, and an idle socket holds no task of its own.
The real clients (socket.io-client in Node, python-socketio, the widget in chromium) are checked
end to end by tests/e2e; these drive python-socketio's ASGI app with an in-memory websocket."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import engineio
import socketio
from tests.waiting import eventually

from guiders.realtime.transport import SocketQueue, SocketServer
from guiders.realtime.websocket_transport import LeanWebSocket


class Wire:
    """An ASGI websocket whose other end is this test."""

    def __init__(self, path: str = "/socket.io/", query: str = "EIO=4&transport=websocket"):
        self.scope = {
            "type": "websocket",
            "path": path,
            "query_string": query.encode(),
            "headers": [(b"upgrade", b"websocket"), (b"connection", b"Upgrade")],
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
        }
        self.incoming: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.sent: list[dict[str, Any]] = []
        self.incoming.put_nowait({"type": "websocket.connect"})

    async def receive(self) -> dict[str, Any]:
        return await self.incoming.get()

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    def client_sends(self, text: str) -> None:
        self.incoming.put_nowait({"type": "websocket.receive", "text": text})

    def texts(self) -> list[str]:
        return [m["text"] for m in self.sent if m["type"] == "websocket.send"]


def server(**kwargs: Any) -> tuple[SocketServer, socketio.ASGIApp]:
    sio = SocketServer(async_mode="asgi", **kwargs)
    return sio, socketio.ASGIApp(sio, socketio_path="socket.io")


def test_engineio_builds_its_websocket_driver_from_our_class_without_changing_the_module() -> None:
    sio, _ = server()
    assert sio.eio._async["websocket"] is LeanWebSocket
    plain = engineio.AsyncServer(async_mode="asgi")
    assert plain._async["websocket"] is not LeanWebSocket


async def test_a_socketio_session_over_the_websocket_and_no_task_while_idle() -> None:
    sio, app = server()
    got: list[Any] = []

    @sio.on("hello")  # type: ignore[untyped-decorator]
    async def hello(sid: str, data: Any) -> dict[str, Any]:
        got.append(data)
        await sio.emit("news", {"n": 1}, to=sid)
        return {"ok": True}

    wire = Wire()
    served = asyncio.ensure_future(app(wire.scope, wire.receive, wire.send))
    await eventually(lambda: len(wire.texts()) >= 1, timeout=5, what="the OPEN packet")
    assert wire.sent[0] == {"type": "websocket.accept"}
    assert wire.texts()[0].startswith("0{") and '"upgrades":[]' in wire.texts()[0]
    wire.client_sends("40")
    await eventually(
        lambda: any(t.startswith("40{") for t in wire.texts()), timeout=5, what="connected"
    )
    wire.client_sends('421["hello",{"a":1}]')
    await eventually(
        lambda: any(t.startswith("431") for t in wire.texts()), timeout=5, what="the ack"
    )
    texts = wire.texts()
    assert texts.index('42["news",{"n":1}]') < texts.index('431[{"ok":true}]')
    assert got == [{"a": 1}]
    # idle: a second socket adds its request's task and nothing else (Engine.IO's own handler
    # keeps a writer task and a task around each read besides)
    before = asyncio.all_tasks()
    other = Wire()
    served_other = asyncio.ensure_future(app(other.scope, other.receive, other.send))
    other.client_sends("40")
    await eventually(lambda: any(t.startswith("40{") for t in other.texts()), timeout=5, what="2")
    await eventually(
        lambda: asyncio.all_tasks() - before == {served_other}, timeout=5, what="one task more"
    )
    other.incoming.put_nowait({"type": "websocket.disconnect", "code": 1000})
    await asyncio.wait_for(served_other, 5)
    (sid,) = sio.eio.sockets
    socket = sio.eio.sockets[sid]
    assert isinstance(socket.queue, SocketQueue) and socket.queue.on_put is not None
    assert not served.done()
    wire.incoming.put_nowait({"type": "websocket.disconnect", "code": 1000})
    await asyncio.wait_for(served, 5)
    assert sid not in sio.eio.sockets
    assert wire.sent[-1] == {"type": "websocket.close"}


async def test_a_client_that_sends_nothing_for_ping_interval_plus_timeout_is_dropped() -> None:
    sio, app = server(ping_interval=0.05, ping_timeout=0.05)
    wire = Wire()
    served = asyncio.ensure_future(app(wire.scope, wire.receive, wire.send))
    await eventually(lambda: len(wire.texts()) >= 1, timeout=5, what="the OPEN packet")
    await asyncio.wait_for(served, 5)  # no PONG ever: closed by the read deadline
    assert not sio.eio.sockets
    assert "2" in wire.texts(), "the server pinged before giving up"
    assert wire.sent[-1] == {"type": "websocket.close"}


async def test_pongs_keep_a_socket_open_past_its_read_deadline() -> None:
    sio, app = server(ping_interval=0.05, ping_timeout=0.1)
    wire = Wire()
    served = asyncio.ensure_future(app(wire.scope, wire.receive, wire.send))
    answered = 0

    async def pong() -> None:
        nonlocal answered
        while True:
            while answered < wire.texts().count("2"):
                answered += 1
                wire.client_sends("3")
            await asyncio.sleep(0.01)

    ponging = asyncio.ensure_future(pong())
    await eventually(lambda: answered >= 6, timeout=10, what="six pings answered")
    assert not served.done() and len(sio.eio.sockets) == 1
    ponging.cancel()
    wire.incoming.put_nowait({"type": "websocket.disconnect", "code": 1000})
    await asyncio.wait_for(served, 5)


async def test_a_frame_larger_than_the_limit_closes_the_socket() -> None:
    sio, app = server(max_http_buffer_size=100)
    wire = Wire()
    served = asyncio.ensure_future(app(wire.scope, wire.receive, wire.send))
    await eventually(lambda: len(wire.texts()) >= 1, timeout=5, what="the OPEN packet")
    wire.client_sends("42" + json.dumps(["x", "y" * 200]))
    await asyncio.wait_for(served, 5)
    assert not sio.eio.sockets


async def test_the_server_disconnecting_a_socket_sends_engineios_close_packet() -> None:
    sio, app = server()
    wire = Wire()
    served = asyncio.ensure_future(app(wire.scope, wire.receive, wire.send))
    wire.client_sends("40")
    await eventually(
        lambda: any(t.startswith("40{") for t in wire.texts()), timeout=5, what="connected"
    )
    sid = next(iter(sio.eio.sockets))
    await sio.eio.disconnect(sid)
    # Engine.IO's CLOSE packet; the client closes the websocket on it, as with Engine.IO's own
    await eventually(lambda: "1" in wire.texts(), timeout=5, what="the CLOSE packet")
    assert sid not in sio.eio.sockets
    wire.incoming.put_nowait({"type": "websocket.disconnect", "code": 1000})
    await asyncio.wait_for(served, 5)


async def test_an_upgrade_from_long_polling_follows_engineios_probe() -> None:
    sio, app = server()
    opened: list[dict[str, Any]] = []

    async def http(query: str, body: bytes = b"", method: str = "GET") -> str:
        sent: list[dict[str, Any]] = []
        events = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive() -> dict[str, Any]:
            return events.pop(0) if events else {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "method": method,
            "path": "/socket.io/",
            "query_string": query.encode(),
            "headers": [],
        }
        await app(scope, receive, send)
        return b"".join(m.get("body", b"") for m in sent).decode()

    handshake = await http("EIO=4&transport=polling")
    opened.append(json.loads(handshake[1:]))
    sid = opened[0]["sid"]
    assert opened[0]["upgrades"] == ["websocket"]
    wire = Wire(query=f"EIO=4&transport=websocket&sid={sid}")
    polling = asyncio.ensure_future(http(f"EIO=4&transport=polling&sid={sid}"))
    served = asyncio.ensure_future(app(wire.scope, wire.receive, wire.send))
    wire.client_sends("2probe")
    await eventually(lambda: "3probe" in wire.texts(), timeout=5, what="the probe answered")
    assert await asyncio.wait_for(polling, 5) == "6"  # the pending poll ends with a NOOP
    wire.client_sends("5")
    wire.client_sends("40")
    await eventually(
        lambda: any(t.startswith("40{") for t in wire.texts()), timeout=5, what="connected"
    )
    assert sio.eio.sockets[sid].upgraded
    wire.incoming.put_nowait({"type": "websocket.disconnect", "code": 1000})
    await asyncio.wait_for(served, 5)


async def test_send_to_queues_the_same_frame_as_emit_on_each_socket_it_names() -> None:
    sio, app = server()
    wires = [Wire() for _ in range(3)]
    served = [asyncio.ensure_future(app(w.scope, w.receive, w.send)) for w in wires]
    sids = []
    for wire in wires:
        wire.client_sends("40")
        opened = await eventually(
            lambda w=wire: [t for t in w.texts() if t.startswith("40{")], timeout=5, what="40"
        )
        sids.append(json.loads(opened[0][2:])["sid"])
    payload = {"chatId": "c", "content": "é\u2028", "n": [1, None]}
    await sio.emit("message:new", payload, to=sids[0])
    await sio.send_to([sids[1], "gone", sids[2]], "message:new", payload)
    await eventually(lambda: all(len(w.texts()) == 3 for w in wires), timeout=5, what="sent")
    assert wires[0].texts()[-1] == wires[1].texts()[-1] == wires[2].texts()[-1]
    assert wires[1].texts()[-1].startswith('42["message:new",')
    for wire in wires:
        wire.incoming.put_nowait({"type": "websocket.disconnect", "code": 1000})
    await asyncio.wait_for(asyncio.gather(*served), 5)
