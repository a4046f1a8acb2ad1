"""Live visitors over Socket.IO: staff see who is on the site; visitors see nobody."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.server import ServerProcess
from tests.e2e.test_realtime import Recorder, register
from tests.waiting import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GUIDERS_BOT_ENABLED", "false")
        mp.setenv("GUIDERS_ANALYTICS_ENABLED", "false")
        proc = ServerProcess(tmp_path_factory.mktemp("live"))
        proc.start()
    yield proc
    proc.stop()


async def test_staff_see_visitors_arrive_move_and_leave(server: ServerProcess) -> None:
    creds = server.credentials()
    async with httpx.AsyncClient(base_url=server.base, timeout=10) as http:
        v = await register(http, server, "live-1")
        login = await http.post(
            "/api/user/auth/login",
            json={"email": creds["staff"][1]["email"], "password": creds["staff"][1]["password"]},
        )
    agent, visitor = Recorder(), Recorder()
    await agent.sio.connect(
        server.base, auth={"token": login.json()["access_token"]}, transports=["websocket"]
    )
    try:
        await visitor.sio.connect(
            server.base,
            auth={"token": v["accessToken"], "currentUrl": "https://shop/shoes", "title": "Shoes"},
            transports=["websocket"],
        )
        online = (await agent.wait_for("visitor:online"))[0]
        assert online == online | {"visitorId": v["visitorId"], "url": "https://shop/shoes"}
        listing = await agent.sio.call("visitors:live", None)
        assert [x["visitorId"] for x in listing["visitors"]] == [v["visitorId"]]
        refused = await visitor.sio.call("visitors:live", None)
        assert refused["success"] is False
        assert (await agent.sio.call("visitor:page", {"url": "x"}))["success"] is False
        ack = await visitor.sio.call("visitor:page", {"currentUrl": "https://shop/cart"})
        assert ack["success"] is True
        assert (await agent.wait_for("visitor:page"))[0]["url"] == "https://shop/cart"
        await visitor.sio.disconnect()
        assert (await agent.wait_for("visitor:offline"))[0]["visitorId"] == v["visitorId"]
        assert (await agent.sio.call("visitors:live", None))["visitors"] == []
    finally:
        await agent.sio.disconnect()
        if visitor.sio.connected:
            await visitor.sio.disconnect()


async def test_the_pages_the_widget_reports_are_the_profiles_pages_seen(
    server: ServerProcess,
) -> None:
    """ "Pages seen" read tracking events that the widget never sent: each page it reports to
    its socket is now a ``page_view`` (the same page twice in a row counts once)."""
    creds = server.credentials()
    async with httpx.AsyncClient(base_url=server.base, timeout=10) as http:
        v = await register(http, server, "pages-1")
        login = await http.post(
            "/api/user/auth/login",
            json={"email": creds["staff"][1]["email"], "password": creds["staff"][1]["password"]},
        )
        agent = {"authorization": f"Bearer {login.json()['access_token']}"}
        visitor = Recorder()
        await visitor.sio.connect(
            server.base,
            auth={"token": v["accessToken"], "currentUrl": "https://shop/shoes", "title": "Shoes"},
            transports=["websocket"],
        )
        try:
            for url in ("https://shop/cart", "https://shop/cart", "https://shop/pay"):
                assert (await visitor.sio.call("visitor:page", {"currentUrl": url}))["success"]

            async def pages() -> list[str]:
                r = await http.get(f"/api/v2/visitors/{v['visitorId']}/events", headers=agent)
                return [e["url"] for e in r.json()["events"] if e["type"] == "page_view"]

            seen = await eventually(lambda: _three(pages), what="three page views")
            assert seen == ["https://shop/pay", "https://shop/cart", "https://shop/shoes"]
        finally:
            await visitor.sio.disconnect()


async def _three(pages: Any) -> list[str] | None:
    found: list[str] = await pages()
    return found if len(found) >= 3 else None


async def test_typing_both_ways_and_bounded(server: ServerProcess) -> None:
    creds = server.credentials()
    async with httpx.AsyncClient(base_url=server.base, timeout=10) as http:
        v = await register(http, server, "typing-1")
        vh = {"authorization": f"Bearer {v['accessToken']}"}
        chat = (await http.post("/api/v2/chats", json={}, headers=vh)).json()["chatId"]
        login = await http.post(
            "/api/user/auth/login",
            json={"email": creds["staff"][1]["email"], "password": creds["staff"][1]["password"]},
        )
        token = login.json()["access_token"]
        me = creds["staff"][1]["commercialId"]
        assigned = await http.put(
            f"/api/v2/chats/{chat}/assign/{me}", headers={"authorization": f"Bearer {token}"}
        )
        assert assigned.status_code == 200
    agent, visitor = Recorder(), Recorder()
    await agent.sio.connect(server.base, auth={"token": token}, transports=["websocket"])
    await visitor.sio.connect(
        server.base, auth={"token": v["accessToken"]}, transports=["websocket"]
    )
    try:
        for side in (agent, visitor):
            assert (await side.sio.call("chat:join", {"chatId": chat}))["success"]
        # the visitor types: the agent sees it, as the contract's payload
        for _ in range(5):  # a burst: relayed once
            assert (await visitor.sio.call("typing:start", {"chatId": chat}))["success"]
        start = (await agent.wait_for("typing:start"))[0]
        assert start == start | {"chatId": chat, "userId": v["visitorId"], "userType": "visitor"}
        assert "timestamp" in start
        await visitor.sio.call("typing:stop", {"chatId": chat})
        await agent.wait_for("typing:stop")
        # the agent types: the visitor sees it
        await agent.sio.call("typing:start", {"chatId": chat})
        got = (await visitor.wait_for("typing:start"))[0]
        assert got["userType"] == "commercial" and got["userId"] == me
        assert len(agent.named("typing:start")) == 1, "a burst of starts is relayed once"
        assert not [d for d in visitor.named("typing:start") if d["userType"] == "visitor"]
        # a chat the socket has not joined is refused
        other = await visitor.sio.call("typing:start", {"chatId": str(uuid.uuid4())})
        assert other["success"] is False
    finally:
        await agent.sio.disconnect()
        await visitor.sio.disconnect()
