"""Metric points kept in the database for the retention period and served as history; alerts
raised and resolved as events in the event log (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from fastapi import FastAPI

from guiders.api.app import create_app
from guiders.config import Settings
from guiders.observability.snapshot import MetricsCollector
from guiders.runtime import Runtime
from guiders.services.ports import EventFilter
from guiders.store.replay import replay_and_compare
from guiders.store.snapshots import SqlSnapshotStore
from guiders.store.unit_of_work import SqlUnitOfWork
from tests.integration.test_api import key_headers, staff, visitor


@pytest.fixture
async def app(runtime: Runtime, settings: Settings) -> FastAPI:
    return create_app(settings, runtime)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


def point(at: datetime, **figures: float | None) -> dict[str, Any]:
    base: dict[str, Any] = {
        "at": at.isoformat(),
        "throughput": 1.0,
        "errorRate": 0.0,
        "p95Ms": 20.0,
        "messagesPerMinute": 0.0,
        "aiFailureRate": None,
    }
    return base | figures


async def alert_events(runtime: Runtime, company: str) -> list[Any]:
    async with SqlUnitOfWork(runtime.db) as u:
        return await u.events.read(
            EventFilter(company_id=UUID(company), types=["alert.raised", "alert.resolved"])
        )


async def test_points_are_kept_for_the_retention_and_served_as_history(
    app: FastAPI, client: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    collector: MetricsCollector = app.state.metrics_collector
    now = datetime.now(UTC).replace(microsecond=0)
    old = now - timedelta(days=8)
    await collector.record(point(old), old)
    for n in range(4, 0, -1):
        t = now - timedelta(seconds=10 * n)
        await collector.record(point(t, throughput=float(n)), t)
    url = "/api/v2/dashboard/history"
    week = {"from": (now - timedelta(days=9)).isoformat(), "to": now.isoformat()}
    body = (await client.get(url, params=week, headers=key_headers(demo))).json()
    # the 8-day-old point was pruned when the newer ones were recorded (retention 7 days)
    assert [p["throughput"] for p in body["series"]] == [4.0, 3.0, 2.0, 1.0]
    assert all(p["node"] == collector.node for p in body["series"])
    thin = await client.get(url, params=week | {"maxPoints": 2}, headers=key_headers(demo))
    assert [p["throughput"] for p in thin.json()["series"]] == [4.0, 2.0]
    assert len((await client.get(url, headers=key_headers(demo))).json()["series"]) == 4

    bad = await client.get(
        url, params={"from": now.isoformat(), "to": old.isoformat()}, headers=key_headers(demo)
    )
    assert bad.status_code == 422 and bad.json()["error"] == "validation_error"
    junk = await client.get(url, params={"from": "yesterday"}, headers=key_headers(demo))
    assert junk.status_code == 422 and junk.json()["error"] == "validation_error"
    v = await visitor(client, demo)
    assert (await client.get(url, headers=v["headers"])).status_code == 403
    assert (await client.get(url, headers=await staff(client, demo, 1))).status_code == 403


async def test_a_new_process_reads_the_points_an_old_one_stored(
    runtime: Runtime, settings: Settings
) -> None:
    store = SqlSnapshotStore(runtime.db)
    t = datetime.now(UTC)
    await store.add("a", t, point(t))
    again = Runtime.build(settings)
    try:
        rows = await SqlSnapshotStore(again.db).history(t - timedelta(1), t, 10)
    finally:
        await again.db.dispose()
    assert [r["node"] for r in rows] == ["a"]
    assert await store.prune(t + timedelta(seconds=1)) == 1


async def test_alerts_are_raised_and_resolved_as_events(
    app: FastAPI, client: httpx.AsyncClient, runtime: Runtime, demo: dict[str, Any]
) -> None:
    collector: MetricsCollector = app.state.metrics_collector
    now = datetime.now(UTC)
    await collector.record(point(now, errorRate=0.25), now)
    later = now + timedelta(seconds=10)
    await collector.record(point(later, errorRate=0.4), later)
    snap = (await client.get("/api/v2/dashboard/snapshot", headers=key_headers(demo))).json()
    assert [(a["rule"], a["severity"]) for a in snap["alerts"]] == [("HighErrorRate", "critical")]
    [raised] = await alert_events(runtime, demo["companyId"])
    assert raised.type == "alert.raised"
    assert raised.payload["rule"] == "HighErrorRate" and raised.payload["value"] == 0.25
    assert raised.payload["threshold"] == 0.05 and raised.payload["severity"] == "critical"

    end = later + timedelta(seconds=10)
    await collector.record(point(end, errorRate=0.01), end)
    events = await alert_events(runtime, demo["companyId"])
    assert [e.type for e in events] == ["alert.raised", "alert.resolved"]
    assert events[1].payload["value"] == 0.01
    snap = (await client.get("/api/v2/dashboard/snapshot", headers=key_headers(demo))).json()
    assert snap["alerts"] == []
    report = await replay_and_compare(runtime.db)  # alert events project into no table
    assert report.ok, report.lines()


async def test_an_alert_raised_before_a_restart_is_resolved_after_it(
    app: FastAPI, runtime: Runtime, settings: Settings, demo: dict[str, Any]
) -> None:
    now = datetime.now(UTC)
    await app.state.metrics_collector.record(point(now, p95Ms=9000.0), now)
    restarted: MetricsCollector = create_app(settings, runtime).state.metrics_collector
    await restarted.restore_alerts()
    assert restarted.alerts is not None
    assert [a.rule for a in restarted.alerts.active] == ["HighResponseTime"]
    later = now + timedelta(seconds=10)
    await restarted.record(point(later, p95Ms=30.0), later)
    events = await alert_events(runtime, demo["companyId"])
    assert [(e.type, e.payload["rule"]) for e in events] == [
        ("alert.raised", "HighResponseTime"),
        ("alert.resolved", "HighResponseTime"),
    ]
    again: MetricsCollector = create_app(settings, runtime).state.metrics_collector
    await again.restore_alerts()
    assert again.alerts is not None and again.alerts.active == []
