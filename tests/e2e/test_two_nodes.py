"""Two server processes sharing the real PostgreSQL and Redis, as behind a load balancer."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from tests.conftest import (
    PG_URL,
    REDIS_URL,
    _postgres_up,
    drop_redis_keys,
    redis_up,
    require_service,
)
from tests.e2e.server import ServerProcess
from tests.e2e.test_realtime import Recorder
from tests.waiting import eventually, never

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
async def shared_services() -> AsyncIterator[dict[str, str]]:
    """A PostgreSQL schema and a Redis prefix of this test's own."""
    require_service("PostgreSQL", await _postgres_up())
    require_service("Redis", await redis_up())
    schema = f"t_{uuid.uuid4().hex[:12]}"
    raw = PG_URL.replace("+asyncpg", "")
    conn = await asyncpg.connect(raw)
    await conn.execute(f"CREATE SCHEMA {schema}")
    await conn.close()
    prefix = f"t{uuid.uuid4().hex[:12]}"
    yield {
        "GUIDERS_DATABASE_URL": PG_URL,
        "GUIDERS_DATABASE_SCHEMA": schema,
        "GUIDERS_REDIS_URL": REDIS_URL,
        "GUIDERS_REDIS_PREFIX": prefix,
        "GUIDERS_JWT_SECRET": "two-nodes-share-one-secret-of-32-bytes!",
        "GUIDERS_PRESENCE_GRACE_S": "0.5",
    }
    conn = await asyncpg.connect(raw)
    await conn.execute(f"DROP SCHEMA {schema} CASCADE")
    await conn.close()
    from redis import asyncio as aioredis

    client = aioredis.Redis.from_url(REDIS_URL)
    await drop_redis_keys(client, prefix)
    await client.aclose()


@pytest.fixture
def nodes(tmp_path: Path, shared_services: dict[str, str]) -> Iterator[list[ServerProcess]]:
    """Node A seeds the demo tenant; node B finds its credentials in the same data dir."""
    started: list[ServerProcess] = []
    try:
        for _ in range(2):
            node = ServerProcess(tmp_path, env=shared_services)
            node.start()
            started.append(node)
        yield started
    finally:
        for node in started:
            node.stop()


async def connect(node: ServerProcess, auth: dict[str, Any]) -> Recorder:
    rec = Recorder()
    await rec.sio.connect(node.base, auth=auth, transports=["websocket"])
    return rec


async def test_a_socket_on_one_node_gets_what_the_other_sends_and_resumes_there(
    nodes: list[ServerProcess],
) -> None:
    a, b = nodes
    creds = a.credentials()
    key = {"authorization": f"Bearer {creds['integrationKey']}"}
    async with (
        httpx.AsyncClient(base_url=a.base, timeout=10) as via_a,
        httpx.AsyncClient(base_url=b.base, timeout=10) as via_b,
    ):
        visitor = (
            await via_a.post(
                "/api/auth/visitor/register",
                json={"apiKey": creds["siteKey"], "domain": "localhost", "fingerprint": "n2"},
            )
        ).json()
        vh = {"authorization": f"Bearer {visitor['accessToken']}"}
        chat = (await via_a.post("/api/v2/chats", json={}, headers=vh)).json()["chatId"]
        login = (
            await via_b.post(
                "/api/user/auth/login",
                json={
                    "email": creds["staff"][1]["email"],
                    "password": creds["staff"][1]["password"],
                },
            )
        ).json()
        on_a = await connect(a, {"token": visitor["accessToken"]})
        agent_on_b = await connect(b, {"token": login["access_token"]})
        try:
            assert (await agent_on_b.sio.call("chat:join", {"chatId": chat}))["success"]
            assert (await on_a.sio.call("chat:join", {"chatId": chat}))["success"]

            # REST on B -> socket on A, and REST on A -> socket on B, each exactly once
            r = await via_b.post(
                f"/api/v2/chats/{chat}/messages", json={"content": "from B"}, headers=key
            )
            assert r.status_code == 201
            assert (await on_a.wait_for("message:new"))[0]["content"] == "from B"
            await via_a.post(
                f"/api/v2/chats/{chat}/messages", json={"content": "from A"}, headers=vh
            )
            await agent_on_b.wait_for("message:new", 2)

            # ephemeral typing goes through the Socket.IO Redis manager, not the log
            assert (await on_a.sio.call("typing:start", {"chatId": chat}))["success"]
            typing = await agent_on_b.wait_for("typing:start")
            assert typing[0]["userId"] == visitor["visitorId"] and "seq" not in typing[0]
            r = await via_b.post(f"/api/presence/chat/{chat}/typing/stop", headers=key)
            assert r.status_code == 200
            assert (await on_a.wait_for("typing:stop"))[0]["userType"] == "ai"

            # both nodes committing at once: the sockets still get every seq once, in order
            async def send(client: httpx.AsyncClient, text: str) -> None:
                r = await client.post(
                    f"/api/v2/chats/{chat}/messages", json={"content": text}, headers=key
                )
                assert r.status_code == 201

            await asyncio.gather(
                *[send(via_a if i % 2 else via_b, f"burst {i}") for i in range(40)]
            )
            for rec in (on_a, agent_on_b):
                got = await rec.wait_for("message:new", 42)
                seqs = [m["seq"] for m in got]
                assert seqs == sorted(set(seqs)), "out of order or duplicated"
                assert {m["content"] for m in got[2:]} == {f"burst {i}" for i in range(40)}
            last_seq = on_a.named("message:new")[-1]["seq"]

            a.kill()  # node A dies; its sockets are gone
            for i in range(20):
                await send(via_b, f"missed {i}")
            back = await connect(b, {"token": visitor["accessToken"], "lastSeq": last_seq})
            try:
                await back.wait_for("message:new", 20)
                await send(via_b, "live")
                await back.wait_for("message:new", 21)
                # A last message: each socket delivers in order, so a duplicate of the replay
                # would come before it.
                await send(via_b, "end")
                await back.wait_for("message:new", 22)
                await agent_on_b.wait_for("message:new", 42 + 22)
                contents = [m["content"] for m in back.named("message:new")]
                assert contents == [f"missed {i}" for i in range(20)] + ["live", "end"]
                assert len(on_a.named("message:new")) == 42  # nothing after the kill
                assert len(agent_on_b.named("message:new")) == 42 + 22
            finally:
                await back.sio.disconnect()
        finally:
            await on_a.sio.disconnect()
            await agent_on_b.sio.disconnect()


