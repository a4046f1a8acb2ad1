"""Group commit of sends (services/group_commit.py), on SQLite and PostgreSQL: concurrent sends
share transactions and every guarantee of a lone send still holds."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy import event as sa_event

from guiders.runtime import Runtime
from guiders.services.ports import EventFilter
from tests.integration.test_api import key_headers, visitor


async def open_chat(api: httpx.AsyncClient, demo: dict[str, Any], fp: str) -> tuple[str, Any]:
    v = await visitor(api, demo, fp)
    chat = (await api.post("/api/v2/chats", json={}, headers=v["headers"])).json()
    return chat["chatId"], v["headers"]


async def test_concurrent_sends_share_commits_in_order_with_their_own_actor(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    chat_a, visitor_a = await open_chat(api, demo, "a")
    chat_b, _ = await open_chat(api, demo, "b")
    group = runtime.services.messages.group_commit
    batches_before = group.batches
    sends = []
    for i in range(30):
        chat, headers = (chat_a, visitor_a) if i % 3 else (chat_b, key_headers(demo))
        body = {"content": f"m{i}", "clientMessageId": f"c{i % 20}"}
        sends.append(api.post(f"/api/v2/chats/{chat}/messages", json=body, headers=headers))
    answers = await asyncio.gather(*sends)
    assert all(a.status_code in (200, 201) for a in answers), [a.text for a in answers]
    # fewer transactions than sends: they were grouped
    assert group.batches - batches_before < 30
    created = [a.json() for a in answers if a.status_code == 201]
    repeats = [a.json() for a in answers if a.status_code == 200]
    # a clientMessageId repeated by the same sender in the same chat is stored once
    assert len(created) + len(repeats) == 30 and repeats
    by_client = {(m["chatId"], m["senderId"], m["clientMessageId"]): m["id"] for m in created}
    assert len(by_client) == len(created)
    for m in repeats:
        assert by_client[(m["chatId"], m["senderId"], m["clientMessageId"])] == m["id"]
    async with runtime.services.uow() as uow:
        found = await uow.chats.get(UUID(chat_a))
        assert found is not None
        company = found.company_id
        log = await uow.events.read(EventFilter(company_id=company, types=["message.sent"]))
    sent = [e for e in log if e.payload["chat_id"] in (chat_a, chat_b)]
    assert len(sent) == len(created)
    seqs = [e.seq for e in sent]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    # each event carries the actor of its own request
    for event in sent:
        expected = "visitor" if event.payload["chat_id"] == chat_a else "integration"
        assert event.actor_type == expected
    # the chats' counters saw every message once
    for chat, count in ((chat_a, sum(1 for m in created if m["chatId"] == chat_a)),):
        listing = (await api.get(f"/api/v2/chats/{chat}/messages", headers=visitor_a)).json()
        assert listing["total"] == count


async def test_a_refused_send_fails_alone_in_its_batch(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    chat_a, visitor_a = await open_chat(api, demo, "a")
    chat_b, _ = await open_chat(api, demo, "b")
    url = "/api/v2/chats/{}/messages"
    sends = [
        api.post(url.format(chat_a), json={"content": "fine"}, headers=visitor_a),
        # another visitor's chat: refused as missing
        api.post(url.format(chat_b), json={"content": "not mine"}, headers=visitor_a),
        api.post(url.format(chat_a), json={"content": "also fine"}, headers=visitor_a),
    ]
    answers = await asyncio.gather(*sends)
    assert [a.status_code for a in answers] == [201, 404, 201]
    listing = (await api.get(url.format(chat_a), headers=visitor_a)).json()
    assert [m["content"] for m in listing["messages"]] == ["fine", "also fine"]


async def test_a_batch_reads_its_chats_and_client_ids_once(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    chats = [await open_chat(api, demo, f"v{i}") for i in range(3)]
    url = "/api/v2/chats/{}/messages"
    first: dict[tuple[str, str], str] = {}
    for chat, headers in chats:
        for cid in ("x", "y"):
            body = {"content": f"first {cid}", "clientMessageId": cid}
            answer = await api.post(url.format(chat), json=body, headers=headers)
            assert answer.status_code == 201
            first[(chat, cid)] = answer.json()["id"]
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        statements.append(statement)

    group = runtime.services.messages.group_commit
    batches_before = group.batches
    sync_engine = runtime.db.engine.sync_engine
    sa_event.listen(sync_engine, "before_cursor_execute", seen)
    try:
        sends = [
            api.post(url.format(chat), json={"content": "again", "clientMessageId": cid}, headers=h)
            for chat, h in chats
            for cid in ("x", "y", "z", "z")
        ]
        answers = await asyncio.gather(*sends)
    finally:
        sa_event.remove(sync_engine, "before_cursor_execute", seen)
    batches = group.batches - batches_before
    codes = [a.status_code for a in answers]
    # per chat: x and y repeat the first copies, z is stored once and then repeated
    assert codes == [200, 200, 201, 200] * 3, [a.text for a in answers]
    for (chat, _h), i in zip(chats, range(0, 12, 4), strict=True):
        assert answers[i].json()["id"] == first[(chat, "x")]
        assert answers[i + 1].json()["id"] == first[(chat, "y")]
        assert answers[i + 3].json()["id"] == answers[i + 2].json()["id"]
    chat_reads = [s for s in statements if s.lstrip().startswith("SELECT") and "FROM chats" in s]
    client_reads = [s for s in statements if "FROM messages" in s and "client_message_id =" in s]
    assert batches < 12
    assert len(chat_reads) <= batches and len(client_reads) <= batches
