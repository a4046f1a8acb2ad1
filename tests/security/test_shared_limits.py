"""Item 2 with issue 19: with Redis configured, N nodes share one limit, not N limits."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from guiders.config import Settings
from guiders.services.access import Principal, PrincipalKind

pytestmark = pytest.mark.redis


async def test_two_nodes_share_one_limit_through_redis(
    redis_url: str, redis_prefix: str, tmp_path: Path
) -> None:
    from guiders.api.ratelimit import RateLimits

    settings = Settings(
        _env_file=None,
        data_dir=tmp_path,
        environment="test",
        jwt_secret="test-secret-of-at-least-thirty-two-bytes",
        redis_url=redis_url,
        redis_prefix=redis_prefix,
        rate_limit_per_minute=6,
        failed_auth_per_minute=4,
    )
    node_a, node_b = RateLimits.from_settings(settings), RateLimits.from_settings(settings)
    principal = Principal(
        kind=PrincipalKind.INTEGRATION, company_id=uuid.uuid4(), subject_id=uuid.uuid4()
    )
    allowed = [
        (await (node_a if i % 2 else node_b).hit_principal(principal)).allowed for i in range(8)
    ]
    assert allowed == [True] * 6 + [False] * 2
    refused = await node_a.hit_principal(principal)
    assert refused.remaining == 0 and refused.retry_after_s > 0

    for node in (node_a, node_b, node_a, node_b):
        await node.record_failure("203.0.113.9")
    assert not (await node_b.failures_allowed("203.0.113.9")).allowed
    assert (await node_a.failures_allowed("203.0.113.10")).allowed
