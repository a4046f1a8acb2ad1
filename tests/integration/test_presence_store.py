"""One contract for the presence stores: in memory and the real Redis."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from guiders.domain.errors import Unavailable
from guiders.presence.memory import MemoryPresence
from guiders.presence.redis import RedisPresence
from guiders.services.ports import PresenceStore, Typing
from tests.conftest import REDIS_URL, drop_redis_keys, redis_up, require_service
from tests.waiting import eventually


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[PresenceStore]:
    if request.param == "memory":
        yield MemoryPresence()
        return
    require_service("Redis", await redis_up())
    prefix = f"t{uuid.uuid4().hex[:12]}"
    redis = RedisPresence(REDIS_URL, prefix=prefix)
    yield redis
    await drop_redis_keys(redis._redis, prefix)
    await redis.close()


async def test_counts_a_users_open_sockets(store: PresenceStore) -> None:
    assert await store.socket_opened("u", "s1", 30) == 1
    assert await store.socket_opened("u", "s2", 30) == 2
    assert await store.socket_opened("other", "s3", 30) == 1
    assert await store.socket_closed("u", "s1") == 1
    assert await store.socket_closed("u", "s1") == 1
    assert await store.socket_closed("u", "s2") == 0
    assert await store.socket_count("u") == 0
    assert await store.socket_count("other") == 1


async def test_sockets_not_refreshed_expire_as_a_dead_nodes_would(store: PresenceStore) -> None:
    await store.socket_opened("u", "alive", 0.2)
    await store.socket_opened("u", "dead", 0.2)
    await store.refresh([("u", "alive")], 30)

    async def one_left() -> bool:
        return await store.socket_count("u") == 1

    await eventually(one_left, timeout=5, what="the unrefreshed socket to expire")
    assert await store.socket_closed("u", "alive") == 0


async def test_typing_is_listed_until_cleared_or_expired(store: PresenceStore) -> None:
    now = datetime.now(UTC)
    await store.set_typing("c", Typing("a", "visitor", now), 30)
    await store.set_typing("c", Typing("b", "commercial", now), 0.2)
    assert {t.user_id for t in await store.typing("c")} == {"a", "b"}

    async def only_a() -> bool:
        return await store.typing("c") == [Typing("a", "visitor", now)]

    await eventually(only_a, timeout=5, what="b's typing to expire")
    await store.clear_typing("c", "a")
    assert await store.typing("c") == []
    assert await store.typing("elsewhere") == []


async def test_an_unreachable_redis_is_a_service_unavailable_error() -> None:
    dead = RedisPresence("redis://127.0.0.1:9/0", prefix="nowhere")
    try:
        with pytest.raises(Unavailable):
            await dead.socket_opened("u", "s", 30)
        with pytest.raises(Unavailable):
            await dead.typing("c")
    finally:
        await dead.close()


async def test_remembers_when_staff_were_last_seen(store: PresenceStore) -> None:
    await store.staff_seen("c:a", 100.0)
    await store.staff_seen("c:b", 200.0)
    await store.staff_seen("c:a", 300.5)
    assert await store.staff_last_seen() == {"c:a": 300.5, "c:b": 200.0}
    await store.staff_gone("c:b")
    assert await store.staff_last_seen() == {"c:a": 300.5}


async def test_a_claim_goes_to_one_caller_per_period(store: PresenceStore) -> None:
    assert await store.claim("chore", 0.3) is True
    assert await store.claim("chore", 0.3) is False
    assert await store.claim("other", 0.3) is True
    await eventually(lambda: store.claim("chore", 0.3), timeout=5, what="the claim to lapse")


async def test_says_which_users_have_a_live_socket(store: PresenceStore) -> None:
    await store.socket_opened("a", "a1", 30)
    await store.socket_opened("a", "a2", 30)
    await store.socket_opened("b", "b1", 30)
    assert await store.connected(["a", "b", "c"]) == {"a", "b"}
    await store.socket_closed("a", "a1")  # one tab of two closed: still connected
    assert await store.connected(["a", "b"]) == {"a", "b"}
    await store.socket_closed("a", "a2")
    assert await store.connected(["a", "b"]) == {"b"}
    assert await store.connected([]) == set()


async def test_assignment_candidates_follow_live_connections(store: PresenceStore) -> None:
    from guiders.domain.agent import Agent, AgentStatus
    from guiders.domain.assignment import choose_agent
    from guiders.services.liveness import Liveness

    company = uuid.uuid4()
    gone, here = (
        Agent(id=uuid.uuid4(), company_id=company, name=n, status=AgentStatus.ONLINE)
        for n in ("Gone", "Here")
    )
    await store.socket_opened(str(here.id), "tab", 30)
    liveness = Liveness(store, required=True)
    candidates = await liveness.candidates([gone, here], {gone.id: 0, here.id: 3})
    assert [c.connected for c in candidates] == [False, True]
    assert choose_agent(candidates) == here  # despite Gone's lighter workload
    trusting = await Liveness(store, required=False).candidates([gone, here], {})
    assert all(c.connected for c in trusting)
