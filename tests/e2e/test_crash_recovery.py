"""kill -9 in the middle of a stream of sends: every 201 is stored once, with its event."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import httpx
import pytest

from tests.e2e.server import ServerProcess
from tests.waiting import eventually

pytestmark = pytest.mark.e2e


async def test_kill_9_loses_no_accepted_message_and_the_relay_catches_up(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path)
    server.start()
    creds = server.credentials()
    accepted: dict[str, str] = {}
    try:
        async with httpx.AsyncClient(base_url=server.base, timeout=10) as http:
            r = await http.post(
                "/api/auth/visitor/register",
                json={"apiKey": creds["siteKey"], "domain": "localhost", "fingerprint": "crash"},
            )
            headers = {"authorization": f"Bearer {r.json()['accessToken']}"}
            chat = (await http.post("/api/v2/chats", json={}, headers=headers)).json()["chatId"]

            async def sender(n: int) -> None:
                for i in range(10_000):
                    cid = f"c{n}-{i}"
                    try:
                        r = await http.post(
                            f"/api/v2/chats/{chat}/messages",
                            headers=headers,
                            json={"content": cid, "clientMessageId": cid},
                        )
                    except httpx.HTTPError:
                        return
                    if r.status_code == 201:
                        accepted[cid] = r.json()["id"]

            tasks = [asyncio.create_task(sender(n)) for n in range(4)]
            await eventually(lambda: len(accepted) >= 150, timeout=60, what="150 accepted messages")
            server.kill()
            await asyncio.gather(*tasks)
    finally:
        server.kill()
    db = sqlite3.connect(tmp_path / "guiders.db")
    stored = dict(db.execute("SELECT client_message_id, id FROM messages").fetchall())
    sent_events = db.execute("SELECT payload FROM events WHERE type='message.sent'").fetchall()
    unpublished_before = db.execute("SELECT count(*) FROM outbox").fetchone()[0]
    db.close()
    for cid, message_id in accepted.items():
        assert stored[cid].replace("-", "") == message_id.replace("-", "")
    assert len(sent_events) == len(stored)
    assert len(set(stored)) == len(stored)

    server.start()  # restart: the relay publishes what it missed and empties the outbox
    try:

        def outbox_empty() -> bool:
            db = sqlite3.connect(tmp_path / "guiders.db")
            left = db.execute("SELECT count(*) FROM outbox").fetchone()[0]
            db.close()
            return bool(left == 0)

        await eventually(
            outbox_empty, timeout=10, what=f"the relay to publish {unpublished_before} events"
        )
        async with httpx.AsyncClient(base_url=server.base, timeout=10) as http:
            r = await http.get(
                "/api/v2/events",
                params={"type": "message.sent", "limit": 1000},
                headers={"authorization": f"Bearer {creds['integrationKey']}"},
            )
            assert len(r.json()["events"]) == len(stored)
    finally:
        server.stop()
