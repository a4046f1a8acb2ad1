"""A chat read for update is saved by writing only the columns that changed (store/chats.py):
what changed in place (a tag, a nested custom field) still reaches the row, what did not is
not written, and an unchanged chat costs no statement."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy import event

from guiders.runtime import Runtime
from tests.integration.test_agent_tools_api import chat_of


async def updates_while(runtime: Runtime, chat_id: UUID, change: Any) -> list[str]:
    """The UPDATE statements one unit of work sends to save the chat after ``change``."""
    seen: list[str] = []

    def on_execute(*args: Any) -> None:
        if str(args[2]).lstrip().upper().startswith("UPDATE CHATS"):
            seen.append(" ".join(str(args[2]).split()))

    engine = runtime.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        async with runtime.services.uow() as uow:
            chat = await uow.chats.get(chat_id, for_update=True)
            assert chat is not None
            change(chat)
            await uow.chats.save(chat)
            await uow.commit()
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
    return seen


async def test_a_save_writes_what_changed_even_in_place(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    chat_id = UUID((await chat_of(api, demo))["id"])
    at = datetime.now(UTC)

    def tag_and_nest(chat: Any) -> None:
        chat.tag(["vip"], at)
        chat.metadata.custom_fields["order"] = {"id": 1}

    first = await updates_while(runtime, chat_id, tag_and_nest)
    assert len(first) == 1 and "metadata" in first[0] and "visitor_info" not in first[0]

    def nested_in_place(chat: Any) -> None:
        chat.metadata.custom_fields["order"]["id"] = 2

    assert len(await updates_while(runtime, chat_id, nested_in_place)) == 1
    assert await updates_while(runtime, chat_id, lambda chat: None) == []

    async with runtime.services.uow() as uow:
        stored = await uow.chats.get(chat_id)
    assert stored is not None
    assert stored.metadata.tags == ["vip"]
    assert stored.metadata.custom_fields == {"order": {"id": 2}}
    assert stored.version >= 1