async def test_an_agent_is_online_while_any_node_holds_a_socket_of_theirs(
    nodes: list[ServerProcess],
) -> None:
    a, b = nodes
    creds = a.credentials()
    tokens = []
    async with httpx.AsyncClient(base_url=a.base, timeout=10) as http:
        for member in creds["staff"][:2]:
            r = await http.post(
                "/api/user/auth/login",
                json={"email": member["email"], "password": member["password"]},
            )
            tokens.append(r.json()["access_token"])
    ben = creds["staff"][1]["commercialId"]
    supervisor = await connect(b, {"token": tokens[0]})
    try:

        def ben_statuses() -> list[str]:
            return [
                e["status"] for e in supervisor.named("commercial:status") if e["userId"] == ben
            ]

        async def ben_has(count: int) -> None:
            await eventually(
                lambda: len(ben_statuses()) >= count, timeout=10, what=f"{count} of Ben's statuses"
            )

        ben_on_a = await connect(a, {"token": tokens[1]})
        await ben_has(1)
        assert ben_statuses() == ["online"]
        ben_on_b = await connect(b, {"token": tokens[1]})
        await ben_on_a.sio.disconnect()
        # A negative: node A's grace timer ends in A's process with no event when Ben stays, so
        # the check spans three grace periods and fails as soon as a status change arrives.
        await never(lambda: len(ben_statuses()) > 1, window=1.5, what="a change of Ben's status")
        assert ben_statuses() == ["online"]
        await ben_on_b.sio.disconnect()
        await ben_has(2)
        assert ben_statuses() == ["online", "offline"]
        change = [e for e in supervisor.named("presence:changed") if e["userId"] == ben][-1]
        assert change["previousStatus"] == "online" and change["seq"] > 0
    finally:
        await supervisor.sio.disconnect()


async def test_two_tabs_on_two_nodes_then_none_and_the_agent_is_never_assigned(
    tmp_path: Path, shared_services: dict[str, str]
) -> None:
    """Presence that tells the truth (issue 16), with Redis presence: one tab on each node."""
    from tests.e2e.test_presence_tabs import TRUTHFUL, two_tabs_then_none

    started: list[ServerProcess] = []
    try:
        for _ in range(2):
            node = ServerProcess(tmp_path, env={**shared_services, **TRUTHFUL})
            node.start(timeout=180)  # a start took 47 s on the shared test machine
            started.append(node)
        await two_tabs_then_none(started)
    finally:
        for node in started:
            node.stop()
