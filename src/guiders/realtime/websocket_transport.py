"""Engine.IO's websocket transport, served from the connection's own task.

python-engineio serves a websocket with three tasks per socket: the ASGI request's task runs
``AsyncSocket._websocket_handler``, which starts a writer task that waits on the socket's send
queue for good, and wraps every read of a frame in a new task (``ensure_future(websocket_wait())``
under ``asyncio.wait_for``). An idle socket therefore holds two tasks beyond its request's, each
with its coroutine frames and ``wait_for``'s timer (``benchmarks/idle_connections.py``).

:class:`LeanWebSocket` replaces the driver class Engine.IO builds for that transport
(``server._async["websocket"]``, given the socket's bound ``_websocket_handler``) and runs the
same protocol in the request's task alone:

- reading: the request's task awaits the next frame itself, under an ``asyncio.timeout`` of
  ``ping_interval + ping_timeout`` (what ``wait_for`` bounded), so no task is made per frame;
- writing: nothing waits on the send queue. The queue (a :class:`~.transport.SocketQueue`)
  calls back on ``put``, and a short-lived task writes what is queued, in order, then ends.
  One flush runs at a time per socket, so frames keep their order;
- the upgrade from long-polling (probe, ``UPGRADE``) and the end of a socket (a ``None`` in the
  queue closes the websocket; a closed websocket closes the socket) are Engine.IO's, step for
  step. ``tests/unit/realtime/test_transport_internals.py`` pins the code this mirrors.

Neither library has an option for this (``_websocket_handler`` is one method, not a hook), hence
this module; it is small and python-engineio is pinned in ``requirements/constraints.txt``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import engineio.packet
from engineio import exceptions

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class LeanWebSocket:
    """The ``websocket`` entry of Engine.IO's async driver table (``async_drivers.asgi``)."""

    __slots__ = ("socket",)

    def __init__(self, handler: Any, server: Any) -> None:
        self.socket = handler.__self__

    async def __call__(self, environ: dict[str, Any]) -> str:
        receive: Receive = environ["asgi.receive"]
        send: Send = environ["asgi.send"]
        await send({"type": "websocket.accept"})
        await serve(self.socket, receive, send)
        return ""  # Engine.IO's driver answers nothing more either


class Writer:
    """Writes what the socket's send queue holds, from a task that lives only while it does."""

    __slots__ = ("closed", "flushing", "queue", "send")

    def __init__(self, queue: Any, send: Send) -> None:
        self.queue = queue
        self.send = send
        self.flushing: asyncio.Task[None] | None = None
        self.closed = False

    def wake(self) -> None:
        if self.flushing is None and not self.closed:
            self.flushing = asyncio.get_running_loop().create_task(self.flush())

    async def flush(self) -> None:
        try:
            while not self.closed:
                try:
                    pkt = self.queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                self.queue.task_done()
                if pkt is None:  # Engine.IO's way to end the socket's writer
                    break
                try:
                    await self.send(_frame(pkt.encode()))
                except Exception:
                    break
            await self.close()
        finally:
            self.flushing = None

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(Exception):  # as Engine.IO's driver: already closed is fine
            await self.send({"type": "websocket.close"})

    async def finish(self) -> None:
        """Write what is still queued before the socket closes (Engine.IO joins its writer)."""
        self.queue.put_nowait(None)
        while self.flushing is not None:
            await asyncio.shield(self.flushing)


def _frame(message: str | bytes) -> dict[str, Any]:
    if isinstance(message, bytes):
        return {"type": "websocket.send", "bytes": message, "text": None}
    return {"type": "websocket.send", "bytes": None, "text": message}


async def _wait(socket: Any, receive: Receive) -> str | bytes:
    """The next frame's data; ``OSError`` once the websocket is gone (Engine.IO's ``wait``)."""
    event = await receive()
    if event["type"] != "websocket.receive":
        raise OSError
    data: str | bytes | None = event.get("bytes")
    if data is None:
        data = event.get("text")
    if data is None:
        raise OSError
    if len(data) > socket.server.max_http_buffer_size:
        raise ValueError("packet is too large")
    return data


async def _upgrade(socket: Any, receive: Receive, send: Send) -> bool:
    """Engine.IO's upgrade from long-polling: a ``probe`` PING, then ``UPGRADE``."""
    socket.upgrading = True  # hold packet sends during the upgrade
    try:
        probe = engineio.packet.Packet(encoded_packet=await _wait(socket, receive))
    except OSError:
        return False
    if probe.packet_type != engineio.packet.PING or probe.data != "probe":
        socket.upgrading = False
        return False
    await send(_frame(engineio.packet.Packet(engineio.packet.PONG, data="probe").encode()))
    await socket.queue.put(engineio.packet.Packet(engineio.packet.NOOP))  # ends the poll
    try:
        upgrade = engineio.packet.Packet(encoded_packet=await _wait(socket, receive))
    except OSError:
        socket.upgrading = False
        return False
    if upgrade.packet_type != engineio.packet.UPGRADE:
        socket.upgraded = False
        socket.upgrading = False
        return False
    socket.upgraded = True
    socket.upgrading = False
    return True


async def serve(socket: Any, receive: Receive, send: Send) -> None:
    """``AsyncSocket._websocket_handler`` with no task of its own while the socket is idle."""
    if socket.connected:
        if not await _upgrade(socket, receive, send):
            return
    else:
        socket.connected = True
        socket.upgraded = True
    writer = Writer(socket.queue, send)
    socket.queue.on_put = writer.wake
    writer.wake()  # what was queued before (the OPEN packet of a new socket)
    server = socket.server
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(None) as deadline:
            while True:
                deadline.reschedule(loop.time() + server.ping_interval + server.ping_timeout)
                data = await _wait(socket, receive)
                deadline.reschedule(None)
                try:
                    await socket.receive(engineio.packet.Packet(encoded_packet=data))
                except exceptions.UnknownPacketError:
                    pass
                except exceptions.SocketIsClosedError:
                    break
                except Exception:
                    server.logger.exception("Unknown receive error")
                if socket.closed:
                    break  # closed by the server (a refusal): the websocket goes too
    except (Exception, asyncio.CancelledError):
        pass  # a timeout, a closed websocket, a frame too large: Engine.IO ends the socket alike
    await writer.finish()
    socket.queue.on_put = None
    await socket.close(wait=False, abort=True, reason=server.reason.TRANSPORT_CLOSE)
