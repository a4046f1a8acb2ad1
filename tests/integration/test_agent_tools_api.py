"""The agent's daily tools over HTTP, on SQLite and PostgreSQL: canned responses, transfer with
a note, tags, departments, and full-text search (FTS5 / tsvector) kept to one company."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import text

from guiders.domain.company import StaffRole
from guiders.runtime import Runtime
from tests.integration.test_api import key_headers, staff, visitor
from tests.integration.test_model_health_api import admin

CANNED = "/api/v2/canned-responses"


async def chat_of(api: httpx.AsyncClient, demo: dict[str, Any], fp: str = "fp") -> dict[str, Any]:
    v = await visitor(api, demo, fp)
    chat = (await api.post("/api/v2/chats", json={}, headers=v["headers"])).json()
    return {"visitor": v, "chat": chat, "id": chat["chatId"]}


async def test_canned_responses_personal_and_company_with_rights(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    ben, carla = await staff(api, demo, 1), await staff(api, demo, 2)
    boss = await admin(api, runtime, demo)
    made = await api.post(
        CANNED, json={"shortcut": "/Hi", "content": "Hello {visitor.name}!"}, headers=ben
    )
    assert made.status_code == 201, made.text
    assert made.json()["shortcut"] == "hi" and made.json()["scope"] == "personal"
    # an agent cannot write the company's; an admin can
    company = {"scope": "company", "shortcut": "sig", "content": "-- {agent.name}, {company.name}"}
    assert (await api.post(CANNED, json=company, headers=ben)).status_code == 403
    assert (await api.post(CANNED, json=company, headers=boss)).status_code == 201
    # a duplicate shortcut in the same scope is a conflict, a bad one names the field
    dup = await api.post(CANNED, json={"shortcut": "hi", "content": "x"}, headers=ben)
    assert dup.status_code == 409
    bad = await api.post(CANNED, json={"shortcut": "no spaces", "content": "x"}, headers=ben)
    assert bad.status_code == 422 and "shortcut" in bad.text
    # each agent sees the company's and their own, never another's
    seen_ben = {r["shortcut"] for r in (await api.get(CANNED, headers=ben)).json()["responses"]}
    seen_carla = {r["shortcut"] for r in (await api.get(CANNED, headers=carla)).json()["responses"]}
    assert seen_ben == {"hi", "sig"} and seen_carla == {"sig"}
    own_id = made.json()["id"]
    changed = {"shortcut": "hi", "content": "Hi there"}
    assert (await api.put(f"{CANNED}/{own_id}", json=changed, headers=carla)).status_code == 404
    assert (await api.delete(f"{CANNED}/{own_id}", headers=carla)).status_code == 404
    assert (await api.put(f"{CANNED}/{own_id}", json=changed, headers=ben)).json()[
        "content"
    ] == "Hi there"
    # several snippets in one message, variables filled from the chat and the agent
    c = await chat_of(api, demo)
    await api.put(f"/api/v2/chats/{c['id']}/assign/{demo['staff'][1]['commercialId']}", headers=ben)
    expanded = await api.post(
        f"/api/v2/chats/{c['id']}/canned-expansion",
        json={"text": "/hi see /sig /none"},
        headers=ben,
    )
    assert expanded.status_code == 200, expanded.text
    assert expanded.json() == {
        "text": "Hi there see -- Ben Turner, Demo Shop /none",
        "used": ["hi", "sig"],
    }
    assert (await api.delete(f"{CANNED}/{own_id}", headers=ben)).status_code == 204
    # a visitor has no canned responses
    assert (await api.get(CANNED, headers=c["visitor"]["headers"])).status_code == 403


async def test_transfer_to_an_agent_with_a_note_and_to_a_department(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    ben, carla = await staff(api, demo, 1), await staff(api, demo, 2)
    ben_id, carla_id = demo["staff"][1]["commercialId"], demo["staff"][2]["commercialId"]
    c = await chat_of(api, demo)
    assert (
        await api.put(f"/api/v2/chats/{c['id']}/assign/{ben_id}", headers=ben)
    ).status_code == 200
    # Carla may not hand on Ben's chat; Ben may
    body = {"commercialId": carla_id, "note": "Wants a refund, order 1234"}
    assert (
        await api.post(f"/api/v2/chats/{c['id']}/transfer", json=body, headers=carla)
    ).status_code == 403
    moved = await api.post(f"/api/v2/chats/{c['id']}/transfer", json=body, headers=ben)
    assert moved.status_code == 200, moved.text
    assert (
        moved.json()["status"] == "TRANSFERRED" and moved.json()["assignedCommercialId"] == carla_id
    )
    # the receiving agent reads the note in the chat (an internal note the visitor never sees)
    seen = (await api.get(f"/api/v2/chats/{c['id']}/messages", headers=carla)).json()["messages"]
    assert any(
        m["content"] == "Transfer note: Wants a refund, order 1234" and m["isInternal"]
        for m in seen
    )
    mine = (
        await api.get(f"/api/v2/chats/{c['id']}/messages", headers=c["visitor"]["headers"])
    ).json()
    assert not any("refund" in m["content"] for m in mine["messages"])
    events = (await api.get("/api/v2/events?limit=1000", headers=key_headers(demo))).json()[
        "events"
    ]
    facts = [e for e in events if e["type"] == "chat.transferred"]
    assert len(facts) == 1
    # departments: an admin makes one; a transfer to it with nobody available queues it marked
    boss = await admin(api, runtime, demo)
    dept = {"name": "Refunds", "memberIds": [ben_id]}
    assert (await api.post("/api/v2/departments", json=dept, headers=ben)).status_code == 403
    made = await api.post("/api/v2/departments", json=dept, headers=boss)
    assert made.status_code == 201, made.text
    listed = (await api.get("/api/v2/departments", headers=carla)).json()["departments"]
    assert [d["name"] for d in listed] == ["Refunds"]
    await api.put(f"/api/v2/commercials/{ben_id}/status", json={"status": "offline"}, headers=ben)
    queued = await api.post(
        f"/api/v2/chats/{c['id']}/transfer", json={"departmentId": made.json()["id"]}, headers=carla
    )
    assert queued.status_code == 200, queued.text
    assert queued.json()["status"] == "PENDING"
    assert queued.json()["metadata"]["department"] == "Refunds"
    bad = await api.post(f"/api/v2/chats/{c['id']}/transfer", json={}, headers=boss)
    assert bad.status_code == 422


async def test_tags_added_removed_and_filtered(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    ben = await staff(api, demo, 1)
    ben_id = demo["staff"][1]["commercialId"]
    first, second = await chat_of(api, demo, "a"), await chat_of(api, demo, "b")
    for c in (first, second):
        await api.put(f"/api/v2/chats/{c['id']}/assign/{ben_id}", headers=ben)
    await api.post(
        f"/api/v2/chats/{first['id']}/tags", json={"tags": ["vip", "refund"]}, headers=ben
    )
    await api.post(f"/api/v2/chats/{second['id']}/tags", json={"tags": ["vipish"]}, headers=ben)
    found = (await api.get("/api/v2/chats?tag=vip", headers=ben)).json()["chats"]
    assert [c["id"] for c in found] == [first["id"]]
    removed = await api.delete(f"/api/v2/chats/{first['id']}/tags/vip", headers=ben)
    assert removed.status_code == 200 and removed.json()["metadata"]["tags"] == ["refund"]
    assert (await api.get("/api/v2/chats?tag=vip", headers=ben)).json()["chats"] == []
    events = (await api.get("/api/v2/events?limit=1000", headers=key_headers(demo))).json()[
        "events"
    ]
    assert [e["type"] for e in events if e["type"] in ("chat.tagged", "chat.untagged")] == [
        "chat.tagged",
        "chat.tagged",
        "chat.untagged",
    ]


async def test_full_text_search_is_indexed_and_kept_to_one_company(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    ben = await staff(api, demo, 1)
    first, second = await chat_of(api, demo, "a"), await chat_of(api, demo, "b")
    for c, words in (
        (first, "My parcel never arrived in Zaragoza"),
        (second, "Refund the parcels please"),
    ):
        sent = await api.post(
            f"/api/v2/chats/{c['id']}/messages",
            json={"content": words},
            headers=c["visitor"]["headers"],
        )
        assert sent.status_code == 201
    found = (await api.get("/api/v2/conversations/search?q=parcel", headers=ben)).json()["hits"]
    assert {h["chatId"] for h in found} == {first["id"], second["id"]}  # prefix: parcels too
    both = (await api.get("/api/v2/conversations/search?q=PARCEL zaragoza", headers=ben)).json()
    assert [h["chatId"] for h in both["hits"]] == [first["id"]]
    visitor_id = next(h["visitorId"] for h in found if h["chatId"] == second["id"])
    one = await api.get(
        f"/api/v2/conversations/search?q=parcel&visitorId={visitor_id}", headers=ben
    )
    assert [h["chatId"] for h in one.json()["hits"]] == [second["id"]]
    # query syntax of either database is inert: quotes, operators, wildcards
    for q in ['"', "parcel OR *", "a & !b", "NEAR(x y)", "'); drop table messages; --"]:
        assert (
            await api.get("/api/v2/conversations/search", params={"q": q}, headers=ben)
        ).status_code == 200
    # another company sees nothing of this one's
    other = await runtime.services.tenancy.create_company("Other")
    await runtime.services.tenancy.add_staff(
        other.id,
        email="eve@other.example",
        name="Eve",
        role=StaffRole.AGENT,
        password="other-password-123",
    )
    login = await api.post(
        "/api/user/auth/login",
        json={"email": "eve@other.example", "password": "other-password-123"},
    )
    eve = {"authorization": f"Bearer {login.json()['access_token']}"}
    assert (await api.get("/api/v2/conversations/search?q=parcel", headers=eve)).json()[
        "hits"
    ] == []
    assert (
        await api.get("/api/v2/conversations/search?q=parcel", headers=first["visitor"]["headers"])
    ).status_code == 403
    # and it is the index answering: FTS5 table / GIN index exist
    async with runtime.db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            rows = (await conn.execute(text("SELECT count(*) FROM messages_fts"))).scalar_one()
            assert rows >= 2
        else:
            plan = "\n".join(
                r[0]
                for r in await conn.execute(
                    text(
                        "EXPLAIN SELECT id FROM messages WHERE to_tsvector('simple', content) "
                        "@@ to_tsquery('simple', 'parcel:*')"
                    )
                )
            )
            index = (
                await conn.execute(
                    text(
                        "SELECT indexdef FROM pg_indexes "
                        "WHERE indexname = 'ix_messages_content_fts'"
                        " AND schemaname = current_schema()"
                    )
                )
            ).scalar_one()
            assert "gin" in index.lower() and "to_tsvector" in index, plan
