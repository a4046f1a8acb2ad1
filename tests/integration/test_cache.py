"""One contract for the caches (in memory and the real Redis), and the prediction reads they
save: served from the cache, access still checked, dropped when a new score is recorded."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx
import pytest
from sqlalchemy import update

from guiders.cache.memory import MemoryCache
from guiders.cache.redis import RedisCache
from guiders.config import Settings
from guiders.domain.events import StoredEvent
from guiders.runtime import Runtime, build_cache, forget_scored
from guiders.services.analytics import prediction_key
from guiders.services.ports import Cache
from guiders.store.tables import visitor_analyses
from tests.conftest import REDIS_URL, drop_redis_keys, redis_up, require_service
from tests.integration.test_api import key_headers, staff, visitor
from tests.integration.test_strategies import score
from tests.waiting import eventually


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def cache(request: pytest.FixtureRequest) -> AsyncIterator[Cache]:
    if request.param == "memory":
        yield MemoryCache()
        return
    require_service("Redis", await redis_up())
    prefix = f"t{uuid.uuid4().hex[:12]}"
    redis = RedisCache(REDIS_URL, prefix=prefix)
    yield redis
    await drop_redis_keys(redis._redis, prefix)
    await redis.close()


async def test_values_come_back_until_they_expire_or_are_deleted(cache: Cache) -> None:
    value = {"segment": "vip", "p": 0.91, "factors": [1, 2]}
    assert await cache.get("a") is None
    await cache.set("a", value, ttl_s=30)
    await cache.set("b", value, ttl_s=0.05)
    got = await cache.get("a")
    assert got == value
    got["segment"] = "changed"  # the caller's copy, not the cache's
    assert (await cache.get("a"))["segment"] == "vip"
    await cache.delete("a")
    assert await cache.get("a") is None

    async def expired() -> bool:
        return await cache.get("b") is None

    await eventually(expired, timeout=2, what="the 50 ms entry to expire")
    await cache.set("c", value, ttl_s=0)  # a TTL of 0 means "do not cache"
    assert await cache.get("c") is None


async def test_a_prediction_is_served_from_the_cache_until_a_new_score(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    v = await visitor(api, demo)
    url = f"/api/v2/visitors/{v['visitorId']}/prediction"
    assert (await api.put(url, json=score(0.2, "nurturing"), headers=key_headers(demo))).is_success
    first = (await api.get(url, headers=key_headers(demo))).json()
    # change the row behind the cache's back: the next read is the cached copy
    async with runtime.db.engine.begin() as conn:
        await conn.execute(
            update(visitor_analyses)
            .where(visitor_analyses.c.visitor_id == UUID(v["visitorId"]))
            .values(conversion_probability=0.99)
        )
    cached = (await api.get(url, headers=await staff(api, demo, 0))).json()
    assert cached == first and cached["conversionProbability"] == 0.2
    assert (await api.get(url, headers=v["headers"])).status_code == 403  # checked on a hit too

    assert (await api.put(url, json=score(0.6, "standard"), headers=key_headers(demo))).is_success
    fresh = (await api.get(url, headers=key_headers(demo))).json()
    assert fresh["conversionProbability"] == 0.6 and fresh["segment"] == "standard"


async def test_the_cache_is_redis_when_redis_is_configured(settings: Settings) -> None:
    assert isinstance(build_cache(settings), MemoryCache)
    shared = build_cache(settings.model_copy(update={"redis_url": REDIS_URL}))
    assert isinstance(shared, RedisCache)
    await shared.close()


async def test_a_score_event_drops_a_copy_cached_while_it_was_written(runtime: Runtime) -> None:
    visitor_id = uuid.uuid4()
    assert runtime.cache is not None
    await runtime.cache.set(prediction_key(visitor_id), {"stale": True}, ttl_s=60)
    event = StoredEvent(
        event_id=uuid.uuid4(),
        seq=1,
        company_id=uuid.uuid4(),
        aggregate_type="visitor",
        aggregate_id=visitor_id,
        version=2,
        type="visitor.analyzed",
        payload={},
        actor_id=None,
        actor_type="integration",
        correlation_id=None,
        occurred_at=datetime.now(UTC),
    )
    await forget_scored(runtime.services)(event)
    assert await runtime.cache.get(prediction_key(visitor_id)) is None
