"""Socket.IO over a real server process: delivery, room authorisation and resume."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import httpx
import pytest
import socketio

from guiders.domain.company import StaffRole
from guiders.secret_file import JWT_SECRET_FILE
from guiders.services.access import Principal, PrincipalKind
from guiders.services.credentials import TokenService
from tests.e2e.server import ServerProcess
from tests.waiting import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    proc = ServerProcess(tmp_path_factory.mktemp("rt"))
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture
async def http(server: ServerProcess) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.base, timeout=10) as client:
        yield client


class Recorder:
    """A socket.io client that keeps what it receives."""

    def __init__(self) -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events: list[tuple[str, dict[str, Any]]] = []

        @self.sio.on("*")
        async def _any(name: str, data: dict[str, Any]) -> None:
            self.events.append((name, data))

    def named(self, name: str) -> list[dict[str, Any]]:
        return [d for n, d in self.events if n == name]

    async def wait_for(self, name: str, count: int = 1, within: float = 10) -> list[Any]:
        await eventually(
            lambda: len(self.named(name)) >= count, timeout=within, what=f"{count} {name}"
        )
        return self.named(name)


async def register(http: httpx.AsyncClient, server: ServerProcess, fp: str) -> dict[str, Any]:
    creds = server.credentials()
    r = await http.post(
        "/api/auth/visitor/register",
        json={"apiKey": creds["siteKey"], "domain": "localhost", "fingerprint": fp},
    )
    body: dict[str, Any] = r.json()
    return body


async def test_visitor_and_agent_see_each_others_messages(
    server: ServerProcess, http: httpx.AsyncClient
) -> None:
    creds = server.credentials()
    visitor = await register(http, server, "rt-1")
    vh = {"authorization": f"Bearer {visitor['accessToken']}"}
    agent_login = (
        await http.post(
            "/api/user/auth/login",
            json={"email": creds["staff"][1]["email"], "password": creds["staff"][1]["password"]},
        )
    ).json()
    v_sock, a_sock = Recorder(), Recorder()
    await v_sock.sio.connect(
        server.base, auth={"token": visitor["accessToken"]}, transports=["websocket"]
    )
    await a_sock.sio.connect(
        server.base, auth={"token": agent_login["access_token"]}, transports=["websocket"]
    )
    try:
        chat = (await http.post("/api/v2/chats", json={}, headers=vh)).json()["chatId"]
        created = await a_sock.wait_for("chat:created")
        assert created[0]["chatId"] == chat and created[0]["seq"] > 0
        ack = await a_sock.sio.call("chat:join", {"chatId": chat})
        assert ack["success"] is True
        assert (await a_sock.sio.call("user:activity", {}))["success"] is True
        await http.post(f"/api/v2/chats/{chat}/messages", json={"content": "hola"}, headers=vh)
        got = await a_sock.wait_for("message:new")
        assert got[0]["content"] == "hola" and got[0]["sender"]["role"] == "visitor"
        ah = {"authorization": f"Bearer {agent_login['access_token']}"}
        await http.put(
            f"/api/v2/chats/{chat}/assign/{creds['staff'][1]['commercialId']}", headers=ah
        )
        await http.post(f"/api/v2/chats/{chat}/messages", json={"content": "hi!"}, headers=ah)
        await http.post(
            f"/api/v2/chats/{chat}/messages",
            json={"content": "note", "type": "internal"},
            headers=ah,
        )
        assigned = await v_sock.wait_for("chat:commercial-assigned")
        assert assigned[0]["commercial"]["name"] == "Ben Turner"
        assert (await v_sock.wait_for("chat:assigned"))[0]["eventId"] == assigned[0]["eventId"]
        # One more public message: each socket delivers in order, so the internal note would
        # reach the visitor before it.
        await http.post(f"/api/v2/chats/{chat}/messages", json={"content": "bye"}, headers=ah)
        to_visitor = await v_sock.wait_for("message:new", 3)
        await a_sock.wait_for("message:new", 4)
        assert [m["content"] for m in v_sock.named("message:new")] == ["hola", "hi!", "bye"]
        assert [m["content"] for m in a_sock.named("message:new")] == [
            "hola", "hi!", "note", "bye",
        ]  # fmt: skip
        assert to_visitor[0]["seq"] < to_visitor[1]["seq"]
    finally:
        await v_sock.sio.disconnect()
        await a_sock.sio.disconnect()


async def test_joins_across_visitors_and_companies_are_refused(
    server: ServerProcess, http: httpx.AsyncClient
) -> None:
    alice = await register(http, server, "rt-alice")
    bob = await register(http, server, "rt-bob")
    chat = (
        await http.post(
            "/api/v2/chats", json={}, headers={"authorization": f"Bearer {alice['accessToken']}"}
        )
    ).json()["chatId"]
    sock = Recorder()
    await sock.sio.connect(
        server.base, auth={"token": bob["accessToken"]}, transports=["websocket"]
    )
    try:
        assert (await sock.sio.call("chat:join", {"chatId": chat}))["success"] is False
        assert (await sock.sio.call("visitor:join", {"visitorId": alice["visitorId"]}))[
            "success"
        ] is False
        tenant = await sock.sio.call("tenant:join", {"tenantId": server.credentials()["companyId"]})
        assert tenant["success"] is False  # visitors never join the tenant room
    finally:
        await sock.sio.disconnect()


async def test_unauthenticated_and_expired_handshakes_are_refused(
    server: ServerProcess, http: httpx.AsyncClient
) -> None:
    real = await register(http, server, "rt-secretless")
    secretless = {"visitorId": real["visitorId"], "tenantId": server.credentials()["companyId"]}
    creds = server.credentials()
    signer = TokenService(
        lambda: None,  # type: ignore[arg-type, return-value]
        secret=(server.data_dir / JWT_SECRET_FILE).read_text().strip(),  # made at first start
        access_ttl_s=900,
        visitor_ttl_s=900,
        refresh_ttl_s=900,
    )
    ben = Principal(
        kind=PrincipalKind.STAFF,
        company_id=UUID(creds["companyId"]),
        subject_id=UUID(creds["staff"][1]["commercialId"]),
        role=StaffRole.AGENT,
    )
    expired = {"token": signer.sign(ben, ttl_s=-60)}
    for auth in ({}, {"token": "garbage"}, {"token": "gdr_live_nope"}, secretless, expired):
        client = socketio.AsyncClient(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await client.connect(server.base, auth=auth, transports=["websocket"])
    fresh = socketio.AsyncClient(reconnection=False)  # the same token, not expired: accepted
    await fresh.connect(server.base, auth={"token": signer.sign(ben)}, transports=["websocket"])
    await fresh.disconnect()


async def test_resume_delivers_exactly_what_was_missed_in_order_then_live(
    server: ServerProcess, http: httpx.AsyncClient
) -> None:
    visitor = await register(http, server, "rt-resume")
    vh = {"authorization": f"Bearer {visitor['accessToken']}"}
    key = {"authorization": f"Bearer {server.credentials()['integrationKey']}"}
    chat = (await http.post("/api/v2/chats", json={}, headers=vh)).json()["chatId"]
    first = Recorder()
    await first.sio.connect(
        server.base, auth={"token": visitor["accessToken"]}, transports=["websocket"]
    )
    await http.post(f"/api/v2/chats/{chat}/messages", json={"content": "before"}, headers=vh)
    last_seq = (await first.wait_for("message:new"))[0]["seq"]
    await first.sio.disconnect()
    for i in range(50):
        r = await http.post(
            f"/api/v2/chats/{chat}/messages", json={"content": f"missed {i}"}, headers=key
        )
        assert r.status_code == 201
    back = Recorder()
    await back.sio.connect(
        server.base,
        auth={"token": visitor["accessToken"], "lastSeq": last_seq},
        transports=["websocket"],
    )
    try:
        missed = await back.wait_for("message:new", 50)
        await http.post(f"/api/v2/chats/{chat}/messages", json={"content": "live"}, headers=key)
        received = await back.wait_for("message:new", 51)
        # A last message: delivered in order, so a duplicate of the replay would come before it.
        await http.post(f"/api/v2/chats/{chat}/messages", json={"content": "end"}, headers=key)
        await back.wait_for("message:new", 52)
        contents = [m["content"] for m in back.named("message:new")]
        assert contents == [f"missed {i}" for i in range(50)] + ["live", "end"]
        seqs = [m["seq"] for m in received]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
        assert missed[0]["seq"] > last_seq
    finally:
        await back.sio.disconnect()


async def test_a_resume_after_live_events_sends_only_what_was_missed(
    server: ServerProcess, http: httpx.AsyncClient
) -> None:
    visitor = await register(http, server, "rt-late-resume")
    vh = {"authorization": f"Bearer {visitor['accessToken']}"}
    key = {"authorization": f"Bearer {server.credentials()['integrationKey']}"}
    chat = (await http.post("/api/v2/chats", json={}, headers=vh)).json()["chatId"]
    url = f"/api/v2/chats/{chat}/messages"
    first = Recorder()
    await first.sio.connect(
        server.base, auth={"token": visitor["accessToken"]}, transports=["websocket"]
    )
    await http.post(url, json={"content": "seen"}, headers=key)
    last_seq = (await first.wait_for("message:new"))[0]["seq"]
    await first.sio.disconnect()
    for i in range(5):
        await http.post(url, json={"content": f"missed {i}"}, headers=key)
    back = Recorder()
    await back.sio.connect(
        server.base, auth={"token": visitor["accessToken"]}, transports=["websocket"]
    )
    try:
        await http.post(url, json={"content": "live"}, headers=key)
        await back.wait_for("message:new")
        ack = await back.sio.call("resume", {"lastSeq": last_seq})
        assert ack == {"success": True, "replayed": 5}
        await back.wait_for("message:new", 6)
        # A last message: delivered in order, so a duplicate of the replay would come before it.
        await http.post(url, json={"content": "end"}, headers=key)
        await back.wait_for("message:new", 7)
        contents = [m["content"] for m in back.named("message:new")]
        assert contents == ["live"] + [f"missed {i}" for i in range(5)] + ["end"]
    finally:
        await back.sio.disconnect()


async def test_a_client_that_starts_on_long_polling_upgrades_to_the_websocket(
    server: ServerProcess, http: httpx.AsyncClient
) -> None:
    """python-socketio's default: polling first, then Engine.IO's probe and upgrade, served by
    realtime/websocket_transport.py; events flow before and after the upgrade."""
    visitor = await register(http, server, "rt-upgrade")
    vh = {"authorization": f"Bearer {visitor['accessToken']}"}
    sock = Recorder()
    await sock.sio.connect(server.base, auth={"token": visitor["accessToken"]})
    try:
        chat = (await http.post("/api/v2/chats", json={}, headers=vh)).json()["chatId"]
        await sock.wait_for("chat:created")
        await eventually(
            lambda: sock.sio.transport() == "websocket", timeout=10, what="the upgrade"
        )
        assert (await sock.sio.call("chat:join", {"chatId": chat}))["success"] is True
        await http.post(f"/api/v2/chats/{chat}/messages", json={"content": "up"}, headers=vh)
        assert (await sock.wait_for("message:new"))[0]["content"] == "up"
    finally:
        await sock.sio.disconnect()
