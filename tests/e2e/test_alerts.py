"""Alerts over a real server process: with a 45 ms p95 threshold, a sign-in (argon2 takes
longer) raises ``HighResponseTime`` and quick requests afterwards resolve it; a supervisor's
socket hears both in the tenant room and the company's log keeps both events."""

from __future__ import annotations

import sqlite3
from typing import Any

import httpx
import pytest

from tests.e2e.server import ServerProcess
from tests.e2e.test_realtime import Recorder
from tests.waiting import eventually

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


def points(server: ServerProcess) -> int:
    """The metric points the server has written: one per interval, read from its database
    (not over HTTP, which would put requests of our own into the interval)."""
    db = sqlite3.connect(server.data_dir / "guiders.db")
    try:
        return int(db.execute("SELECT count(*) FROM metric_snapshots").fetchone()[0])
    finally:
        db.close()


async def quick_requests(http: httpx.AsyncClient, server: ServerProcess) -> None:
    """Quick requests only (health checks), then the end of the interval that holds them."""
    for _ in range(20):
        await http.get("/api/health")
    written = points(server)
    await eventually(lambda: points(server) > written, timeout=10, what="the interval's point")


def alert_events(sock: Recorder) -> list[str]:
    return [n for n, _ in sock.events if n.startswith("alert:")]


async def settle(http: httpx.AsyncClient, sock: Recorder, server: ServerProcess) -> None:
    """Quick intervals until three in a row change nothing: whatever start-up raised (a slow
    first request) is resolved by then."""
    quiet = 0
    for _ in range(30):
        seen = len(alert_events(sock))
        await quick_requests(http, server)
        quiet = quiet + 1 if len(alert_events(sock)) == seen else 0
        if quiet >= 3 and alert_events(sock)[-1:] in ([], ["alert:resolved"]):
            return
    raise AssertionError(f"the response-time rule never settled: {alert_events(sock)}")


async def test_a_slow_interval_raises_and_a_quick_one_resolves(server: ServerProcess) -> None:
    creds = server.credentials()
    key = {"authorization": f"Bearer {creds['integrationKey']}"}
    sock = Recorder()  # an integration key's socket is in the tenant room, like a supervisor's
    await sock.sio.connect(
        server.base, auth={"token": creds["integrationKey"]}, transports=["websocket"]
    )
    try:
        async with httpx.AsyncClient(base_url=server.base, timeout=10) as http:
            await settle(http, sock, server)
            before = len(sock.named("alert:raised"))
            member = creds["staff"][0]
            signed_in = await http.post(
                "/api/user/auth/login",
                json={"email": member["email"], "password": member["password"]},
            )
            assert signed_in.status_code == 200
            raised = (await sock.wait_for("alert:raised", count=before + 1, within=10))[-1]
            snap = (await http.get("/api/v2/dashboard/snapshot", headers=key)).json()
            assert "HighResponseTime" in [a["rule"] for a in snap["alerts"]]
            for _ in range(30):
                if alert_events(sock)[-1] == "alert:resolved":
                    break
                await quick_requests(http, server)
            assert alert_events(sock)[-2:] == ["alert:raised", "alert:resolved"]
            resolved = sock.named("alert:resolved")[-1]
            logged = (await http.get("/api/v2/events", params={"limit": 500}, headers=key)).json()[
                "events"
            ]
    finally:
        await sock.sio.disconnect()
    assert raised["rule"] == resolved["rule"] == "HighResponseTime"
    assert raised["severity"] == "warning" and raised["threshold"] == 45.0
    assert raised["value"] > 45.0 and resolved["value"] <= 45.0
    alerts = [e["type"] for e in logged if e["type"].startswith("alert.")]
    assert alerts[-2:] == ["alert.raised", "alert.resolved"]
