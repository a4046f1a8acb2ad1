"""Live visitors over Socket.IO: staff see who is on the site; visitors see nobody."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.server import ServerProcess
from tests.e2e.test_realtime import Recorder, register

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
