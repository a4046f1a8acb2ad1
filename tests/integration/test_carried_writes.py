"""A group commit's messages and chat changes ride in the events statement on PostgreSQL
(``store/carried_writes.py``): a batch is one read and one write, and what it stores is what
the separate statements stored, column by column, down to the driver's raw values."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx
import pytest
from sqlalchemy import event as sa_event

from guiders.runtime import Runtime
from guiders.store.carried_writes import CarriedWrites
from guiders.store.tables import chats, messages
from tests.integration.test_agent_tools_api import chat_of
from tests.integration.test_bulk_insert import message_pairs, stored, without_sender, write
from tests.integration.test_group_commit import open_chat


@pytest.fixture
def postgres_only(runtime: Runtime) -> None:
    if runtime.db.is_sqlite:
        pytest.skip("SQLite runs statements in process: nothing is carried there")


async def test_a_batch_is_one_read_and_one_write(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    opened = [await open_chat(api, demo, f"carried-{i}") for i in range(3)]
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        task = asyncio.current_task()
        if task is not None and task.get_name() == "group-commit":
            statements.append(" ".join(statement.split()))

    group = runtime.services.messages.group_commit
    batches_before = group.batches
    sync_engine = runtime.db.engine.sync_engine
    sa_event.listen(sync_engine, "before_cursor_execute", seen)
    try:
        answers = await asyncio.gather(
            *(
                api.post(f"/api/v2/chats/{chat}/messages", json={"content": f"m{n}"}, headers=h)
                for n in range(4)
                for chat, h in opened
            )
        )
    finally:
        sa_event.remove(sync_engine, "before_cursor_execute", seen)
    assert [a.status_code for a in answers] == [201] * 12, [a.text for a in answers]
    batches = group.batches - batches_before
    writes = [s for s in statements if not s.startswith("SELECT")]
    if runtime.db.is_sqlite:
        assert any(s.startswith("INSERT INTO messages") for s in writes)
    else:
        assert len(writes) == batches, writes
        assert all(s.startswith("WITH carried_messages AS") for s in writes), writes
        assert all("carried_chats AS (UPDATE chats" in s for s in writes), writes
    for chat, headers in opened:
        page = await api.get(f"/api/v2/chats/{chat}/messages", headers=headers)
        contents = sorted(m["content"] for m in page.json()["messages"])
        assert contents[-4:] == ["m0", "m1", "m2", "m3"], contents
    async with runtime.services.uow() as uow:
        for chat, _h in opened:
            kept = await uow.chats.get(UUID(chat))
            assert kept is not None and kept.total_messages >= 4
            assert kept.last_message_preview in {"m0", "m1", "m2", "m3"}


async def test_carried_rows_store_what_sqlalchemy_stores(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime, postgres_only: None
) -> None:
    ours, theirs = await message_pairs(api, demo)
    # no events recorded: the carried rows are written on their own before the commit
    async with runtime.services.uow() as uow:
        uow.events.carry(CarriedWrites(messages=ours))  # type: ignore[attr-defined]
        await uow.commit()
    await write(runtime, messages, theirs, bulk=False)
    ours_kept = await stored(runtime, messages, "id", [r["id"] for r in ours])
    theirs_kept = await stored(runtime, messages, "id", [r["id"] for r in theirs])
    assert without_sender(ours_kept) == without_sender(theirs_kept)


async def test_carried_chat_changes_store_what_a_save_stores(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime, postgres_only: None
) -> None:
    first = UUID((await chat_of(api, demo, fp="cc-1"))["id"])
    second = UUID((await chat_of(api, demo, fp="cc-2"))["id"])
    at = datetime(2026, 12, 7, 18, 0, 0, 250000, tzinfo=UTC)

    def change(chat: Any) -> None:
        chat.tag(["vip", "ünïcode"], at)
        chat.metadata.custom_fields["order"] = {"id": 7, "items": [1, None, "x"]}
        chat.last_message_preview = "¿Dónde? 📦"
        chat.last_message_at = at

    async with runtime.services.uow() as uow:
        one = await uow.chats.get(first, for_update=True)
        assert one is not None
        change(one)
        await uow.commit_batch([], [one])  # carried (PostgreSQL): an update of what changed
    async with runtime.services.uow() as uow:
        two = await uow.chats.get(second, for_update=True)
        assert two is not None
        change(two)
        await uow.chats.save(two)
        await uow.commit()
    kept_one = await stored(runtime, chats, "id", [first])
    kept_two = await stored(runtime, chats, "id", [second])
    different = {"visitor_id", "created_at", "visitor_info"}
    columns = [c.key for c in chats.columns if c.key != "id"]
    for row_one, row_two in zip(kept_one, kept_two, strict=True):
        for name, a, b in zip(columns, row_one, row_two, strict=True):
            if name not in different:
                assert a == b, name
