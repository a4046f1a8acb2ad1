"""``guiders pipeline dry-run`` and ``dlq list|retry`` against a real server process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from guiders.pipeline.cli import EXAMPLE_RULES
from tests.e2e.server import ServerProcess
from tests.waiting import eventually_sync

pytestmark = pytest.mark.e2e

FAILING = """
rules:
  - name: refund-to-crm
    when: {event: [message.sent], sender: [visitor], keywords: [refund]}
    then:
      - {type: tag, tags: [refund]}
      - {type: webhook, url: "http://127.0.0.1:9/hook", secret: "webhook-secret", attempts: 1}
"""


def cli(server: ServerProcess, key: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GUIDERS_PIPELINE_API_KEY": key, "GUIDERS_PIPELINE_API_URL": server.base}
    return subprocess.run(
        [sys.executable, "-m", "guiders.cli", "pipeline", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_dry_run_shows_decisions_and_dead_letters_can_be_listed_and_retried(
    tmp_path: Path,
) -> None:
    server = ServerProcess(tmp_path)
    server.start()
    creds = server.credentials()
    key = creds["integrationKey"]
    headers = {"authorization": f"Bearer {key}"}
    worker = None
    try:
        with httpx.Client(base_url=server.base, timeout=10) as http:
            start = http.get("/api/v2/events?limit=1", headers=headers).json()["lastSeq"]
            r = http.post(
                "/api/auth/visitor/register",
                json={"apiKey": creds["siteKey"], "domain": "localhost", "fingerprint": "cli"},
            )
            visitor = {"authorization": f"Bearer {r.json()['accessToken']}"}
            chat = http.post(
                "/api/v2/chats/with-message",
                json={"firstMessage": {"content": "I want a refund"}},
                headers=visitor,
            ).json()["chatId"]

            dry = cli(
                server, key, "dry-run", "--from-seq", str(start), "--rules", str(EXAMPLE_RULES)
            )
            assert dry.returncode == 0, dry.stderr
            assert "refund-or-cancel-is-urgent#0 set_priority(priority='URGENT')" in dry.stdout
            assert http.get(f"/api/v2/chats/{chat}", headers=headers).json()["priority"] != "URGENT"

            rules = tmp_path / "rules.yaml"
            rules.write_text(FAILING)
            env = {**os.environ, "GUIDERS_PIPELINE_API_KEY": key}
            worker = subprocess.Popen(
                [
                    sys.executable, "-m", "guiders.cli", "pipeline", "run", "--url", server.base,
                    "--rules", str(rules), "--from-seq", str(start), "--consumer", "cli",
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip

            def dead_letters() -> list[dict[str, object]]:
                found: list[dict[str, object]] = http.get(
                    "/api/v2/consumers/cli/dead-letters", headers=headers
                ).json()["deadLetters"]
                return found

            letters = eventually_sync(dead_letters, timeout=60, what="a dead letter")
            worker.terminate()
            worker.wait(10)
            assert len(letters) == 1
            assert http.get(f"/api/v2/chats/{chat}", headers=headers).json()["metadata"][
                "tags"
            ] == ["refund"]

            listed = cli(server, key, "dlq", "list", "--consumer", "cli")
            assert listed.returncode == 0, listed.stderr
            assert "message.sent" in listed.stdout and "ConnectError" in listed.stdout

            rules.write_text(FAILING.replace("- {type: webhook", "# - {type: webhook"))
            retried = cli(server, key, "dlq", "retry", "--consumer", "cli", "--rules", str(rules))
            assert retried.returncode == 0, retried.stdout + retried.stderr
            assert "done refund-to-crm#0:tag, refund-to-crm#1:webhook" in retried.stdout
            after = cli(server, key, "dlq", "list", "--consumer", "cli")
            assert after.stdout.strip() == ""
    finally:
        if worker is not None and worker.poll() is None:
            worker.kill()
        server.stop()
