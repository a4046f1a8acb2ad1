"""A socket resuming over a log written by the old code gets, byte for byte, what the old
server sent: ``guiders up`` upgrades the recorded database (0004 to head) and serves it."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from guiders.config import Settings
from guiders.store.migrate import upgrade
from tests.e2e.server import ServerProcess
from tests.e2e.test_realtime import Recorder
from tests.fixtures.v1_log import FIXTURE, load

pytestmark = pytest.mark.e2e


def old_database(data_dir: Path) -> None:
    url = Settings(data_dir=data_dir).resolved_database_url
    upgrade(url, "0004")
    engine = create_engine(url.replace("+aiosqlite", ""))
    with engine.begin() as conn:
        load(conn)
    engine.dispose()
    # the recorded company is the demo one: ``guiders up`` reads it back instead of seeding
    (data_dir / "demo-credentials.json").write_text(
        json.dumps(FIXTURE["demo"] | {"staff": [], "domain": "localhost"})
    )


async def test_resume_over_an_old_log_sends_what_the_old_server_sent(tmp_path: Path) -> None:
    await asyncio.to_thread(old_database, tmp_path)
    server = ServerProcess(tmp_path, GUIDERS_LEGACY_API_KEYS="true")  # the recorded key's shape
    server.start()
    socket = Recorder()
    try:
        await socket.sio.connect(
            server.base, auth={"token": FIXTURE["demo"]["integrationKey"]}, transports=["websocket"]
        )
        ids = FIXTURE["ids"]
        assert (await socket.sio.call("chat:join", {"chatId": ids["chatId"]}))["success"]
        assert (await socket.sio.call("visitor:join", {"visitorId": ids["visitorId"]}))["success"]
        ack = await socket.sio.call("resume", {"lastSeq": 0})
        expected: list[list[Any]] = FIXTURE["resume"]
        assert ack == {
            "success": True,
            "replayed": len({json.loads(p)["seq"] for _, p in expected}),
        }
        got = [[name, json.dumps(data)] for name, data in socket.events if "seq" in data]
        assert got == expected
    finally:
        await socket.sio.disconnect()
        server.stop()
