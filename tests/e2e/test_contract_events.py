"""The published contract's real-time events and operations, as its text words them.

``docs/api.md`` (and the design's API contract) list, for ``chat:agent-requested`` and
``chat:escalation-requested``: rooms ``tenant:{companyId}`` and ``commercial:{id}``, payload
``{chatId, visitorId, reason, summary?, timestamp}`` with ``eventId`` and ``seq``; and
``GET /metrics`` answering Prometheus text. Each test checks that wording against a running
``guiders up`` over HTTP and Socket.IO, as an integration written from the guide would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.e2e.server import ServerProcess
from tests.e2e.test_realtime import Recorder, register

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    proc = ServerProcess(tmp_path_factory.mktemp("contract"))
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture
async def http(server: ServerProcess) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.base, timeout=10) as client:
        yield client


async def _staff_token(http: httpx.AsyncClient, server: ServerProcess, index: int) -> str:
    person = server.credentials()["staff"][index]
    login = await http.post(
        "/api/user/auth/login", json={"email": person["email"], "password": person["password"]}
    )
    token: str = login.json()["access_token"]
    return token


async def test_a_visitor_asking_for_a_person_reaches_the_staff_and_the_chats_agent(
    server: ServerProcess, http: httpx.AsyncClient
) -> None:
    creds = server.credentials()
    ben = creds["staff"][1]
    visitor = await register(http, server, "contract-ask")
    vh = {"authorization": f"Bearer {visitor['accessToken']}"}
    key = {"authorization": f"Bearer {creds['integrationKey']}"}
    agent = Recorder()
    await agent.sio.connect(
        server.base,
        auth={"token": await _staff_token(http, server, 1)},
        transports=["websocket"],
    )
    try:
        chat = (await http.post("/api/v2/chats", json={}, headers=vh)).json()["chatId"]
        assigned = await http.put(f"/api/v2/chats/{chat}/assign/{ben['commercialId']}", headers=key)
        assert assigned.status_code == 200
        asked = await http.post(f"/api/v2/chats/{chat}/request-agent", headers=vh)
        assert asked.status_code == 200
        [event] = await agent.wait_for("chat:agent-requested")
        assert event["chatId"] == chat and event["visitorId"] == visitor["visitorId"]
        assert isinstance(event["reason"], str) and event["timestamp"].endswith("+00:00")
        assert isinstance(event["seq"], int) and event["eventId"]
        # the agent's socket is in tenant:{companyId} and commercial:{id}: one copy, not two
        assert len(agent.named("chat:agent-requested")) == 1
    finally:
        await agent.sio.disconnect()


async def test_a_hand_off_with_a_summary_is_an_escalation_request_to_the_staff(
    server: ServerProcess, http: httpx.AsyncClient
) -> None:
    creds = server.credentials()
    visitor = await register(http, server, "contract-escalate")
    vh = {"authorization": f"Bearer {visitor['accessToken']}"}
    key = {"authorization": f"Bearer {creds['integrationKey']}"}
    supervisor = Recorder()
    await supervisor.sio.connect(
        server.base,
        auth={"token": await _staff_token(http, server, 0)},
        transports=["websocket"],
    )
    try:
        chat = (await http.post("/api/v2/chats", json={}, headers=vh)).json()["chatId"]
        handoff = await http.post(
            f"/api/v2/chats/{chat}/handoff",
            json={"reason": "escalation_keyword_detected", "summary": "asks for a quote"},
            headers=key,
        )
        assert handoff.status_code == 202
        [event] = await supervisor.wait_for("chat:escalation-requested")
        assert event["chatId"] == chat and event["visitorId"] == visitor["visitorId"]
        assert event["reason"] == "escalation_keyword_detected"
        assert event["summary"] == "asks for a quote"
        assert event["timestamp"].endswith("+00:00") and isinstance(event["seq"], int)
        # a replay (resume) tells it the same way
        late = Recorder()
        await late.sio.connect(
            server.base,
            auth={"token": await _staff_token(http, server, 0), "lastSeq": event["seq"] - 1},
            transports=["websocket"],
        )
        try:
            [again] = await late.wait_for("chat:escalation-requested")
            assert again == event
        finally:
            await late.sio.disconnect()
    finally:
        await supervisor.sio.disconnect()


async def test_metrics_answer_at_the_path_the_contract_names(
    server: ServerProcess, http: httpx.AsyncClient
) -> None:
    r = await http.get("/metrics", follow_redirects=False)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    assert "# TYPE" in r.text
