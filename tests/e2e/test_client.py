"""GuidersClient against a real server process: typed calls, events, reconnect and resume."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from guiders.client import GuidersClient
from guiders.domain.errors import Forbidden, NotFound, Unauthenticated
from tests.e2e.server import ServerProcess
from tests.waiting import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    proc = ServerProcess(tmp_path_factory.mktemp("client"))
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture
async def client(server: ServerProcess) -> AsyncIterator[GuidersClient]:
    async with GuidersClient(
        server.base, server.credentials()["integrationKey"], reconnection_delay_s=0.3
    ) as c:
        yield c


async def new_visitor_chat(server: ServerProcess, fp: str) -> tuple[str, dict[str, str]]:
    creds = server.credentials()
    async with httpx.AsyncClient(base_url=server.base, timeout=10) as http:
        visitor = (
            await http.post(
                "/api/auth/visitor/register",
                json={"apiKey": creds["siteKey"], "domain": "localhost", "fingerprint": fp},
            )
        ).json()
        headers = {"authorization": f"Bearer {visitor['accessToken']}"}
        chat = (
            await http.post(
                "/api/v2/chats", json={"visitorInfo": {"name": "Lucía"}}, headers=headers
            )
        ).json()
    return chat["chatId"], headers


async def visitor_says(
    server: ServerProcess, chat: str, headers: dict[str, str], text: str
) -> None:
    async with httpx.AsyncClient(base_url=server.base, timeout=10) as http:
        r = await http.post(
            f"/api/v2/chats/{chat}/messages", json={"content": text}, headers=headers
        )
        assert r.status_code == 201, r.text


async def until(predicate: Any, within: float = 10) -> None:
    await eventually(predicate, timeout=within)


async def test_typed_calls_cover_the_bot_and_worker_needs(
    server: ServerProcess, client: GuidersClient
) -> None:
    chat_id, headers = await new_visitor_chat(server, "client-typed")
    await visitor_says(server, chat_id, headers, "hola")
    chat = await client.get_chat(chat_id)
    assert chat.status == "PENDING" and chat.visitor_info.name == "Lucía"
    sent = await client.send_message(
        chat_id, "¡Hola!", type="ai-response", metadata={"confidence": 0.91}
    )
    assert sent.is_ai and sent.metadata["confidence"] == 0.91
    note = await client.send_internal_note(chat_id, "summary for the agent")
    assert note.is_internal
    messages = await client.all_messages(chat_id)
    assert [m.content for m in messages] == ["hola", "¡Hola!", "summary for the agent"]
    assert messages[0].from_visitor
    staff = await client.list_agents()
    assert {c.name for c in staff} == {"Ana García", "Ben Turner", "Carla Ruiz", "Olga Admin"}
    ben = next(c for c in staff if c.name == "Ben Turner")
    await client.set_agent_status(ben.id, "online")
    available = await client.available_agents()
    assert ben.id in [c.id for c in available]
    assigned = await client.assign(chat_id, ben.id)
    assert assigned.status == "ASSIGNED" and assigned.assigned_agent_id == ben.id
    page = await client.list_chats(status=["ASSIGNED"])
    assert chat_id in [c.id for c in page.items]
    assert (await client.get_visitor(chat.visitor_id)).id == chat.visitor_id
    assert isinstance(await client.visitor_sessions(chat.visitor_id), list)
    assert isinstance(await client.visitor_events(chat.visitor_id), list)
    log = await client.events(aggregate_id=chat_id)
    assert log.events[0].type == "chat.created" and log.last_seq >= log.events[-1].seq
    closed = await client.close_chat(chat_id, reason="resolved")
    assert closed.status == "CLOSED"
    await client.set_agent_status(ben.id, "offline")
    with pytest.raises(NotFound):
        await client.get_chat("00000000-0000-4000-8000-000000000000")


async def test_a_wrong_key_is_refused_with_the_servers_code(server: ServerProcess) -> None:
    async with GuidersClient(server.base, "gdr_live_not-a-key") as bad:
        with pytest.raises(Unauthenticated):
            await bad.connect()


async def test_events_arrive_in_order_once_and_survive_a_dropped_connection(
    server: ServerProcess,
) -> None:
    async with GuidersClient(
        server.base,
        server.credentials()["integrationKey"],
        reconnection_delay_s=2.5,  # with python-socketio's jitter: 2 to 3 s
        reconnection_delay_max_s=2.5,
    ) as client:
        await _drop_and_resume(server, client)


async def _drop_and_resume(server: ServerProcess, client: GuidersClient) -> None:
    got: list[dict[str, Any]] = []
    created: list[str] = []

    async def on_message(payload: dict[str, Any]) -> None:
        got.append(payload)

    async def on_created(payload: dict[str, Any]) -> None:
        created.append(payload["chatId"])

    client.on("message:new", on_message)
    client.on("chat:created", on_created)
    await client.connect()
    chat_id, headers = await new_visitor_chat(server, "client-resume")
    await until(lambda: chat_id in created)
    await client.join_chat(chat_id)
    await visitor_says(server, chat_id, headers, "one")
    await until(lambda: len(got) == 1)
    assert await client.typing(chat_id, True) is True

    await client.realtime.drop()
    await until(lambda: not client.realtime.connected, 5)
    for text in ("two", "three", "four"):
        await visitor_says(server, chat_id, headers, text)
    await until(lambda: len(got) >= 4, 15)
    # A live message after the replay: one socket delivers in order, so a duplicate replayed
    # message would arrive before it.
    await visitor_says(server, chat_id, headers, "five")
    await until(lambda: any(m["content"] == "five" for m in got), 15)
    assert [m["content"] for m in got] == ["one", "two", "three", "four", "five"]
    seqs = [m["seq"] for m in got]
    assert seqs == sorted(set(seqs))
    assert client.realtime.connects == 2 and client.realtime.replayed >= 3
    assert client.last_seq == seqs[-1]


async def test_a_chat_of_another_company_cannot_be_joined(
    server: ServerProcess, client: GuidersClient
) -> None:
    await client.connect()
    with pytest.raises(Forbidden):
        await client.join_chat("00000000-0000-4000-8000-000000000000")


async def test_both_names_of_one_log_event_are_delivered(
    server: ServerProcess, client: GuidersClient
) -> None:
    names: list[tuple[str, int]] = []

    async def on_any(payload: dict[str, Any]) -> None:
        if payload["event"].startswith("chat:") and "assigned" in payload["event"]:
            names.append((payload["event"], payload["seq"]))

    client.on("*", on_any)
    await client.connect()
    chat_id, _ = await new_visitor_chat(server, "client-names")
    ben = next(c for c in await client.list_agents() if c.name == "Ben Turner")
    await client.assign(chat_id, ben.id)
    await until(lambda: len(names) == 2)
    assert {n for n, _ in names} == {"chat:assigned", "chat:commercial-assigned"}
    assert names[0][1] == names[1][1]
    await client.close_chat(chat_id)


async def test_connect_from_a_seq_delivers_what_happened_since(
    server: ServerProcess, client: GuidersClient
) -> None:
    before = (await client.events(limit=1)).last_seq
    chat_id, _ = await new_visitor_chat(server, "client-from-seq")
    created: list[str] = []

    async def on_created(payload: dict[str, Any]) -> None:
        created.append(payload["chatId"])

    client.on("chat:created", on_created)
    await client.connect(from_seq=before)
    await until(lambda: chat_id in created)
    assert created == [chat_id]
