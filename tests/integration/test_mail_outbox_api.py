"""Automations queue e-mails to a consenting visitor's own address; delivered by SMTP."""

from __future__ import annotations

from typing import Any

from guiders.config import Settings
from guiders.demo import seed_demo
from tests.integration.test_api import key_headers
from tests.integration.test_mail import SmtpServer, mail_settings, serving, smtp, wait_for

__all__ = ["smtp"]


async def visitor_with_contact(api: Any, demo: dict[str, Any], fp: str, *, consent: bool) -> str:
    r = await api.post(
        "/api/auth/visitor/register",
        json={"apiKey": demo["siteKey"], "domain": "localhost", "fingerprint": fp},
    )
    v = r.json()
    contact = {"name": "Eva", "email": f"{fp}@example.com", "emailConsent": consent}
    r = await api.patch(
        f"/api/v2/visitors/{v['visitorId']}",
        json=contact,
        headers={"authorization": f"Bearer {v['accessToken']}"},
    )
    assert r.status_code == 200, r.text
    return str(v["visitorId"])


async def test_a_key_queues_one_email_per_idempotency_key_and_it_is_delivered(
    settings: Settings, smtp: SmtpServer
) -> None:
    async with serving(mail_settings(settings, smtp.port)) as (runtime, api):
        demo = await seed_demo(runtime.services, settings.data_dir)
        visitor = await visitor_with_contact(api, demo, "outbox-yes", consent=True)
        body = {
            "visitorId": visitor,
            "subject": "Your quote",
            "body": "Here it is.",
            "idempotencyKey": "rule-7:event-1",
        }
        first = await api.post("/api/v2/mail/outbox", json=body, headers=key_headers(demo))
        again = await api.post("/api/v2/mail/outbox", json=body, headers=key_headers(demo))
        assert first.status_code == 201, first.text
        assert again.status_code == 200
        assert again.json()["id"] == first.json()["id"]
        assert first.json()["to"] == "outbox-yes@example.com"
        await wait_for(lambda: len(smtp.inbox.messages) >= 1)
        (sent,) = smtp.inbox.messages
        assert sent["Subject"] == "Your quote"
        assert sent["To"] == "outbox-yes@example.com"


async def test_refusals_no_consent_another_address_a_visitor_caller_another_company(
    settings: Settings, smtp: SmtpServer
) -> None:
    async with serving(mail_settings(settings, smtp.port)) as (runtime, api):
        demo = await seed_demo(runtime.services, settings.data_dir)
        no_consent = await visitor_with_contact(api, demo, "outbox-no", consent=False)
        consenting = await visitor_with_contact(api, demo, "outbox-ok", consent=True)
        key = key_headers(demo)
        mail = {"subject": "Hi", "body": "Hello"}

        r = await api.post(
            "/api/v2/mail/outbox", json={**mail, "visitorId": no_consent}, headers=key
        )
        assert (r.status_code, r.json()["error"]) == (409, "conflict")

        relay = {**mail, "visitorId": consenting, "to": "someone-else@example.com"}
        r = await api.post("/api/v2/mail/outbox", json=relay, headers=key)
        assert (r.status_code, r.json()["field"]) == (422, "to")

        v = (
            await api.post(
                "/api/auth/visitor/register",
                json={"apiKey": demo["siteKey"], "domain": "localhost", "fingerprint": "caller"},
            )
        ).json()
        as_visitor = {"authorization": f"Bearer {v['accessToken']}"}
        r = await api.post(
            "/api/v2/mail/outbox", json={**mail, "visitorId": consenting}, headers=as_visitor
        )
        assert r.status_code == 403

        other = await runtime.services.tenancy.create_company("Other Co")
        other_key, _ = await runtime.services.tenancy.create_api_key(other.id, "other")
        r = await api.post(
            "/api/v2/mail/outbox",
            json={**mail, "visitorId": consenting},
            headers={"authorization": f"Bearer {other_key}"},
        )
        assert r.status_code == 404
        assert smtp.inbox.messages == []
