"""Floods over Socket.IO against a real ``guiders up``: what one visitor session may hold and
send once its socket is open (``realtime/socket_limits.py``).

Before: 500 ``chat:join`` with made-up chat ids were 500 database look-ups, alternating
``typing:start``/``typing:stop`` was relayed every time, and one session id opened any number
of sockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import socketio
import websockets

from guiders.realtime.socket_limits import (
    SOCKETS_PER_VISITOR,
    VISITOR_BURST,
    VISITOR_PER_SECOND,
)
from tests.e2e.server import ServerProcess
from tests.waiting import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("sockflood"))
    proc.start(timeout=180)  # a shared, loaded machine starts it slowly
    yield proc
    proc.stop()


@pytest.fixture
async def http(server: ServerProcess) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.base, timeout=10) as client:
        yield client


async def identify(http: httpx.AsyncClient, server: ServerProcess, fp: str) -> dict[str, Any]:
    r = await http.post(
        "/api/visitors/identify",
        json={
            "fingerprint": fp,
            "domain": "localhost",
            "apiKey": server.credentials()["siteKey"],
            "hasAcceptedPrivacyPolicy": True,
        },
    )
    assert r.status_code in (200, 201), r.text
    body: dict[str, Any] = r.json()
    return body


class Refused(Exception):
    """The handshake was refused with this ``connect_error`` payload."""


async def connect(server: ServerProcess, auth: dict[str, Any]) -> socketio.AsyncClient:
    sio = socketio.AsyncClient(reconnection=False)
    errors: list[Any] = []
    sio.on("connect_error", errors.append)
    try:
        await sio.connect(server.base, auth=auth, transports=["websocket"], wait_timeout=10)
    except socketio.exceptions.ConnectionError as exc:
        raise Refused(errors[0] if errors else None) from exc
    return sio


async def test_a_visitor_socket_flooding_events_is_refused_past_its_budget(
    server: ServerProcess, http: httpx.AsyncClient
) -> None:
    v = await identify(http, server, "flood-events")
    chat = await http.post("/api/v2/chats", json={}, headers={"X-Guiders-Sid": v["sessionId"]})
    sio = await connect(server, {"sessionId": v["sessionId"]})
    try:
        started = time.monotonic()
        acks = await asyncio.gather(
            *[sio.call("chat:join", {"chatId": str(uuid.uuid4())}, timeout=30) for _ in range(300)]
        )
        elapsed = time.monotonic() - started
        looked_up = [a for a in acks if a.get("message") == "Chat not found"]
        refused = [a for a in acks if a.get("error") == "rate_limited"]
        assert len(looked_up) + len(refused) == 300
        assert len(looked_up) <= VISITOR_BURST + VISITOR_PER_SECOND * elapsed + 1
        assert refused[0] == {
            "success": False,
            "message": "Too many events; slow down",
            "error": "rate_limited",
        }
        # alternating typing states (each a relay before) is metered the same way
        flips = await asyncio.gather(
            *[
                sio.call("typing:start" if i % 2 else "typing:stop", {"chatId": "x"}, timeout=30)
                for i in range(100)
            ]
        )
        assert sum(a.get("error") == "rate_limited" for a in flips) >= 50
        # the budget refills: the visitor's own chat can be joined again
        own = {"chatId": chat.json()["chatId"]}
        await eventually(
            lambda: _joined(sio, own), timeout=30, what="the budget refilled for a real join"
        )
    finally:
        await sio.disconnect()


async def _joined(sio: socketio.AsyncClient, data: dict[str, str]) -> bool:
    ack = await sio.call("chat:join", data, timeout=10)
    return bool(ack.get("success"))


async def test_staff_sockets_keep_a_large_budget(
    server: ServerProcess, http: httpx.AsyncClient
) -> None:
    key = server.credentials()["integrationKey"]
    sio = await connect(server, {"token": key})
    try:
        acks = await asyncio.gather(
            *[sio.call("chat:join", {"chatId": str(uuid.uuid4())}, timeout=30) for _ in range(300)]
        )
        assert {a.get("message") for a in acks} == {"Chat not found"}
    finally:
        await sio.disconnect()


async def test_one_visitor_session_opens_a_bounded_number_of_sockets(
    server: ServerProcess, http: httpx.AsyncClient
) -> None:
    v = await identify(http, server, "flood-sockets")
    auth = {"sessionId": v["sessionId"]}
    open_ = [await connect(server, auth) for _ in range(SOCKETS_PER_VISITOR)]
    try:
        with pytest.raises(Refused) as refused:
            await connect(server, auth)
        message = "Too many open sockets for this visitor"
        assert refused.value.args[0] == {
            "message": message,
            "data": {"error": "rate_limited", "message": message},
        }
        # another visitor is not affected
        other = await identify(http, server, "flood-sockets-other")
        await (await connect(server, {"sessionId": other["sessionId"]})).disconnect()
        # a closed socket frees its place (the server sees the close shortly after)
        await open_.pop().disconnect()
        open_.append(await eventually(lambda: _connected(server, auth), timeout=30))
    finally:
        for sio in open_:
            await sio.disconnect()


async def _connected(server: ServerProcess, auth: dict[str, Any]) -> socketio.AsyncClient | None:
    try:
        return await connect(server, auth)
    except Refused:
        return None


async def test_a_refused_handshake_says_why(server: ServerProcess) -> None:
    """The SDK's ``connect_error`` carries the JSON error (it read "Connection refused by
    server" whatever the reason: Python's ConnectionRefusedError was raised, not Socket.IO's)."""
    with pytest.raises(Refused) as refused:
        await connect(server, {})
    assert refused.value.args[0] == {
        "message": "No credential in the handshake: send auth {token}",
        "data": {
            "error": "unauthorized",
            "message": "No credential in the handshake: send auth {token}",
        },
    }


async def test_a_binary_packet_closes_the_socket_before_its_attachments_pile_up(
    server: ServerProcess, http: httpx.AsyncClient
) -> None:
    """A binary event announcing 9,999,999,999 attachments: python-socketio kept every
    attachment frame sent after it (94 MB for one visitor socket, and on) without dispatching
    an event, so no budget was charged. No event here takes binary data: the header closes the
    connection."""
    v = await identify(http, server, "flood-binary")
    url = server.base.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
    async with websockets.connect(url, origin="http://localhost") as ws:
        assert str(await ws.recv()).startswith("0")
        await ws.send("40" + json.dumps({"sessionId": v["sessionId"]}))
        assert str(await ws.recv()).startswith("40{")
        await ws.send("459999999999-" + json.dumps(["ping", {"_placeholder": True, "num": 0}]))
        with contextlib.suppress(websockets.ConnectionClosed):
            for _ in range(20):
                await ws.send(b"\0" * 100_000)
        await asyncio.wait_for(ws.wait_closed(), timeout=15)
    # an ordinary socket of the same visitor still connects
    sio = await connect(server, {"sessionId": v["sessionId"]})
    await sio.disconnect()
