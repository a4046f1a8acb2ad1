"""The websocket transport, trimmed for the memory an idle socket holds.

An idle Socket.IO socket on python-socketio and uvicorn is mostly empty asyncio machinery:
two ``asyncio.Queue`` objects (three deques each, ~3 KiB a queue) and a task that
``asyncio.wait_for`` wraps around every ``queue.get()`` coroutine on Python 3.11. Neither
library offers a leaner option, so this module supplies one through the hooks they do have:
Engine.IO's ``create_queue`` and uvicorn's ``ws`` protocol class, both fed a
:class:`SocketQueue`; and the handshake's environ is emptied once it has been read.
``benchmarks/idle_connections.py`` measures the result against the bare stack.

Those hooks are internals (``AsyncServer._engineio_server_class``, ``create_queue``, uvicorn's
``WSProtocol.queue``), so python-socketio, python-engineio and uvicorn are pinned in
``requirements/constraints.txt`` and ``tests/unit/realtime/test_transport_internals.py`` checks
each one is still there and that :class:`SocketQueue` has every method they call.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, TypeVar

import engineio
import engineio.async_socket
import engineio.packet
import socketio
import socketio.packet
from uvicorn.protocols.websockets.wsproto_impl import WSProtocol

from guiders.realtime.websocket_transport import LeanWebSocket

T = TypeVar("T")


class SocketQueue(Generic[T]):
    """A FIFO with the subset of ``asyncio.Queue`` these libraries call.

    ``get()`` returns a future that a ``put`` resolves with the item itself, so
    ``asyncio.wait_for(queue.get(), t)`` awaits a future instead of wrapping a coroutine in a
    task. Getters are served in order; a getter cancelled before its hand-off is skipped, so
    nothing is handed to a future no one awaits.
    """

    __slots__ = ("_finished", "_getters", "_items", "_unfinished", "on_put")

    def __init__(self) -> None:
        self._items: list[T] = []
        self._getters: list[asyncio.Future[T]] = []
        self._unfinished = 0
        self._finished: asyncio.Future[None] | None = None
        self.on_put: Callable[[], None] | None = None
        """Called when an item is queued with no getter waiting: the websocket transport
        (``websocket_transport.Writer``) writes on demand instead of awaiting ``get``."""

    def qsize(self) -> int:
        return len(self._items)

    def empty(self) -> bool:
        return not self._items

    def put_nowait(self, item: T) -> None:
        self._unfinished += 1
        while self._getters:
            getter = self._getters.pop(0)
            if not getter.done():
                getter.set_result(item)
                return
        self._items.append(item)
        if self.on_put is not None:
            self.on_put()

    async def put(self, item: T) -> None:
        self.put_nowait(item)

    def get_nowait(self) -> T:
        if not self._items:
            raise asyncio.QueueEmpty
        return self._items.pop(0)

    def get(self) -> asyncio.Future[T]:
        getter: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        if self._items:
            getter.set_result(self._items.pop(0))
        else:
            self._getters = [g for g in self._getters if not g.done()]
            self._getters.append(getter)
        return getter

    def task_done(self) -> None:
        if self._unfinished <= 0:
            raise ValueError("task_done() called too many times")
        self._unfinished -= 1
        if self._unfinished == 0 and self._finished is not None:
            if not self._finished.done():
                self._finished.set_result(None)
            self._finished = None

    async def join(self) -> None:
        if self._unfinished == 0:
            return
        if self._finished is None:
            self._finished = asyncio.get_running_loop().create_future()
        await asyncio.shield(self._finished)


HANDSHAKE_KEPT = ("REMOTE_ADDR", "QUERY_STRING")


def release_handshake(environ: dict[str, Any]) -> None:
    """Empty the handshake's environ once the socket is authenticated.

    Engine.IO keeps the WSGI-style environ of the request that opened the socket for the
    socket's whole life: every header, the ASGI scope, and a class object its ASGI driver
    defines per request; about 5 KiB of an idle socket (benchmarks/idle_connections.py).
    Authentication is its only reader here, and python-socketio offers no option to drop it,
    so it is emptied in place.
    """
    kept = {key: environ[key] for key in HANDSHAKE_KEPT if key in environ}
    environ.clear()
    environ.update(kept)


class EngineServer(engineio.AsyncServer):  # type: ignore[misc]
    """Engine.IO's server with :class:`SocketQueue`, its pings on timers and its websocket
    transport served from the connection's own task (``realtime/websocket_transport.py``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # the driver table is the module's own dict, shared by every server: copy, then replace
        drivers: dict[str, Any] = self.__dict__["_async"]
        self._async = {**drivers, "websocket": LeanWebSocket}

    def create_queue(self, *args: Any, **kwargs: Any) -> SocketQueue[Any]:
        return SocketQueue()

    def start_background_task(self, target: Any, *args: Any, **kwargs: Any) -> Any:
        """Engine.IO starts a task per socket that sleeps ``ping_interval`` and sends a ping
        (``AsyncSocket.schedule_ping``, again after every pong): ~1.4 KiB of every idle socket
        is that sleeping task. A timer on the loop does the same for the price of a handle; a
        short-lived task sends the ping when it is due."""
        socket = getattr(target, "__self__", None)
        if getattr(target, "__name__", "") == "_send_ping" and isinstance(
            socket, engineio.async_socket.AsyncSocket
        ):
            asyncio.get_running_loop().call_later(self.ping_interval, _ping, socket)
            return None
        return super().start_background_task(target, *args, **kwargs)


