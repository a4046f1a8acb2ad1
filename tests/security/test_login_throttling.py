"""Brute force: 400 wrong passwords, and the account must not sign in until its lock is over."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import structlog

from guiders.domain.errors import RateLimited
from guiders.domain.login_throttle import ACCOUNT_POLICY, ADDRESS_POLICY, Throttle
from guiders.runtime import Runtime


async def test_400_wrong_passwords_lock_the_account_until_the_lock_expires(
    open_api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    member = demo["staff"][1]
    now = datetime.now(UTC)
    runtime.services.login.clock = lambda: now
    statuses = []
    with structlog.testing.capture_logs() as logs:
        for i in range(400):
            r = await open_api.post(
                "/api/user/auth/login", json={"email": member["email"], "password": f"guess{i}"}
            )
            statuses.append(r.status_code)
    assert set(statuses) == {401, 429}
    assert statuses[: ACCOUNT_POLICY.max_failures] == [401] * ACCOUNT_POLICY.max_failures
    assert statuses.count(401) <= ACCOUNT_POLICY.max_failures + 1
    refused = await open_api.post(
        "/api/user/auth/login", json={"email": member["email"], "password": member["password"]}
    )
    assert refused.status_code == 429, refused.text
    assert refused.json()["error"] == "rate_limited"
    assert int(refused.headers["retry-after"]) >= 1
    failures = [e for e in logs if e["event"] == "login.failed"]
    assert len(failures) == 400
    assert all(member["password"] not in str(e) and member["email"] not in str(e) for e in failures)
    assert failures[0]["address"] and failures[0]["reason"] == "password"

    # the lock holds for another node reading the same database
    other = Runtime.build(runtime.settings)
    try:
        other.services.login.clock = lambda: now
        with pytest.raises(RateLimited):
            await other.services.login.staff_login(member["email"], member["password"], "10.9.9.9")
    finally:
        await other.db.dispose()

    runtime.services.login.clock = lambda: now + ADDRESS_POLICY.max_lock + timedelta(minutes=1)
    ok = await open_api.post(
        "/api/user/auth/login", json={"email": member["email"], "password": member["password"]}
    )
    assert ok.status_code == 200, ok.text


def test_locks_grow_and_are_forgotten_after_a_quiet_window() -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    state = Throttle("k")
    for _ in range(ACCOUNT_POLICY.max_failures):
        state = state.failed(t0, ACCOUNT_POLICY)
    first = state.retry_after(t0)
    assert first == ACCOUNT_POLICY.base_lock.total_seconds()
    t1 = t0 + ACCOUNT_POLICY.base_lock
    assert state.retry_after(t1) is None
    for _ in range(ACCOUNT_POLICY.max_failures):
        state = state.failed(t1, ACCOUNT_POLICY)
    assert state.retry_after(t1) == 2 * first
    quiet = t1 + 2 * ACCOUNT_POLICY.base_lock + ACCOUNT_POLICY.window
    state = state.failed(quiet, ACCOUNT_POLICY)
    assert state.lockouts == 0 and state.failures == 1


def test_a_burst_of_refused_sign_ins_raises_the_alert() -> None:
    """The ``login.failed`` counter feeds ``loginFailuresPerMinute``; its rule is in
    docs/alerts.rules.yml (checked equal to the code by tests/unit/observability)."""
    from guiders.observability.alerts import AlertEvaluator, production_rules
    from guiders.observability.metrics import LOGIN_FAILURES
    from guiders.observability.snapshot import point, read_counters

    before = read_counters()
    LOGIN_FAILURES.labels("unauthorized").inc(40)
    after = read_counters()
    figures = point(before, replace(after, at=before.at + 60))
    assert figures["loginFailuresPerMinute"] == pytest.approx(40)
    raised = AlertEvaluator(production_rules()).evaluate(figures, after.wall)
    assert [t.alert.rule for t in raised] == ["LoginFailureBurst"]
