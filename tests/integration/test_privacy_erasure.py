"""Erasure leaves no trace: every table and every event payload searched, on SQLite and
PostgreSQL; the log still replays, and the erased facts read as erased."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import MetaData, select

from guiders.domain.company import StaffRole
from guiders.domain.personal_data import ERASED, ERASED_KEY
from guiders.runtime import Runtime
from guiders.services.knowledge_ports import UnansweredQuestion
from guiders.services.ports import EventFilter
from guiders.store.replay import replay_and_compare
from tests.integration.test_api import key_headers, visitor

EMAIL = "erase-me-7f3a@example.com"
SECRET = "my order 991-secret-question"


async def admin_headers(api: httpx.AsyncClient, runtime: Runtime, demo: dict[str, Any]) -> Any:
    email = f"admin-{uuid.uuid4().hex[:8]}@demo.guiders.local"
    await runtime.services.tenancy.add_staff(
        uuid.UUID(demo["companyId"]),
        email=email,
        name="Ada Admin",
        role=StaffRole.ADMIN,
        password="a-long-enough-password-1",
        seniority=1,
    )
    r = await api.post(
        "/api/user/auth/login", json={"email": email, "password": "a-long-enough-password-1"}
    )
    assert r.status_code == 200, r.text
    return {"authorization": f"Bearer {r.json()['access_token']}"}


async def a_visitor_with_everything(
    api: httpx.AsyncClient, runtime: Runtime, demo: dict[str, Any], fp: str, email: str, text: str
) -> dict[str, Any]:
    v = await visitor(api, demo, fp)
    vid, h = v["visitorId"], v["headers"]
    r = await api.patch(
        f"/api/v2/visitors/{vid}",
        json={"name": f"Erin {fp}", "email": email, "emailConsent": True},
        headers=h,
    )
    assert r.status_code == 200, r.text
    chat = (await api.post("/api/v2/chats", json={}, headers=h)).json()
    r = await api.post(
        f"/api/v2/chats/{chat['chatId']}/messages", json={"content": text}, headers=h
    )
    assert r.status_code == 201, r.text
    r = await api.post(
        "/api/tracking/events",
        headers=h,
        json={"events": [{"visitorId": vid, "type": "page_view", "url": f"/p?q={text}"}]},
    )
    assert r.status_code == 200, r.text
    r = await api.put(
        f"/api/v2/visitors/{vid}/prediction",
        headers=key_headers(demo),
        json={
            "conversionProbability": 0.4,
            "segment": "standard",
            "modelVersion": "m1",
            "profile": {"email": email},
            "context": {"lastMessage": text},
        },
    )
    assert r.status_code == 200, r.text
    r = await api.post(
        "/api/v2/mail/outbox",
        headers=key_headers(demo),
        json={"visitorId": vid, "subject": "About your question", "body": f"You asked: {text}"},
    )
    assert r.status_code == 201, r.text
    r = await api.post(
        f"/api/v2/visitors/{vid}/consents",
        headers=h,
        json={"purpose": "email", "granted": True, "text": "E-mail me about my question."},
    )
    assert r.status_code == 201, r.text
    r = await api.post(
        "/api/v2/visitors/me/email",
        headers=h,
        json={
            "email": email,
            "consent": True,
            "consentText": "Write to me",
            "chatId": chat["chatId"],
        },
    )
    assert r.status_code == 201, r.text
    async with runtime.services.uow() as uow:
        await uow.knowledge.add_question(
            UnansweredQuestion(
                id=uuid.uuid4(),
                company_id=uuid.UUID(demo["companyId"]),
                question=text,
                language="en",
                reason="no_match",
                asked_at=datetime.now(UTC),
                chat_id=chat["chatId"],
                vector=b"\x00" * 16,
            ),
            keep=1000,
        )
        await uow.commit()
    return {"visitorId": vid, "chatId": chat["chatId"], "headers": h}


async def everything_that_mentions(runtime: Runtime, *needles: str) -> list[str]:
    """Every row of every table in the live database (reflected, not our models) that holds
    one of ``needles`` in any column, as ``table: row``."""
    found: list[str] = []
    async with runtime.db.engine.connect() as conn:
        live = MetaData(schema=runtime.settings.database_schema)
        await conn.run_sync(lambda sync: live.reflect(sync))
        assert "events" in {t.name for t in live.sorted_tables}
        for table in live.sorted_tables:
            for row in await conn.execute(select(table)):
                text = json.dumps(
                    [v.decode("latin-1") if isinstance(v, bytes) else v for v in row],
                    default=str,
                )
                found += [f"{table.name}: {text}" for n in needles if n in text]
    return found


async def test_erasure_leaves_nothing_of_the_visitor_and_the_log_still_replays(
    api: httpx.AsyncClient, runtime: Runtime, demo: dict[str, Any]
) -> None:
    admin = await admin_headers(api, runtime, demo)
    gone = await a_visitor_with_everything(api, runtime, demo, "erase-fp", EMAIL, SECRET)
    kept = await a_visitor_with_everything(
        api, runtime, demo, "keep-fp", "keep-me@example.com", "kept words"
    )
    await runtime.relay.flush()
    assert await everything_that_mentions(runtime, EMAIL, SECRET), "the search finds live data"

    exported = await api.get(f"/api/v2/privacy/visitors/{gone['visitorId']}/export", headers=admin)
    assert exported.status_code == 200, exported.text
    assert EMAIL in exported.text and SECRET in exported.text
    assert {e["type"] for e in exported.json()["events"]} >= {"message.sent", "chat.created"}

    r = await api.post(f"/api/v2/privacy/visitors/{gone['visitorId']}/erasure", headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["removed"]["visitor_keys"] == 1
    await runtime.relay.flush()

    left = await everything_that_mentions(runtime, EMAIL, SECRET, "Erin erase-fp")
    assert not left, "\n".join(left)
    assert await everything_that_mentions(runtime, "keep-me@example.com", "kept words")

    company = uuid.UUID(demo["companyId"])
    async with runtime.services.uow() as uow:
        chat_events = await uow.events.read(
            EventFilter(company_id=company, aggregate_id=uuid.UUID(gone["chatId"]))
        )
        kept_events = await uow.events.read(
            EventFilter(company_id=company, aggregate_id=uuid.UUID(kept["chatId"]))
        )
    sent = next(e for e in chat_events if e.type == "message.sent")
    assert sent.payload["content"] == ERASED and "content" in sent.payload[ERASED_KEY]
    kept_sent = next(e for e in kept_events if e.type == "message.sent")
    assert kept_sent.payload["content"] == "kept words" and ERASED_KEY not in kept_sent.payload

    report = await replay_and_compare(runtime.db)
    assert report.ok, report.lines()

    again = await api.post(f"/api/v2/privacy/visitors/{gone['visitorId']}/erasure", headers=admin)
    assert again.status_code == 404
    exported = await api.get(f"/api/v2/privacy/visitors/{gone['visitorId']}/export", headers=admin)
    assert exported.status_code == 404


async def test_only_an_admin_of_the_company_erases_or_exports(
    api: httpx.AsyncClient, runtime: Runtime, demo: dict[str, Any]
) -> None:
    v = await visitor(api, demo, "protected")
    supervisor = demo["staff"][0]
    login = await api.post(
        "/api/user/auth/login",
        json={"email": supervisor["email"], "password": supervisor["password"]},
    )
    as_supervisor = {"authorization": f"Bearer {login.json()['access_token']}"}
    for headers in (as_supervisor, key_headers(demo), v["headers"]):
        r = await api.post(f"/api/v2/privacy/visitors/{v['visitorId']}/erasure", headers=headers)
        assert r.status_code == 403, r.text
        r = await api.get(f"/api/v2/privacy/visitors/{v['visitorId']}/export", headers=headers)
        assert r.status_code == 403, r.text
    admin = await admin_headers(api, runtime, demo)
    other = await runtime.services.tenancy.create_company("Other Shop")
    site = await runtime.services.tenancy.add_site(
        other.id, name="o", domain="other.example", aliases=[]
    )
    r = await api.post(
        "/api/auth/visitor/register",
        json={"apiKey": site.site_key, "domain": "other.example", "fingerprint": "x"},
    )
    assert r.status_code == 200, r.text
    stranger = r.json()["visitorId"]
    r = await api.post(f"/api/v2/privacy/visitors/{stranger}/erasure", headers=admin)
    assert r.status_code == 404


async def test_a_key_made_in_a_rolled_back_transaction_never_seals_anything(
    runtime: Runtime,
) -> None:
    """The first event of a visitor makes their key; if that transaction rolls back, the key
    must not be reused from a cache (it was never stored), or later facts could not be read."""
    from guiders.domain.events import DomainEvent

    company, visitor_id = uuid.uuid4(), uuid.uuid4()

    def profile(n: int) -> DomainEvent:
        return DomainEvent(
            type="visitor.profile_updated",
            aggregate_type="visitor",
            aggregate_id=visitor_id,
            company_id=company,
            payload={"email": f"rollback-{n}@example.com"},
            occurred_at=datetime.now(UTC),
            version=n,
        )

    async with runtime.services.uow() as uow:
        uow.record(profile(1))
        await uow.events.append(uow._loose, uow.actor, None)
        await uow.rollback()
    async with runtime.services.uow() as uow:
        uow.record(profile(2))
        await uow.commit()
    async with runtime.services.uow() as uow:
        [event] = await uow.events.read(EventFilter(company_id=company))
    assert event.payload == {"email": "rollback-2@example.com"}
