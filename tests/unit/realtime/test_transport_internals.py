"""What ``realtime/transport.py`` relies on inside python-engineio, python-socketio and uvicorn
(pinned in requirements/constraints.txt). Public API offers no leaner queue, so the transport
uses three hooks; an upgrade that moves any of them fails here, loudly, instead of quietly
giving every idle socket back the memory ``benchmarks/idle_connections.py`` measures."""

from __future__ import annotations

import asyncio
import inspect
import re

import engineio
import engineio.async_drivers.asgi
import engineio.async_socket
import engineio.base_socket
import engineio.packet
import socketio
import socketio.async_server
import socketio.base_manager
import socketio.base_server
from tests.waiting import eventually, never
from uvicorn.protocols.websockets import wsproto_impl

from guiders.realtime.transport import EngineServer, SocketQueue, SocketServer, WebSocketProtocol


def queue_calls(source: str) -> set[str]:
    """The methods a library calls on ``self.queue``."""
    return set(re.findall(r"self\.queue\.(\w+)\(", source))


def test_python_socketio_builds_its_engine_through_the_overridable_class_hook() -> None:
    assert "self._engineio_server_class()(" in inspect.getsource(socketio.base_server)
    server = SocketServer(async_mode="asgi")
    assert isinstance(server.eio, EngineServer)


def test_python_socketio_dispatches_engineio_messages_through_the_method_we_override() -> None:
    """``SocketServer._handle_eio_message`` refuses binary packets before the library keeps
    their attachments (docs/security.md, section 3)."""
    source = inspect.getsource(socketio.async_server.AsyncServer)
    assert "async def _handle_eio_message(self, eio_sid, data):" in source
    assert "self.eio.on('message', self._handle_eio_message)" in inspect.getsource(
        socketio.base_server
    )
    assert "_handle_eio_message" in SocketServer.__dict__


def test_engineio_sockets_take_their_queue_from_the_servers_create_queue() -> None:
    assert "self.queue = self.server.create_queue()" in inspect.getsource(engineio.base_socket)
    assert issubclass(EngineServer, engineio.AsyncServer)
    socket = engineio.async_socket.AsyncSocket(EngineServer(async_mode="asgi"), "sid")
    assert isinstance(socket.queue, SocketQueue)


def test_socket_queue_has_every_method_engineio_and_uvicorn_call() -> None:
    called = queue_calls(inspect.getsource(engineio.async_socket)) | queue_calls(
        inspect.getsource(wsproto_impl.WSProtocol)
    )
    assert called >= {"get", "put", "put_nowait", "get_nowait", "task_done", "join", "empty"}
    missing = {name for name in called if not callable(getattr(SocketQueue, name, None))}
    assert not missing, f"SocketQueue lacks {missing}: re-check realtime/transport.py"


def test_uvicorn_reads_received_frames_from_the_queue_attribute_we_replace() -> None:
    source = inspect.getsource(wsproto_impl.WSProtocol)
    assert "self.queue: asyncio.Queue" in source and "await self.queue.get()" in source
    assert issubclass(WebSocketProtocol, wsproto_impl.WSProtocol)


def test_engineio_schedules_its_pings_through_start_background_task() -> None:
    """``EngineServer.start_background_task`` recognises the ping task by this call and
    replays the end of ``_send_ping`` (sleep ``ping_interval``, then a PING if still open)."""
    schedule = inspect.getsource(engineio.async_socket.AsyncSocket.schedule_ping)
    assert "self.server.start_background_task(self._send_ping)" in schedule
    ping = inspect.getsource(engineio.async_socket.AsyncSocket._send_ping)
    assert "await asyncio.sleep(self.server.ping_interval)" in ping
    assert "if not self.closing and not self.closed:" in ping
    assert "self.last_ping = time.time()" in ping
    assert "await self.send(packet.Packet(packet.PING))" in ping


async def test_a_scheduled_ping_is_a_timer_not_a_sleeping_task() -> None:
    server = EngineServer(async_mode="asgi", ping_interval=0.05)
    socket = engineio.async_socket.AsyncSocket(server, "sid")
    tasks = len(asyncio.all_tasks())
    socket.schedule_ping()  # as on connect: last_ping is set by the socket's constructor
    assert len(asyncio.all_tasks()) == tasks, "a task per idle socket sleeps until its ping"
    assert socket.last_ping is None
    await eventually(lambda: not socket.queue.empty(), timeout=5, what="a ping sent")
    sent = socket.queue.get_nowait()
    assert sent.packet_type == engineio.packet.PING and socket.last_ping is not None


async def test_no_ping_goes_to_a_socket_closed_before_it_was_due() -> None:
    server = EngineServer(async_mode="asgi", ping_interval=0.01)
    socket = engineio.async_socket.AsyncSocket(server, "sid")
    socket.schedule_ping()
    socket.closed = True
    await never(
        lambda: not socket.queue.empty() or socket.last_ping is not None,
        window=0.1,  # ten ping intervals
        what="a ping to a closed socket",
    )


