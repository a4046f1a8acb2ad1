"""Retention deletes exactly what is older than the company's limit (a dry run only counts);
consent to tracking and e-mail is recorded with its text, and a refusal is honoured."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from guiders.runtime import Runtime
from guiders.store.replay import replay_and_compare
from guiders.store.tables import chats, messages, tracking_events, visitor_sessions, visitors
from tests.integration.test_api import key_headers, visitor
from tests.integration.test_privacy_erasure import admin_headers

DAYS = 30


async def chat_with(api: httpx.AsyncClient, v: dict[str, Any], *texts: str) -> str:
    chat = (await api.post("/api/v2/chats", json={}, headers=v["headers"])).json()["chatId"]
    for text in texts:
        r = await api.post(
            f"/api/v2/chats/{chat}/messages", json={"content": text}, headers=v["headers"]
        )
        assert r.status_code == 201, r.text
    return str(chat)


async def track(api: httpx.AsyncClient, v: dict[str, Any], url: str) -> None:
    r = await api.post(
        "/api/tracking/events",
        headers=v["headers"],
        json={"events": [{"visitorId": v["visitorId"], "type": "page_view", "url": url}]},
    )
    assert r.status_code == 200 and r.json()["processed"] == 1, r.text


async def count(runtime: Runtime, table: Any, *where: Any) -> int:
    async with runtime.db.engine.connect() as conn:
        stmt = select(func.count()).select_from(table)
        for w in where:
            stmt = stmt.where(w)
        return int((await conn.execute(stmt)).scalar_one())


async def test_retention_deletes_exactly_what_is_older_than_the_limit(
    api: httpx.AsyncClient, runtime: Runtime, demo: dict[str, Any]
) -> None:
    """Everything made before ``limit`` is older than the limit when the pass runs
    ``DAYS`` days after it; everything made after is not."""
    admin = await admin_headers(api, runtime, demo)
    gone = await visitor(api, demo, "ret-gone")
    stays = await visitor(api, demo, "ret-stays")
    gone_chat = await chat_with(api, gone, "old visitor one", "old visitor two")
    old_chat = await chat_with(api, stays, "old chat")
    await track(api, gone, "/gone")
    await track(api, stays, "/old-page")
    limit = datetime.now(UTC)
    new_chat = await chat_with(api, stays, "new chat")
    await track(api, stays, "/new-page")
    await runtime.relay.flush()
    now = limit + timedelta(days=DAYS)
    old_sessions = await count(
        runtime,
        visitor_sessions,
        visitor_sessions.c.visitor_id == uuid.UUID(stays["visitorId"]),
        visitor_sessions.c.last_heartbeat_at < limit,
    )

    r = await api.put("/api/v2/privacy/retention", json={"retentionDays": DAYS}, headers=admin)
    assert r.status_code == 200 and r.json() == {"retentionDays": DAYS}
    company = uuid.UUID(demo["companyId"])
    dry = await runtime.services.privacy.apply_retention(company, DAYS, dry_run=True, now=now)
    assert dry.before == limit
    assert dry.counts() == {
        "visitors": 1,
        "chats": 1,  # besides the erased visitor's own
        "messages": 3,
        "sessions": old_sessions,
        "tracking": 1,  # besides the erased visitor's own
    }
    assert await count(runtime, chats) == 3, "a dry run deletes nothing"
    assert gone_chat and old_chat

    [report] = await runtime.services.privacy.apply_all(dry_run=False, now=now)
    assert report.counts() == dry.counts()
    assert await count(runtime, visitors, visitors.c.id == uuid.UUID(gone["visitorId"])) == 0
    assert await count(runtime, visitors, visitors.c.id == uuid.UUID(stays["visitorId"])) == 1
    async with runtime.db.engine.connect() as conn:
        left = set((await conn.execute(select(chats.c.id))).scalars())
        urls = set((await conn.execute(select(tracking_events.c.url))).scalars())
        texts = set((await conn.execute(select(messages.c.content))).scalars())
    assert {str(c) for c in left} == {new_chat}
    assert urls == {"/new-page"}
    assert texts == {"new chat"}
    report_replay = await replay_and_compare(runtime.db)
    assert report_replay.ok, report_replay.lines()

    again = await runtime.services.privacy.apply_retention(company, DAYS, dry_run=True, now=now)
    assert sum(again.counts().values()) == 0


async def test_retention_setting_is_an_admins_and_bounded(
    api: httpx.AsyncClient, runtime: Runtime, demo: dict[str, Any]
) -> None:
    admin = await admin_headers(api, runtime, demo)
    assert (await api.get("/api/v2/privacy/retention", headers=admin)).json() == {
        "retentionDays": None
    }
    preview = await api.get("/api/v2/privacy/retention/preview", headers=admin)
    assert preview.status_code == 200 and preview.json()["counts"] == {}
    for bad in (0, -1, 100_000, "x"):
        r = await api.put("/api/v2/privacy/retention", json={"retentionDays": bad}, headers=admin)
        assert r.status_code == 422, r.text
    r = await api.put(
        "/api/v2/privacy/retention", json={"retentionDays": 5}, headers=key_headers(demo)
    )
    assert r.status_code == 403
    r = await api.put("/api/v2/privacy/retention", json={"retentionDays": 90}, headers=admin)
    preview = await api.get("/api/v2/privacy/retention/preview", headers=admin)
    assert preview.json()["retentionDays"] == 90 and preview.json()["dryRun"] is True
    assert set(preview.json()["counts"]) == {
        "visitors",
        "chats",
        "messages",
        "sessions",
        "tracking",
    }


async def test_a_refused_tracking_consent_stops_tracking_and_is_recorded_with_its_text(
    api: httpx.AsyncClient, runtime: Runtime, demo: dict[str, Any]
) -> None:
    v = await visitor(api, demo, "consent-fp")
    await track(api, v, "/before")
    text = "We record the pages you visit to help you. [Refuse]"
    r = await api.post(
        f"/api/v2/visitors/{v['visitorId']}/consents",
        json={"purpose": "tracking", "granted": False, "text": text},
        headers=v["headers"],
    )
    assert r.status_code == 201, r.text
    r = await api.post(
        "/api/tracking/events",
        headers=v["headers"],
        json={"events": [{"visitorId": v["visitorId"], "type": "page_view", "url": "/after"}]},
    )
    assert r.status_code == 200 and r.json()["processed"] == 0, r.text
    assert await count(runtime, tracking_events, tracking_events.c.url == "/after") == 0
    consents = (
        await api.get(f"/api/v2/visitors/{v['visitorId']}/consents", headers=v["headers"])
    ).json()["consents"]
    assert [(c["purpose"], c["granted"], c["text"]) for c in consents] == [
        ("tracking", False, text)
    ]
    r = await api.post(
        f"/api/v2/visitors/{v['visitorId']}/consents",
        json={"purpose": "tracking", "granted": True, "text": text},
        headers=v["headers"],
    )
    await track(api, v, "/again")

    other = await visitor(api, demo, "someone-else")
    for body in (
        {"purpose": "tracking", "granted": True, "text": ""},
        {"purpose": "ads", "granted": True, "text": "x"},
        {"purpose": "email", "granted": True, "text": "x" * 5000},
    ):
        r = await api.post(
            f"/api/v2/visitors/{v['visitorId']}/consents", json=body, headers=v["headers"]
        )
        assert r.status_code == 422, (body, r.text)
    r = await api.post(
        f"/api/v2/visitors/{other['visitorId']}/consents",
        json={"purpose": "email", "granted": True, "text": "ok"},
        headers=v["headers"],
    )
    assert r.status_code == 404
