"""In-memory presence forgets what expired even when nobody reads it again."""

from __future__ import annotations

from datetime import UTC, datetime

from guiders.presence.memory import SWEEP_MIN, MemoryPresence
from guiders.services.ports import Typing


async def test_typing_left_behind_in_many_chats_is_swept() -> None:
    """Tabs closed while typing (no ``typing:stop``): before, one entry per chat forever."""
    store = MemoryPresence()
    for i in range(10 * SWEEP_MIN):
        typing = Typing(f"visitor-{i}", "visitor", datetime.now(UTC))
        await store.set_typing(f"chat-{i}", typing, ttl_s=-1)  # expired at once
    assert len(store._typing) <= SWEEP_MIN


async def test_a_stopped_typist_leaves_no_empty_chat_behind() -> None:
    store = MemoryPresence()
    await store.set_typing("chat", Typing("ana", "visitor", datetime.now(UTC)), ttl_s=60)
    await store.clear_typing("chat", "ana")
    await store.clear_typing("other", "ana")
    assert store._typing == {}


async def test_live_entries_survive_a_sweep() -> None:
    store = MemoryPresence()
    await store.set_typing("live", Typing("ana", "visitor", datetime.now(UTC)), ttl_s=60)
    await store.socket_opened("ana", "sid-live", ttl_s=60)
    for i in range(3 * SWEEP_MIN):
        await store.set_typing(f"c{i}", Typing("x", "visitor", datetime.now(UTC)), ttl_s=-1)
        await store.refresh([(f"u{i}", f"s{i}")], ttl_s=-1)
    assert [t.user_id for t in await store.typing("live")] == ["ana"]
    assert await store.socket_count("ana") == 1
    assert len(store._sockets) <= SWEEP_MIN
