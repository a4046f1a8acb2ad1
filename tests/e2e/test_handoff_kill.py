"""kill -9 the server in the middle of a hand-off: the restarted server resumes the saga after
its lease runs out, compensates (the agent never answered), hands the chat to the next agent,
and no message is sent twice. No bot runs: the hand-off is the server's alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.server import ServerProcess
from tests.waiting import eventually

pytestmark = pytest.mark.e2e

QUICK = {
    "GUIDERS_HANDOFF_LEASE_S": "2",
    "GUIDERS_HANDOFF_SCAN_S": "0.5",
    "GUIDERS_HANDOFF_POLL_S": "0.2",
}


async def _messages(http: httpx.AsyncClient, chat: str, key: dict[str, str]) -> list[Any]:
    r = await http.get(f"/api/v2/chats/{chat}/messages?limit=100", headers=key)
    return list(r.json()["messages"])


def _joined(messages: list[Any]) -> list[Any]:
    return [m for m in messages if m["metadata"].get("assignedTo")]


async def test_a_hand_off_cut_by_a_crash_is_resumed_without_duplicate_messages(
    tmp_path: Path,
) -> None:
    server = ServerProcess(tmp_path, **QUICK)
    server.start()
    creds = server.credentials()
    key = {"authorization": f"Bearer {creds['integrationKey']}"}
    try:
        async with httpx.AsyncClient(base_url=server.base, timeout=10) as http:
            r = await http.post(
                "/api/auth/visitor/register",
                json={"apiKey": creds["siteKey"], "domain": "localhost", "fingerprint": "kill"},
            )
            visitor = {"authorization": f"Bearer {r.json()['accessToken']}"}
            chat = (
                await http.post(
                    "/api/v2/chats/with-message",
                    json={"firstMessage": {"content": "A human, please"}},
                    headers=visitor,
                )
            ).json()["chatId"]
            agents = [s for s in creds["staff"] if s.get("commercialId")][:2]
            for agent in agents:
                r = await http.put(
                    f"/api/v2/commercials/{agent['commercialId']}/status",
                    json={"status": "online"},
                    headers=key,
                )
                assert r.status_code == 200, r.text
            r = await http.post(
                f"/api/v2/chats/{chat}/handoff",
                json={"reason": "visitor asked", "summary": "wants a human", "answerTimeoutS": 8},
                headers=key,
            )
            assert r.status_code == 202, r.text

            async def first_told() -> bool:
                return bool(_joined(await _messages(http, chat, key)))

            # the first agent was told; the saga waits
            await eventually(first_told, timeout=15, interval=0.05)
            first = (await http.get(f"/api/v2/chats/{chat}", headers=key)).json()
            assert first["assignedCommercialId"]
        server.kill()
        server.start()  # the same database: the saga's lease runs out, the new server goes on
        async with httpx.AsyncClient(base_url=server.base, timeout=10) as http:
            other = next(a for a in agents if a["commercialId"] != first["assignedCommercialId"])

            async def second_told() -> bool:
                state = (await http.get(f"/api/v2/chats/{chat}", headers=key)).json()
                notes = [m for m in await _messages(http, chat, key) if m["type"] == "internal"]
                return state["assignedCommercialId"] == other["commercialId"] and len(notes) == 2

            try:
                await eventually(second_told, timeout=30, interval=0.05)
            except AssertionError:
                sagas = (await http.get("/api/v2/sagas?type=escalation", headers=key)).json()
                told = [m["content"] for m in await _messages(http, chat, key)]
                raise AssertionError(f"{sagas}\n{told}") from None
            login = await http.post(
                "/api/user/auth/login",
                json={"email": other["email"], "password": other["password"]},
            )
            staff = {"authorization": f"Bearer {login.json()['access_token']}"}
            r = await http.post(
                f"/api/v2/chats/{chat}/messages", json={"content": "Hello, I'm here"}, headers=staff
            )
            assert r.status_code == 201

            async def sagas_done() -> list[dict[str, Any]] | None:
                r = await http.get("/api/v2/sagas?type=escalation", headers=key)
                sagas: list[dict[str, Any]] = r.json()["sagas"]
                if sagas and all(s["status"] in ("COMPLETED", "FAILED") for s in sagas):
                    return sagas
                return None

            done = await eventually(sagas_done, timeout=20, interval=0.1)
            assert done is not None
            sagas = done
            messages = await _messages(http, chat, key)
    finally:
        server.stop()
    assert sorted(s["status"] for s in sagas) == ["COMPLETED", "FAILED"], sagas
    failed = next(s for s in sagas if s["status"] == "FAILED")
    assert failed["owner"] is None and "did not answer" in (failed["error"] or "")
    contents = [m["content"] for m in messages if m["type"] != "internal"]
    assert len(_joined(messages)) == 1  # told once who is coming, also across the restart
    assert sum(1 for m in messages if m["metadata"].get("isEscalationWithdrawn")) == 1
    assert len(contents) == len(set(contents)), contents
    assert sum(1 for m in messages if m["type"] == "internal") == 2
