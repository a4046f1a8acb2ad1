"""Alerts over a real server process: with a 45 ms p95 threshold, a sign-in (argon2 takes
longer) raises ``HighResponseTime`` and quick requests afterwards resolve it; a supervisor's
socket hears both in the tenant room and the company's log keeps both events."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.e2e.server import ServerProcess
from tests.e2e.test_realtime import Recorder

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    proc = ServerProcess(
        tmp_path_factory.mktemp("alerts"),
        GUIDERS_METRICS_INTERVAL_S="0.5",
        GUIDERS_ALERT_P95_MS="45",
    )
    proc.start()
    yield proc
    proc.stop()


async def quick_requests(http: httpx.AsyncClient, rounds: int = 2) -> None:
    for _ in range(rounds):
        for _ in range(20):
            await http.get("/api/health")
        await asyncio.sleep(0.6)


async def test_a_slow_interval_raises_and_a_quick_one_resolves(server: ServerProcess) -> None:
    creds = server.credentials()
    key = {"authorization": f"Bearer {creds['integrationKey']}"}
    async with httpx.AsyncClient(base_url=server.base, timeout=10) as http:
        for _ in range(20):  # whatever start-up did, wait until the rule is quiet
            await quick_requests(http, rounds=1)
            snap = (await http.get("/api/v2/dashboard/snapshot", headers=key)).json()
            if not snap["alerts"]:
                break
        assert snap["alerts"] == []
        sock = Recorder()  # an integration key's socket is in the tenant room, like a supervisor's
        await sock.sio.connect(
            server.base, auth={"token": creds["integrationKey"]}, transports=["websocket"]
        )
        try:
            member = creds["staff"][0]
            signed_in = await http.post(
                "/api/user/auth/login",
                json={"email": member["email"], "password": member["password"]},
            )
            assert signed_in.status_code == 200
            [raised] = await sock.wait_for("alert:raised", within=10)
            snap = (await http.get("/api/v2/dashboard/snapshot", headers=key)).json()
            assert "HighResponseTime" in [a["rule"] for a in snap["alerts"]]
            for _ in range(20):
                if sock.named("alert:resolved"):
                    break
                await quick_requests(http, rounds=1)
            [resolved] = sock.named("alert:resolved")
        finally:
            await sock.sio.disconnect()
    assert raised["rule"] == resolved["rule"] == "HighResponseTime"
    assert raised["severity"] == "warning" and raised["threshold"] == 45.0
    assert raised["value"] > 45.0 and resolved["value"] <= 45.0
    async with httpx.AsyncClient(base_url=server.base, timeout=10) as http:
        logged = (await http.get("/api/v2/events", params={"limit": 500}, headers=key)).json()
    alerts = [e["type"] for e in logged["events"] if e["type"].startswith("alert.")]
    assert alerts[-2:] == ["alert.raised", "alert.resolved"]
