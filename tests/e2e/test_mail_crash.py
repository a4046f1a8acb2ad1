"""kill -9 while a follow-up e-mail is queued (SMTP down): the restarted server sends it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest

from tests.e2e.server import ServerProcess, free_port
from tests.integration.test_mail import SmtpServer
from tests.waiting import eventually_sync

pytestmark = pytest.mark.e2e


def _rows(data_dir: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(data_dir / "guiders.db") as db:
        return [(r[0], r[1]) for r in db.execute("select status, attempts from mail_outbox")]


def test_kill_9_with_a_queued_email_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    monkeypatch.setenv("GUIDERS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("GUIDERS_SMTP_PORT", str(port))
    monkeypatch.setenv("GUIDERS_MAIL_POLL_S", "0.1")
    monkeypatch.setenv("GUIDERS_MAIL_RETRY_BASE_S", "0.2")
    server = ServerProcess(tmp_path)
    server.start()
    creds = server.credentials()
    with httpx.Client(base_url=server.base, timeout=10) as http:
        v = http.post(
            "/api/auth/visitor/register",
            json={"apiKey": creds["siteKey"], "domain": "localhost", "fingerprint": "crash-mail"},
        ).json()
        auth = {"authorization": f"Bearer {v['accessToken']}"}
        contact = {"name": "Kim", "email": "kim@example.com", "emailConsent": True}
        assert http.patch(
            f"/api/v2/visitors/{v['visitorId']}", json=contact, headers=auth
        ).is_success
        r = http.put(
            f"/api/v2/visitors/{v['visitorId']}/prediction",
            json={"conversionProbability": 0.05, "segment": "nurturing", "modelVersion": "m"},
            headers={"authorization": f"Bearer {creds['integrationKey']}"},
        )
        assert r.status_code == 200, r.text
    eventually_sync(
        lambda: any(attempts >= 1 for _, attempts in _rows(tmp_path)),
        timeout=20,
        interval=0.1,
        what="a delivery attempt",
    )
    server.kill()
    assert [status for status, _ in _rows(tmp_path)] == ["pending"]

    smtp = SmtpServer(port)
    smtp.start()
    restarted = ServerProcess(tmp_path, server.port)
    try:
        restarted.start()
        eventually_sync(
            lambda: _rows(tmp_path)[0][0] == "sent",
            timeout=30,
            interval=0.1,
            what="the e-mail to be sent after the restart",
        )
        assert len(smtp.inbox.messages) == 1
        assert smtp.inbox.messages[0]["To"] == "kim@example.com"
    finally:
        restarted.stop()
        smtp.stop()