_pinging: set[asyncio.Task[None]] = set()
"""Pings being sent (the loop holds tasks only weakly)."""


def _ping(socket: Any) -> None:
    """What the end of ``AsyncSocket._send_ping`` does, once its sleep is over."""
    if socket.closing or socket.closed:
        return
    socket.last_ping = time.time()
    task = asyncio.ensure_future(socket.send(engineio.packet.Packet(engineio.packet.PING)))
    _pinging.add(task)
    task.add_done_callback(_sent)


def _sent(task: asyncio.Task[None]) -> None:
    _pinging.discard(task)
    if not task.cancelled():
        task.exception()  # a socket closed meanwhile: nothing to tell anyone


class SocketServer(socketio.AsyncServer):  # type: ignore[misc]
    """python-socketio's server on :class:`EngineServer`."""

    def _engineio_server_class(self) -> type[engineio.AsyncServer]:
        return EngineServer

    async def _handle_eio_message(self, eio_sid: str, data: Any) -> None:
        """Binary packets are refused: the connection is closed at their header.

        python-socketio keeps a binary packet's attachments in memory until as many have come
        as its header announced, up to ten digits' worth, each up to the message limit, and no
        event is dispatched (so no event budget is charged) meanwhile: one visitor socket held
        94 MB of them and went on. No event of this server takes binary data (files go over
        HTTP, ``/api/v2/attachments``), so any binary frame closes the connection."""
        if not isinstance(data, str) or data[:1] in _BINARY_PACKETS:
            # a bare binary frame is no packet either (each one logged a traceback)
            await self.eio.disconnect(eio_sid)
            return
        await super()._handle_eio_message(eio_sid, data)

    async def send_to(self, sids: Iterable[str], event: str, data: Any) -> None:
        """``emit(event, data, to=sids, ignore_queue=True)`` to this node's sockets, without a
        task per recipient.

        python-socketio's emit encodes the packet once, then starts a task per recipient to
        queue it and waits for all of them (``asyncio.wait``): a ``chat:created`` to 900 sockets
        made 900 tasks, and every emit gave the loop away until they had run, so the next
        event's delivery (and the request that committed it) waited behind whatever else was
        ready. Queueing a packet on an Engine.IO socket never waits, so here it is done in turn.
        """
        pkt = self.packet_class(socketio.packet.EVENT, namespace=NAMESPACE, data=[event, data])
        encoded = pkt.encode()
        frames = [
            engineio.packet.Packet(engineio.packet.MESSAGE, part)
            for part in (encoded if isinstance(encoded, list) else [encoded])
        ]
        for sid in sids:
            eio_sid = self.manager.eio_sid_from_sid(sid, NAMESPACE)
            if eio_sid is None:  # disconnected meanwhile
                continue
            for frame in frames:
                await self.eio.send_packet(eio_sid, frame)


NAMESPACE = "/"
_BINARY_PACKETS = (str(socketio.packet.BINARY_EVENT), str(socketio.packet.BINARY_ACK))


class Flag:
    """``asyncio.Event`` as uvicorn's protocol uses it (``writable``: set, clear, wait), without
    the deque an Event allocates per instance (~0.7 KiB) for waiters it almost never has."""

    __slots__ = ("_set", "_waiters")

    def __init__(self) -> None:
        self._set = False
        self._waiters: list[asyncio.Future[bool]] | None = None

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        if self._set:
            return
        self._set = True
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(True)

    def clear(self) -> None:
        self._set = False

    async def wait(self) -> bool:
        if self._set:
            return True
        waiter: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        if self._waiters is None:
            self._waiters = []
        self._waiters.append(waiter)
        try:
            return await waiter
        finally:
            if self._waiters is not None and waiter in self._waiters:
                self._waiters.remove(waiter)


class Fifo(list[Any]):
    """wsproto's per-connection event queue (``Connection._events``: append, popleft, truth),
    as a list: an empty deque holds a 0.7 KiB block; the queue is empty but for a close."""

    __slots__ = ()

    def popleft(self) -> Any:
        return self.pop(0)


class _Opened:
    """wsproto's handshake once the websocket is open: it has no event left to give."""

    __slots__ = ()

    def events(self) -> Iterator[Any]:
        return iter(())


OPENED = _Opened()


class WebSocketProtocol(WSProtocol):
    """uvicorn's wsproto protocol with a :class:`SocketQueue` for received frames, which lets
    go of the HTTP handshake once the websocket is open.

    wsproto's ``WSConnection`` keeps its ``H11Handshake`` for the connection's life: an
    ``h11.Connection`` with its buffers and state, the upgrade request with every header, an
    event deque; after the handshake only its (empty) ``events()`` is still called. Its
    ``writable`` event and the open connection's event queue are slimmer stand-ins
    (:class:`Flag`, :class:`Fifo`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = SocketQueue()  # type: ignore[assignment]
        self.writable = Flag()  # type: ignore[assignment]
        self.writable.set()

    def start_keepalive(self) -> None:
        """Called by uvicorn right after it wrote the handshake's answer (the websocket is
        open, ``conn.connection`` set)."""
        super().start_keepalive()
        connection = self.conn.connection
        if connection is not None:
            self.conn.handshake = OPENED  # type: ignore[assignment]
            connection._events = Fifo(connection._events)  # type: ignore[assignment]
