"""Full-text indexing in batches on SQLite (store/search.py, services/search_indexing.py): a
search finds what was sent just before it, the job empties the backlog in bounded batches, and
an edit or a delete while a message waits leaves neither a duplicate nor a stale hit."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx
import pytest
from sqlalchemy import text

from guiders.runtime import Runtime
from guiders.services.ports import UnitOfWork
from guiders.services.search_indexing import SearchIndexing
from tests.integration.test_agent_tools_api import chat_of
from tests.integration.test_api import staff

SEARCH = "/api/v2/conversations/search"


@pytest.fixture
async def sqlite_runtime(runtime: Runtime) -> Runtime:
    if not runtime.db.is_sqlite:
        pytest.skip("PostgreSQL's GIN index is kept by the database, in the transaction")
    assert runtime.search_indexing is not None
    await runtime.search_indexing.stop()  # each test runs the passes itself
    return runtime


async def scalar(runtime: Runtime, sql: str, **params: Any) -> Any:
    async with runtime.db.reading() as conn:
        return (await conn.execute(text(sql), params)).scalar()


async def write(runtime: Runtime, sql: str, **params: Any) -> None:
    assert runtime.db.write_lock is not None
    async with runtime.db.write_lock, runtime.db.engine.begin() as conn:
        await conn.execute(text(sql), params)


async def indexed(runtime: Runtime, message_id: str) -> int:
    return int(
        await scalar(
            runtime,
            "SELECT count(*) FROM messages_fts WHERE message_id = :id",
            id=UUID(message_id).hex,
        )
    )


async def send(api: httpx.AsyncClient, chat: dict[str, Any], words: str) -> str:
    sent = await api.post(
        f"/api/v2/chats/{chat['id']}/messages",
        json={"content": words},
        headers=chat["visitor"]["headers"],
    )
    assert sent.status_code == 201, sent.text
    return str(sent.json()["id"])


async def test_a_search_finds_a_message_still_waiting_to_be_indexed(
    api: httpx.AsyncClient, demo: dict[str, Any], sqlite_runtime: Runtime
) -> None:
    runtime = sqlite_runtime
    ben = await staff(api, demo, 1)
    chat = await chat_of(api, demo, "waiting")
    message = await send(api, chat, "Where is my quokka plushie")
    assert await indexed(runtime, message) == 0  # not in the send's transaction
    assert await scalar(runtime, "SELECT count(*) FROM messages_fts_pending") >= 1
    hits = (await api.get(SEARCH, params={"q": "quokka"}, headers=ben)).json()["hits"]
    assert [h["messageId"] for h in hits] == [message]
    # the search's catch-up was committed: the backlog is gone, indexed once
    assert await scalar(runtime, "SELECT count(*) FROM messages_fts_pending") == 0
    assert await indexed(runtime, message) == 1


async def test_the_job_indexes_the_backlog_in_bounded_batches(
    api: httpx.AsyncClient, demo: dict[str, Any], sqlite_runtime: Runtime
) -> None:
    runtime = sqlite_runtime
    chat = await chat_of(api, demo, "backlog")
    ids = [await send(api, chat, f"wombat number {i}") for i in range(25)]
    backlog = int(await scalar(runtime, "SELECT count(*) FROM messages_fts_pending"))
    assert backlog >= 25
    transactions = 0

    def counted() -> UnitOfWork:
        nonlocal transactions
        transactions += 1
        return runtime.services.uow()

    job = SearchIndexing(counted, batch=10)
    assert await job.pass_once() == backlog
    assert transactions == backlog // 10 + 1  # at most 10 messages a transaction
    assert await scalar(runtime, "SELECT count(*) FROM messages_fts_pending") == 0
    assert [await indexed(runtime, i) for i in ids] == [1] * 25
    assert await job.pass_once() == 0


async def test_an_edit_or_a_delete_while_waiting_leaves_no_duplicate_nor_stale_hit(
    api: httpx.AsyncClient, demo: dict[str, Any], sqlite_runtime: Runtime
) -> None:
    runtime = sqlite_runtime
    ben = await staff(api, demo, 1)
    chat = await chat_of(api, demo, "edits")
    edited = await send(api, chat, "first draft about axolotls")
    dropped = await send(api, chat, "this axolotl message goes away")
    await write(
        runtime,
        "UPDATE messages SET content = 'second draft about capybaras' WHERE id = :id",
        id=UUID(edited).hex,
    )
    await write(runtime, "DELETE FROM messages WHERE id = :id", id=UUID(dropped).hex)
    assert (await api.get(SEARCH, params={"q": "axolotl"}, headers=ben)).json()["hits"] == []
    hits = (await api.get(SEARCH, params={"q": "capybaras"}, headers=ben)).json()["hits"]
    assert [h["messageId"] for h in hits] == [edited]
    # edited again once indexed: still one entry, with the new words
    await write(
        runtime,
        "UPDATE messages SET content = 'third draft about pangolins' WHERE id = :id",
        id=UUID(edited).hex,
    )
    hits = (await api.get(SEARCH, params={"q": "pangolins"}, headers=ben)).json()["hits"]
    assert [h["messageId"] for h in hits] == [edited]
    assert (await api.get(SEARCH, params={"q": "capybaras"}, headers=ben)).json()["hits"] == []
    assert await indexed(runtime, edited) == 1


async def test_a_deleted_message_leaves_the_index_by_key(
    api: httpx.AsyncClient, demo: dict[str, Any], sqlite_runtime: Runtime
) -> None:
    """An erasure or the retention job deletes messages one by one: each finds its index
    entry through ``messages_fts_ids`` (the FTS5 table's ``message_id`` is unindexed, and a
    search of it read the whole index per deleted message)."""
    runtime = sqlite_runtime
    ben = await staff(api, demo, 1)
    chat = await chat_of(api, demo, "deleted")
    kept = await send(api, chat, "the okapi stays")
    gone = await send(api, chat, "the okapi leaves")
    assert await SearchIndexing(runtime.services.uow).pass_once() >= 2
    entry = await scalar(
        runtime, "SELECT entry FROM messages_fts_ids WHERE message_id = :id", id=UUID(gone).hex
    )
    assert entry is not None
    assert (
        await scalar(runtime, "SELECT message_id FROM messages_fts WHERE rowid = :e", e=entry)
        == UUID(gone).hex
    )
    await write(runtime, "DELETE FROM messages WHERE id = :id", id=UUID(gone).hex)
    assert await indexed(runtime, gone) == 0
    assert (
        await scalar(
            runtime,
            "SELECT count(*) FROM messages_fts_ids WHERE message_id = :id",
            id=UUID(gone).hex,
        )
        == 0
    )
    hits = (await api.get(SEARCH, params={"q": "okapi"}, headers=ben)).json()["hits"]
    assert [h["messageId"] for h in hits] == [kept]
    async with runtime.db.reading() as conn:
        plan = " ".join(
            str(row[-1])
            for row in await conn.execute(
                text("EXPLAIN QUERY PLAN SELECT entry FROM messages_fts_ids WHERE message_id = 'x'")
            )
        )
    assert "PRIMARY KEY" in plan, plan
