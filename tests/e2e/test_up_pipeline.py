"""``guiders up`` runs the pipeline worker in-process with the shipped example rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from guiders.pipeline.embedded import CONSUMER
from tests.e2e.server import ServerProcess
from tests.waiting import eventually_sync

pytestmark = pytest.mark.e2e


def test_guiders_up_runs_the_example_rules_in_process(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path, pipeline=True)
    server.start()
    try:
        creds = server.credentials()
        headers = {"authorization": f"Bearer {creds['integrationKey']}"}
        with httpx.Client(base_url=server.base, timeout=10) as http:
            # The worker starts at the log's end once the server listens.
            eventually_sync(
                lambda: (
                    http.get(f"/api/v2/consumers/{CONSUMER}/position", headers=headers)
                    .json()
                    .get("seq")
                    is not None
                ),
                timeout=15,
                what="the pipeline worker's first position",
            )
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

            def handled() -> dict[str, Any] | None:
                chat: dict[str, Any] = http.get(f"/api/v2/chats/{chat_id}", headers=headers).json()
                done = chat["priority"] == "URGENT" and "churn-risk" in chat["metadata"]["tags"]
                return chat if done else None

            chat = eventually_sync(handled, timeout=15, what="the rules to mark the chat")
        assert chat["priority"] == "URGENT"
        assert set(chat["metadata"]["tags"]) >= {"billing", "churn-risk"}  # type: ignore[index]
    finally:
        server.stop()
