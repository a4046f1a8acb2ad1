"""Presence with two console tabs, over real Socket.IO (issue 16): closing one tab keeps the
agent online; closing both makes them offline after the grace period, and from then on no chat
is given to them. On one node (in-memory presence) here; on two nodes sharing Redis, one tab
on each, in test_two_nodes.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.server import ServerProcess
from tests.e2e.test_realtime import Recorder
from tests.waiting import eventually, never

pytestmark = pytest.mark.e2e

GRACE_S = 1.0
TRUTHFUL = {
    "GUIDERS_PRESENCE_REQUIRES_CONNECTION": "true",
    "GUIDERS_PRESENCE_GRACE_S": str(GRACE_S),
}


@pytest.fixture
def one_node(tmp_path: Path) -> Iterator[list[ServerProcess]]:
    node = ServerProcess(tmp_path, env=TRUTHFUL)
    node.start(timeout=180)
    yield [node, node]
    node.stop()


async def _login(http: httpx.AsyncClient, member: dict[str, Any]) -> str:
    r = await http.post(
        "/api/user/auth/login", json={"email": member["email"], "password": member["password"]}
    )
    assert r.status_code == 200, r.text
    token: str = r.json()["access_token"]
    return token


async def two_tabs_then_none(nodes: list[ServerProcess]) -> None:
    first = nodes[0]
    creds = first.credentials()
    ben = creds["staff"][1]
    key = {"authorization": f"Bearer {creds['integrationKey']}"}
    async with httpx.AsyncClient(base_url=first.base, timeout=10) as http:
        token = await _login(http, ben)

        async def status() -> str:
            r = await http.get("/api/v2/commercials", headers=key)
            return next(c["status"] for c in r.json()["data"] if c["id"] == ben["commercialId"])

        async def assignable() -> bool:
            r = await http.get("/api/v2/commercials?status=available", headers=key)
            return ben["commercialId"] in [c["id"] for c in r.json()["data"]]

        tabs = [Recorder(), Recorder()]
        for tab, node in zip(tabs, nodes, strict=True):
            await tab.sio.connect(node.base, auth={"token": token}, transports=["websocket"])
        try:
            await eventually(assignable, what="Ben to be online with two tabs")
            await tabs[0].sio.disconnect()
            # one tab left: he stays online well past the grace period
            await never(lambda: _not(assignable), window=GRACE_S * 3, what="Ben going away")
            assert await status() == "online"
            await tabs[1].sio.disconnect()
            assert await status() == "online"  # within the grace period
            await eventually(
                lambda: _equals(status, "offline"),
                timeout=GRACE_S + 15,
                what="Ben offline after the grace period",
            )
            assert not await assignable()
            # a status set over REST without a console does not make him assignable
            r = await http.put(
                f"/api/v2/commercials/{ben['commercialId']}/status",
                json={"status": "online"},
                headers=key,
            )
            assert r.status_code == 200
            assert not await assignable()
            badge = await http.post(
                "/api/v2/commercials/availability",
                json={"domain": "localhost", "apiKey": creds["siteKey"]},
            )
            assert badge.json()["onlineCount"] == 0
        finally:
            for tab in tabs:
                await tab.sio.disconnect()


async def _not(check: Any) -> bool:
    return not await check()


async def _equals(read: Any, expected: str) -> bool:
    return bool(await read() == expected)


async def test_two_tabs_on_one_node(one_node: list[ServerProcess]) -> None:
    await two_tabs_then_none(one_node)


# On two nodes sharing PostgreSQL and Redis: tests/e2e/test_two_nodes.py.
