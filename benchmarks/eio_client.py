"""A minimal Socket.IO v4 client over a raw websocket, for benchmarks that hold many sockets.

python-socketio's ``AsyncClient`` keeps an aiohttp session per socket; thousands of them would
load the measuring process more than the server being measured. This speaks just enough of the
protocol (Engine.IO 4 over websocket, root namespace): connect with ``auth``, answer pings,
emit with an ack, and time-stamp every event received.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

OnEvent = Callable[[str, Any, float], None]
"""``on_event(name, data, perf_counter_at_receipt)``."""


class RawSocket:
    def __init__(
        self,
        base: str,
        auth: dict[str, Any],
        on_event: OnEvent | None = None,
        deflate: bool = False,
    ) -> None:
        """``deflate``: offer permessage-deflate in the handshake, as browsers do."""
        self.deflate = deflate
        self.url = base.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        self.auth = auth
        self.on_event = on_event
        self.ws: ClientConnection | None = None
        self._acks: dict[int, asyncio.Future[Any]] = {}
        self._ids = itertools.count()
        self._reader: asyncio.Task[None] | None = None

    async def connect(self, within: float = 30) -> None:
        self.ws = await connect(
            self.url,
            compression="deflate" if self.deflate else None,
            ping_interval=None,
            open_timeout=within,
            max_size=None,
        )
        opened = await asyncio.wait_for(self.ws.recv(), within)
        if not str(opened).startswith("0"):
            raise ConnectionError(f"unexpected open packet {opened!r}")
        await self.ws.send("40" + json.dumps(self.auth))
        answer = str(await asyncio.wait_for(self.ws.recv(), within))
        while answer.startswith("42"):  # an event sent while the server's connect ran
            self._event(answer)
            answer = str(await asyncio.wait_for(self.ws.recv(), within))
        if not answer.startswith("40"):
            raise ConnectionError(f"refused: {answer}")
        self._reader = asyncio.create_task(self._read())

    async def call(self, event: str, data: Any, within: float = 30) -> Any:
        assert self.ws is not None
        ack_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._acks[ack_id] = future
        await self.ws.send(f"42{ack_id}" + json.dumps([event, data]))
        return await asyncio.wait_for(future, within)

    async def _read(self) -> None:
        assert self.ws is not None
        with contextlib.suppress(ConnectionClosed):
            async for raw in self.ws:
                message = str(raw)
                if message == "2":
                    await self.ws.send("3")
                elif message.startswith("42"):
                    self._event(message)
                elif message.startswith("43"):
                    digits = "".join(itertools.takewhile(str.isdigit, message[2:]))
                    payload = json.loads(message[2 + len(digits) :])
                    future = self._acks.pop(int(digits), None)
                    if future is not None and not future.done():
                        future.set_result(payload[0] if payload else None)

    def _event(self, message: str) -> None:
        at = time.perf_counter()
        name, *rest = json.loads(message[2:])
        if self.on_event is not None:
            self.on_event(name, rest[0] if rest else None, at)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()


async def connect_many(
    sockets: list[RawSocket], concurrency: int = 100, within: float = 60
) -> None:
    """Opens sockets a bounded number at a time, as a fleet of browsers arriving would."""
    gate = asyncio.Semaphore(concurrency)

    async def one(s: RawSocket) -> None:
        async with gate:
            await s.connect(within)

    await asyncio.gather(*(one(s) for s in sockets))
