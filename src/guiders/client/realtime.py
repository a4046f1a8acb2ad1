"""The Socket.IO side of the client: one socket, reconnecting, resuming from its last ``seq``.

On every (re)connect the socket joins its rooms (the tenant, then every chat it had joined),
and only then sends ``resume {lastSeq}``, so the server replays what it missed in the chats it
is in. Events that arrive while that happens are held back, then everything is delivered in
``seq`` order, each (``seq``, event name) once. Handlers run one event at a time, in order;
``last_seq`` advances after an event's handlers ran, so an event interrupted by a reconnect
is delivered again rather than lost.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

import socketio
import structlog

from guiders.domain.errors import Forbidden, Unavailable

log = structlog.get_logger(__name__)

Handler = Callable[[dict[str, Any]], Awaitable[None]]
CALL_TIMEOUT_S = 10.0
# A client-side event, after each (re)connect once rooms are rejoined and missed events queued.
READY = "client:ready"


class RealtimeConnection:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        reconnection_delay_s: float = 0.5,
        reconnection_delay_max_s: float = 5.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.company_id: str | None = None
        self.last_seq: int | None = None
        self.chats: set[str] = set()
        self._names_at_last_seq: set[str] = set()
        self.replayed = 0
        self.connects = 0
        self._handlers: dict[str, list[Handler]] = defaultdict(list)
        self._queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
        self._held: list[tuple[str, dict[str, Any]]] | None = None
        self._ready = asyncio.Event()
        self._dispatcher: asyncio.Task[None] | None = None
        self._resync_task: asyncio.Task[None] | None = None
        self._sio = socketio.AsyncClient(
            reconnection=True,
            reconnection_attempts=0,
            reconnection_delay=reconnection_delay_s,
            reconnection_delay_max=reconnection_delay_max_s,
            logger=False,
            engineio_logger=False,
        )
        self._sio.on("connect", self._on_connect)
        self._sio.on("disconnect", self._on_disconnect)
        self._sio.on("*", self._on_event)

    @property
    def connected(self) -> bool:
        return bool(self._sio.connected) and self._ready.is_set()

    def on(self, event: str, handler: Handler) -> None:
        """``handler(payload)`` for server event ``event`` (``"*"``: every event)."""
        self._handlers[event].append(handler)

    async def start(self, *, last_seq: int, company_id: str | None) -> None:
        """Connect and wait until the rooms are joined and missed events are queued."""
        self.last_seq = last_seq if self.last_seq is None else self.last_seq
        self.company_id = company_id
        if self._dispatcher is None:
            self._dispatcher = asyncio.create_task(self._dispatch(), name="guiders-dispatch")
        try:
            await self._sio.connect(
                self.base_url,
                auth={"token": self._api_key},
                transports=["websocket"],
                socketio_path="socket.io",
                wait_timeout=CALL_TIMEOUT_S,
            )
        except socketio.exceptions.ConnectionError as exc:
            raise Unavailable(f"Socket.IO connection failed: {exc}") from exc
        await asyncio.wait_for(self._ready.wait(), CALL_TIMEOUT_S * 2)

    async def close(self) -> None:
        await self._sio.disconnect()
        # engine.io keeps an aiohttp session that can outlive a dropped connection; left to
        # its __del__ it is closed on whatever loop is current then (or never): close it here.
        http = getattr(self._sio.eio, "http", None)
        if http is not None and not http.closed:
            await http.close()
        for task in (self._resync_task, self._dispatcher):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._dispatcher = None

    async def drop(self) -> None:
        """Break the transport as a network failure would (the client then reconnects)."""
        ws = getattr(self._sio.eio, "ws", None)
        if ws is not None:
            await ws.close()

    async def join_chat(self, chat_id: str) -> None:
        """Join ``chat:{id}`` now and after every reconnect."""
        self.chats.add(chat_id)
        if self._sio.connected:
            ack = await self._sio.call("chat:join", {"chatId": chat_id}, timeout=CALL_TIMEOUT_S)
            if not (isinstance(ack, dict) and ack.get("success")):
                self.chats.discard(chat_id)
                message = ack.get("message") if isinstance(ack, dict) else None
                raise Forbidden(str(message or "chat:join refused"), field="chatId")

    async def leave_chat(self, chat_id: str) -> None:
        self.chats.discard(chat_id)
        if self._sio.connected:
            await self._sio.call("chat:leave", {"chatId": chat_id}, timeout=CALL_TIMEOUT_S)

    async def typing(self, chat_id: str, on: bool, *, wait: bool = True) -> bool:
        """Ephemeral typing indicator to the chat's room; False when not delivered.
        ``wait=False`` does not wait for the server's ack (True once sent)."""
        if not self._sio.connected:
            return False
        name = "typing:start" if on else "typing:stop"
        if not wait:
            await self._sio.emit(name, {"chatId": chat_id})
            return True
        ack = await self._sio.call(name, {"chatId": chat_id}, timeout=CALL_TIMEOUT_S)
        return bool(isinstance(ack, dict) and ack.get("success"))

    # -- socket callbacks ----------------------------------------------------------------

    def _on_connect(self) -> None:
        self.connects += 1
        self._held = []
        self._resync_task = asyncio.create_task(self._resync(), name="guiders-resync")

    def _on_disconnect(self, *_: Any) -> None:
        self._ready.clear()
        log.info("guiders socket disconnected", last_seq=self.last_seq)

    def _on_event(self, name: str, data: Any = None) -> None:
        payload = data if isinstance(data, dict) else {"data": data}
        if self._held is not None and isinstance(payload.get("seq"), int):
            self._held.append((name, payload))
        else:
            self._queue.put_nowait((name, payload))

    async def _resync(self) -> None:
        try:
            if self.company_id:
                await self._sio.call(
                    "tenant:join", {"tenantId": self.company_id}, timeout=CALL_TIMEOUT_S
                )
            for chat_id in sorted(self.chats):
                ack = await self._sio.call("chat:join", {"chatId": chat_id}, timeout=CALL_TIMEOUT_S)
                if not (isinstance(ack, dict) and ack.get("success")):
                    self.chats.discard(chat_id)
            # One before the last: a seq can carry two event names, and the second may not
            # have arrived; the (seq, name) check drops what was already delivered.
            since = max((self.last_seq or 0) - bool(self._names_at_last_seq), 0)
            ack = await self._sio.call("resume", {"lastSeq": since}, timeout=CALL_TIMEOUT_S)
            if isinstance(ack, dict) and isinstance(ack.get("replayed"), int):
                self.replayed += ack["replayed"]
        except (TimeoutError, socketio.exceptions.SocketIOError) as exc:
            log.warning("guiders socket resync failed; will retry on reconnect", error=str(exc))
            return
        held, self._held = self._held or [], None
        for item in sorted(held, key=lambda e: int(e[1]["seq"])):
            self._queue.put_nowait(item)
        self._queue.put_nowait((READY, {"connects": self.connects, "replayed": self.replayed}))
        self._ready.set()
        log.info("guiders socket ready", last_seq=self.last_seq, chats=len(self.chats))

    async def _dispatch(self) -> None:
        while True:
            name, payload = await self._queue.get()
            seq = payload.get("seq")
            if isinstance(seq, int) and self._already_delivered(seq, name):
                continue
            for handler in self._handlers.get(name, ()):
                await _run(handler, payload, name)
            if self._handlers.get("*"):
                tagged = {"event": name, **payload}
                for handler in self._handlers["*"]:
                    await _run(handler, tagged, name)
            if isinstance(seq, int):
                if seq != self.last_seq:
                    self._names_at_last_seq.clear()
                self.last_seq = seq
                self._names_at_last_seq.add(name)

    def _already_delivered(self, seq: int, name: str) -> bool:
        """One log event can become two socket events with the same ``seq`` (e.g.
        ``chat:assigned`` and ``chat:commercial-assigned``): deduplicate by (seq, name)."""
        if self.last_seq is None or seq > self.last_seq:
            return False
        return seq < self.last_seq or name in self._names_at_last_seq


async def _run(handler: Handler, payload: dict[str, Any], name: str) -> None:
    """A failing handler is logged; it must not stop the events after it."""
    try:
        await handler(payload)
    except Exception:
        log.exception("guiders event handler failed", event=name, seq=payload.get("seq"))