def flat(source: str) -> str:
    return " ".join(source.split())


def test_engineio_serves_websockets_through_its_driver_table_with_the_handler_we_mirror() -> None:
    """``websocket_transport.LeanWebSocket`` takes the place of the driver class and runs
    ``serve`` instead of the bound ``_websocket_handler``; these are the steps it repeats."""
    upgrade = flat(inspect.getsource(engineio.async_socket.AsyncSocket._upgrade_websocket))
    assert "ws = self.server._async['websocket']( self._websocket_handler, self.server)" in upgrade
    assert "return await ws(environ)" in upgrade
    handler = flat(inspect.getsource(engineio.async_socket.AsyncSocket._websocket_handler))
    for step in (
        "if data and len(data) > self.server.max_http_buffer_size:",
        "self.upgrading = True",
        "decoded_pkt.packet_type != packet.PING or \\ decoded_pkt.data != 'probe'",
        "await ws.send(packet.Packet(packet.PONG, data='probe').encode())",
        "await self.queue.put(packet.Packet(packet.NOOP)) # end poll",
        "if decoded_pkt.packet_type != packet.UPGRADE:",
        "else: self.connected = True self.upgraded = True",
        "self.server.ping_interval + self.server.ping_timeout)",
        "await self.receive(pkt)",
        "except exceptions.SocketIsClosedError:",
        "await self.queue.put(None) # unlock the writer task so it can exit",
        "await self.close(wait=False, abort=True, reason=self.server.reason.TRANSPORT_CLOSE)",
    ):
        assert step in handler, step
    poll = flat(inspect.getsource(engineio.async_socket.AsyncSocket.poll))
    assert "if pkt is None:" in poll and "self.queue.task_done()" in poll
    asgi = flat(inspect.getsource(engineio.async_drivers.asgi.WebSocket))
    assert "await self.asgi_send({'type': 'websocket.accept'})" in asgi
    assert "if event['type'] != 'websocket.receive':" in asgi


def test_wsproto_reads_its_handshake_only_for_events_once_the_connection_is_open() -> None:
    """``WebSocketProtocol.start_keepalive`` swaps wsproto's handshake for an empty one."""
    import wsproto

    source = flat(inspect.getsource(wsproto.WSConnection))
    assert "yield from self.handshake.events()" in source
    # events(); state, and send and receive_data (two each), only while connection is None;
    # initiate_upgrade_connection (clients only)
    assert source.count("self.handshake.") == 7
    for method in ("receive_data", "send", "state"):
        body = flat(
            inspect.getsource(
                getattr(wsproto.WSConnection, method).fget
                if method == "state"
                else getattr(wsproto.WSConnection, method)
            )
        )
        assert "if self.connection is None:" in body, method
    accept = flat(inspect.getsource(wsproto_impl.WSProtocol.send))
    assert "self.transport.write(output) self.start_keepalive()" in accept


def test_python_socketio_emits_to_local_sockets_as_send_to_does() -> None:
    """``SocketServer.send_to`` repeats what ``AsyncManager.emit`` does for each recipient,
    without its task per recipient."""
    import socketio.async_manager

    emit = flat(inspect.getsource(socketio.async_manager.AsyncManager.emit))
    assert (
        "pkt = self.server.packet_class( packet.EVENT, namespace=namespace, data=[event] + data)"
        in emit
    )
    assert "eio_pkt = [eio_packet.Packet(eio_packet.MESSAGE, p) for p in encoded_packet]" in emit
    assert "self.server._send_eio_packet(eio_sid, p)" in emit
    send = flat(inspect.getsource(socketio.AsyncServer._send_eio_packet))
    assert "await self.eio.send_packet(eio_sid, eio_pkt)" in send
    assert "return self.rooms[namespace][None].get(sid)" in flat(
        inspect.getsource(socketio.base_manager.BaseManager.eio_sid_from_sid)
    )


def test_uvicorn_and_wsproto_use_only_what_flag_and_fifo_offer() -> None:
    """``WebSocketProtocol`` swaps uvicorn's ``writable`` Event for a ``Flag`` and wsproto's
    ``Connection._events`` deque for a ``Fifo``."""
    import wsproto.connection

    from guiders.realtime.transport import Fifo, Flag

    source = inspect.getsource(wsproto_impl.WSProtocol)
    assert set(re.findall(r"self\.writable\.(\w+)", source)) <= {"set", "clear", "wait", "is_set"}
    assert all(callable(getattr(Flag, name)) for name in ("set", "clear", "wait", "is_set"))
    connection = inspect.getsource(wsproto.connection.Connection)
    assert set(re.findall(r"self\._events\.(\w+)", connection)) == {"append", "popleft"}
    assert "while self._events:" in connection
    assert callable(Fifo.popleft)
