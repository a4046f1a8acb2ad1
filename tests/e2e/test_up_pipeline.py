"""``guiders up`` runs the pipeline worker in-process with the shipped example rules."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from guiders.pipeline.embedded import CONSUMER
from tests.e2e.server import ServerProcess

pytestmark = pytest.mark.e2e


def test_guiders_up_runs_the_example_rules_in_process(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path, pipeline=True)
    server.start()
    try:
        creds = server.credentials()
        headers = {"authorization": f"Bearer {creds['integrationKey']}"}
        with httpx.Client(base_url=server.base, timeout=10) as http:
            for _ in range(150):  # the worker starts at the log's end once the server listens
                position = http.get(f"/api/v2/consumers/{CONSUMER}/position", headers=headers)
                if position.json().get("seq") is not None:
                    break
                time.sleep(0.1)
            r = http.post(
                "/api/auth/visitor/register",
                json={"apiKey": creds["siteKey"], "domain": "localhost", "fingerprint": "up-pl"},
            )
            visitor = {"authorization": f"Bearer {r.json()['accessToken']}"}
            chat_id = http.post(
                "/api/v2/chats/with-message",
                json={"firstMessage": {"content": "I want a refund please"}},
                headers=visitor,
            ).json()["chatId"]
            chat: dict[str, object] = {}
            for _ in range(150):
                chat = http.get(f"/api/v2/chats/{chat_id}", headers=headers).json()
                if chat["priority"] == "URGENT" and "churn-risk" in chat["metadata"]["tags"]:  # type: ignore[index,operator]
                    break
                time.sleep(0.1)
        assert chat["priority"] == "URGENT"
        assert set(chat["metadata"]["tags"]) >= {"billing", "churn-risk"}  # type: ignore[index]
    finally:
        server.stop()
