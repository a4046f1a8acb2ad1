"""kill -9 a pipeline worker in the middle of an escalation saga: another worker resumes it
after the lease runs out, compensates (the agent never answered), hands the chat to the next
agent, and no message is sent twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.server import ServerProcess
from tests.waiting import eventually

pytestmark = pytest.mark.e2e


def _pipeline(server: ServerProcess, key: str, *args: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "GUIDERS_PIPELINE_API_KEY": key, "GUIDERS_PIPELINE_API_URL": server.base}
    return subprocess.Popen(
        [sys.executable, "-m", "guiders.cli", "pipeline", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(log, "ab"),
    )


async def _messages(http: httpx.AsyncClient, chat: str, key: dict[str, str]) -> list[Any]:
    r = await http.get(f"/api/v2/chats/{chat}/messages?limit=100", headers=key)
    return list(r.json()["messages"])


async def test_a_worker_killed_mid_saga_is_resumed_without_duplicate_messages(
    tmp_path: Path,
) -> None:
    server = ServerProcess(tmp_path)
    server.start()
    creds = server.credentials()
    key = {"authorization": f"Bearer {creds['integrationKey']}"}
    workers: list[subprocess.Popen[bytes]] = []
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

            first = _pipeline(
                server, creds["integrationKey"], "escalate", chat, "--summary", "wants a human",
                "--timeout-s", "4", "--lease-s", "2", "--worker", "first",
                log=tmp_path / "first.log",
            )  # fmt: skip
            workers.append(first)

            async def first_told() -> bool:
                return any("is joining" in m["content"] for m in await _messages(http, chat, key))

            # until the first agent was told and the saga waits
            try:
                await eventually(first_told, timeout=15, what="the first agent to be told")
            except AssertionError as exc:
                raise AssertionError((tmp_path / "first.log").read_text()[-3000:]) from exc
            first.send_signal(signal.SIGKILL)
            first.wait()
            first_agent = (await http.get(f"/api/v2/chats/{chat}", headers=key)).json()
            assert first_agent["assignedCommercialId"]

            second = _pipeline(
                server, creds["integrationKey"], "run", "--lease-s", "2", "--orphan-scan-s",
                "0.5", "--worker", "second", log=tmp_path / "second.log",
            )  # fmt: skip
            workers.append(second)
            other = next(
                a for a in agents if a["commercialId"] != first_agent["assignedCommercialId"]
            )

            async def handed_to_the_other() -> bool:
                state = (await http.get(f"/api/v2/chats/{chat}", headers=key)).json()
                joined = sum("is joining" in m["content"] for m in await _messages(http, chat, key))
                return bool(state["assignedCommercialId"] == other["commercialId"] and joined == 2)

            try:
                await eventually(handed_to_the_other, timeout=30, what="the hand-over")
            except AssertionError as exc:
                raise AssertionError((tmp_path / "second.log").read_text()[-3000:]) from exc
            login = await http.post(
                "/api/user/auth/login",
                json={"email": other["email"], "password": other["password"]},
            )
            staff = {"authorization": f"Bearer {login.json()['access_token']}"}
            r = await http.post(
                f"/api/v2/chats/{chat}/messages", json={"content": "Hello, I'm here"}, headers=staff
            )
            assert r.status_code == 201

            async def sagas_ended() -> list[dict[str, Any]] | None:
                sagas: list[dict[str, Any]] = (
                    await http.get("/api/v2/sagas?type=escalation", headers=key)
                ).json()["sagas"]
                ended = sagas and all(s["status"] in ("COMPLETED", "FAILED") for s in sagas)
                return sagas if ended else None

            sagas = await eventually(sagas_ended, timeout=20, what="every escalation saga to end")
            messages = await _messages(http, chat, key)
    finally:
        for w in workers:
            if w.poll() is None:
                w.terminate()
                w.wait(10)
        server.stop()
    assert sorted(s["status"] for s in sagas) == ["COMPLETED", "FAILED"], sagas
    failed = next(s for s in sagas if s["status"] == "FAILED")
    assert failed["owner"] is None and "did not answer" in (failed["error"] or "")
    contents = [m["content"] for m in messages if m["type"] != "internal"]
    assert sum("is joining" in c for c in contents) == 2
    assert sum("could not join" in c for c in contents) == 1
    assert len(contents) == len(set(contents)), contents
    assert sum(1 for m in messages if m["type"] == "internal") == 2
