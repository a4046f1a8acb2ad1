"""Nurturing e-mail follow-ups, queued in the database, through a local SMTP server (aiosmtpd)."""

from __future__ import annotations

import email
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from guiders.api.app import create_app
from guiders.config import Settings
from guiders.demo import seed_demo
from guiders.runtime import Runtime
from tests.e2e.server import free_port
from tests.integration.test_api import key_headers
from tests.waiting import eventually


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


class SmtpServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.inbox = Inbox()
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()


def mail_settings(settings: Settings, port: int) -> Settings:
    return settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_timeout_s": 2.0,
            "mail_poll_s": 0.05,
            "mail_retry_base_s": 0.05,
        }
    )


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[tuple[Runtime, httpx.AsyncClient]]:
    runtime = Runtime.build(settings)
    await runtime.db.create_schema()
    await runtime.start()
    app = create_app(settings, runtime)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as client:
            yield runtime, client
    finally:
        await runtime.stop()


async def nurturing_visitor(
    api: httpx.AsyncClient, demo: dict[str, Any], fp: str, *, consent: bool
) -> str:
    r = await api.post(
        "/api/auth/visitor/register",
        json={"apiKey": demo["siteKey"], "domain": "localhost", "fingerprint": fp},
    )
    v = r.json()
    headers = {"authorization": f"Bearer {v['accessToken']}"}
    contact = {"name": "Eva", "email": f"{fp}@example.com", "emailConsent": consent}
    r = await api.patch(f"/api/v2/visitors/{v['visitorId']}", json=contact, headers=headers)
    assert r.status_code == 200, r.text
    body = {"conversionProbability": 0.12, "segment": "nurturing", "modelVersion": "conv-test"}
    r = await api.put(
        f"/api/v2/visitors/{v['visitorId']}/prediction", json=body, headers=key_headers(demo)
    )
    assert r.status_code == 200, r.text
    return str(v["visitorId"])


async def wait_for(predicate: Any, seconds: float = 10.0) -> None:
    await eventually(predicate, timeout=seconds)


async def test_a_low_score_visitor_with_consent_gets_the_follow_up_email(
    settings: Settings, smtp: SmtpServer
) -> None:
    async with serving(mail_settings(settings, smtp.port)) as (runtime, api):
        demo = await seed_demo(runtime.services, settings.data_dir)
        consenting = await nurturing_visitor(api, demo, "eva", consent=True)
        await nurturing_visitor(api, demo, "no-consent", consent=False)
        await wait_for(lambda: len(smtp.inbox.messages) >= 1)
        message = smtp.inbox.messages[0]
        assert message["To"] == "eva@example.com"
        assert message["Subject"] == runtime.settings.followup_email_subject
        assert "Hello Eva" in message.get_payload()
        # scored nurturing again within the cool-down: no second e-mail
        r = await api.put(
            f"/api/v2/visitors/{consenting}/prediction",
            json={"conversionProbability": 0.1, "segment": "nurturing", "modelVersion": "m"},
            headers=key_headers(demo),
        )
        assert r.status_code == 200
        await wait_for(lambda: runtime.mail is not None and runtime.mail.sent == 1)
        async with runtime.services.uow() as uow:
            rows = await uow.mail.of_visitor(UUID(consenting))
        assert [(e.status, e.attempts) for e in rows] == [("sent", 1)]
        # The outbox holds the only row, sent: a pass of the dispatcher has nothing left to send.
        assert runtime.mail is not None and await runtime.mail.pass_once() == 0
        assert len(smtp.inbox.messages) == 1


async def test_a_restart_while_an_email_is_queued_loses_nothing(settings: Settings) -> None:
    port = free_port()
    down = mail_settings(settings, port)  # nothing listens on the port yet: sending fails
    async with serving(down) as (runtime, api):
        demo = await seed_demo(runtime.services, settings.data_dir)
        visitor_id = await nurturing_visitor(api, demo, "restart", consent=True)
        await wait_for(lambda: runtime.mail is not None and runtime.mail.failed >= 1)
    async with runtime.services.uow() as uow:
        queued = await uow.mail.of_visitor(UUID(visitor_id))
    assert len(queued) == 1 and queued[0].status == "pending" and queued[0].attempts >= 1
    assert queued[0].last_error

    smtp = SmtpServer(port)
    smtp.start()
    try:
        async with serving(down) as (restarted, _):
            await wait_for(lambda: len(smtp.inbox.messages) == 1)
            await wait_for(lambda: restarted.mail is not None and restarted.mail.sent == 1)
            async with restarted.services.uow() as uow:
                rows = await uow.mail.of_visitor(UUID(visitor_id))
        assert rows[0].status == "sent" and rows[0].sent_at is not None
        assert smtp.inbox.messages[0]["To"] == "restart@example.com"
        assert smtp.inbox.messages[0]["X-Guiders-Email-Id"] == str(rows[0].id)
    finally:
        smtp.stop()
