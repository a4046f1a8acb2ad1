"""Continue by e-mail and transcripts over real SMTP: the outbox sends through ``smtplib`` to a
local aiosmtpd sink, and the visitor's answer goes by ``smtplib`` to the server's own inbound
SMTP endpoint (aiosmtpd in the server's loop), then shows up in the chat."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import smtplib
import uuid
from collections.abc import AsyncIterator
from email.message import EmailMessage, Message
from typing import Any

import httpx
import pytest

from guiders.api.app import create_app
from guiders.config import Settings
from guiders.demo import seed_demo
from guiders.domain.company import StaffRole
from guiders.domain.mail_links import reply_address
from guiders.runtime import Runtime
from guiders.services.access import Principal, PrincipalKind
from tests.e2e.server import free_port
from tests.integration.test_api import visitor
from tests.integration.test_mail import SmtpServer, mail_settings
from tests.waiting import eventually

DOMAIN = "reply.shop.test"
VISITOR_EMAIL = "Vera@Example.org"
CONSENT = "Yes, e-mail me the answers to this chat. You can withdraw at any time."


@pytest.fixture
async def world(settings: Settings) -> AsyncIterator[dict[str, Any]]:
    sink = SmtpServer(free_port())
    sink.start()
    inbound_port = free_port()
    configured = mail_settings(settings, sink.port).model_copy(
        update={
            "inbound_smtp_port": inbound_port,
            "inbound_mail_domain": DOMAIN,
            "chat_page_url": "http://shop.test/help",
            "inbound_max_bytes": 64 * 1024,
        }
    )
    runtime = Runtime.build(configured)
    await runtime.db.create_schema()
    await runtime.start()
    try:
        demo = await seed_demo(runtime.services, configured.data_dir)
        transport = httpx.ASGITransport(app=create_app(configured, runtime))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as api:
            yield {
                "runtime": runtime,
                "api": api,
                "demo": demo,
                "sink": sink,
                "inbound": inbound_port,
            }
    finally:
        await runtime.stop()
        sink.stop()


def supervisor(world: dict[str, Any], role: StaffRole = StaffRole.SUPERVISOR) -> dict[str, str]:
    staff = [*world["demo"]["staff"], world["demo"]["admin"]]
    member = next(s for s in staff if s["role"] == role.value)
    principal = Principal(
        kind=PrincipalKind.STAFF,
        company_id=uuid.UUID(world["demo"]["companyId"]),
        subject_id=uuid.UUID(member["commercialId"]),
        role=role,
        name=member["name"],
    )
    return {"authorization": f"Bearer {world['runtime'].services.tokens.sign(principal)}"}


async def chat_with_consent(world: dict[str, Any]) -> tuple[dict[str, Any], str]:
    api: httpx.AsyncClient = world["api"]
    v = await visitor(api, world["demo"])
    chat = await api.post(
        "/api/v2/chats/with-message",
        json={"firstMessage": {"content": "Do you ship to Chile?"}},
        headers=v["headers"],
    )
    assert chat.status_code == 201, chat.text
    chat_id = chat.json()["chatId"]
    captured = await api.post(
        "/api/v2/visitors/me/email",
        json={
            "email": VISITOR_EMAIL,
            "consent": True,
            "consentText": CONSENT,
            "chatId": chat_id,
            "language": "en",
        },
        headers=v["headers"],
    )
    assert captured.status_code == 201, captured.text
    assert captured.json()["emailConsent"] is True
    return v, chat_id


def header(mail: Message, name: str) -> str:
    """The header unfolded (a long Reply-To is folded onto a second line)."""
    return re.sub(r"\s+", "", str(mail[name]))


def mails_to(sink: SmtpServer, kind_subject: str) -> list[Message]:
    return [m for m in sink.inbox.messages if kind_subject in str(m["Subject"])]


def send_reply(port: int, sender: str, to: str, body: str, **headers: str) -> None:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = "Re: your chat"
    message["Message-ID"] = f"<{uuid.uuid4().hex}@example.org>"
    for name, value in headers.items():
        message[name] = value
    message.set_content(body)
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.send_message(message)


async def test_the_agents_reply_is_mailed_and_the_visitors_answer_comes_back_into_the_chat(
    world: dict[str, Any],
) -> None:
    api: httpx.AsyncClient = world["api"]
    v, chat_id = await chat_with_consent(world)
    agent = supervisor(world)
    sent = await api.post(
        f"/api/v2/chats/{chat_id}/messages",
        json={"content": "Yes, we ship to Chile in 5 days."},
        headers=agent,
    )
    assert sent.status_code == 201, sent.text

    # the visitor has no widget open: the reply goes out through the outbox to the SMTP sink
    mails = await eventually(
        lambda: mails_to(world["sink"], "replied to your chat"), what="the reply e-mail"
    )
    mail = mails[0]
    assert mail["To"] == VISITOR_EMAIL
    reply_to = header(mail, "Reply-To")
    assert re.fullmatch(r"reply\+[0-9a-f]{32}\.[A-Za-z0-9_-]{22}@" + re.escape(DOMAIN), reply_to)
    text = mail.get_payload(decode=True).decode()
    assert "Yes, we ship to Chile in 5 days." in text
    link = re.search(r"http://shop\.test/help#guiders-chat=(\S+)", text)
    assert link is not None, text

    # the visitor answers by e-mail, quoting the message: only their words reach the chat
    await asyncio.to_thread(
        send_reply,
        world["inbound"],
        f"Vera <{VISITOR_EMAIL.lower()}>",
        reply_to,
        "Great, I'll order tomorrow.\n\nOn Mon, 7 Dec 2026, Ana wrote:\n> Yes, we ship to Chile",
    )

    async def visitor_reply() -> dict[str, Any] | None:
        page = await api.get(f"/api/v2/chats/{chat_id}/messages?limit=50", headers=agent)
        found = [m for m in page.json()["messages"] if m["sender"]["role"] == "visitor"]
        return next((m for m in found if "order tomorrow" in m["content"]), None)

    reply = await eventually(visitor_reply, what="the e-mailed reply in the chat")
    assert reply["content"] == "Great, I'll order tomorrow."

    # the signed link resumes the chat as the visitor, from any browser
    resumed = await api.post("/api/v2/chat-links/resume", json={"token": link.group(1)})
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["chatId"] == chat_id and resumed.json()["visitorId"] == v["visitorId"]
    again = await api.get(
        f"/api/v2/chats/{chat_id}",
        headers={"authorization": f"Bearer {resumed.json()['accessToken']}"},
    )
    assert again.status_code == 200
    forged = link.group(1)[:-3] + ("AAA" if not link.group(1).endswith("AAA") else "BBB")
    refused = await api.post("/api/v2/chat-links/resume", json={"token": forged})
    assert refused.status_code == 401


async def test_forged_unknown_and_oversized_mail_is_refused(world: dict[str, Any]) -> None:
    api: httpx.AsyncClient = world["api"]
    _, chat_id = await chat_with_consent(world)
    port = world["inbound"]
    runtime: Runtime = world["runtime"]
    address = reply_address(runtime.services.chat_mail.config.secret, uuid.UUID(chat_id), DOMAIN)
    local, _, _ = address.partition("@")
    forged = f"{local[:-3]}{'xyz' if not local.endswith('xyz') else 'abc'}@{DOMAIN}"
    signature = local.split(".")[1]
    for wrong in (
        forged,
        f"reply+{uuid.uuid4().hex}.{signature}@{DOMAIN}",
        "postmaster@" + DOMAIN,
        address.replace(DOMAIN, "elsewhere.test"),
    ):
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            await asyncio.to_thread(send_reply, port, VISITOR_EMAIL, wrong, "hello")
    # a signed address, but not from the visitor's own mailbox
    with pytest.raises(smtplib.SMTPDataError) as not_theirs:
        await asyncio.to_thread(send_reply, port, "mallory@evil.test", address, "hi from me")
    assert not_theirs.value.smtp_code == 550
    # too big: refused by SIZE before the server reads it all
    with pytest.raises((smtplib.SMTPDataError, smtplib.SMTPSenderRefused)) as big:
        await asyncio.to_thread(send_reply, port, VISITOR_EMAIL, address, "x" * 100_000)
    assert big.value.smtp_code == 552
    page = await api.get(f"/api/v2/chats/{chat_id}/messages?limit=50", headers=supervisor(world))
    assert [m["content"] for m in page.json()["messages"]] == ["Do you ship to Chile?"]
    assert runtime.inbound is not None and runtime.inbound.handler.accepted == 0


async def test_transcripts_on_request_and_on_close(world: dict[str, Any]) -> None:
    api: httpx.AsyncClient = world["api"]
    v, chat_id = await chat_with_consent(world)
    asked = await api.post(f"/api/v2/chats/{chat_id}/transcript", headers=v["headers"])
    assert asked.status_code == 202, asked.text
    mail = (await eventually(lambda: mails_to(world["sink"], "transcript"), what="transcript"))[0]
    text = mail.get_payload(decode=True).decode()
    assert "You: Do you ship to Chile?" in text
    assert header(mail, "Reply-To").endswith("@" + DOMAIN)
    too_soon = await api.post(f"/api/v2/chats/{chat_id}/transcript", headers=v["headers"])
    assert too_soon.status_code == 429

    # the company turns on transcripts on close; closing the chat mails one
    admin = supervisor(world)
    turned = await api.put(
        "/api/v2/company/mail-settings", json={"transcriptOnClose": True}, headers=admin
    )
    assert turned.status_code == 200 and turned.json()["transcriptOnClose"] is True
    assert (
        await api.put(
            "/api/v2/company/mail-settings", json={"transcriptOnClose": False}, headers=v["headers"]
        )
    ).status_code == 403
    closed = await api.put(
        f"/api/v2/chats/{chat_id}/close", json={"reason": "resolved"}, headers=admin
    )
    assert closed.status_code == 200, closed.text
    await eventually(
        lambda: len(mails_to(world["sink"], "transcript")) == 2, what="the transcript on close"
    )

    # an answer to the closed chat's transcript continues in a new chat that names it
    await asyncio.to_thread(
        send_reply, world["inbound"], VISITOR_EMAIL, header(mail, "Reply-To"), "One more question"
    )

    async def continued() -> list[dict[str, Any]]:
        r = await api.get("/api/v2/chats?limit=50", headers=admin)
        return [
            c
            for c in r.json()["chats"]
            if c["id"] != chat_id
            and c["metadata"].get("customFields", {}).get("continuedFrom") == chat_id
        ]

    assert await eventually(continued, what="the continued chat")


async def test_a_refusal_is_recorded_and_honoured(world: dict[str, Any]) -> None:
    api: httpx.AsyncClient = world["api"]
    v, chat_id = await chat_with_consent(world)
    no = await api.post(
        "/api/v2/visitors/me/email",
        json={"consent": False, "consentText": CONSENT},
        headers=v["headers"],
    )
    assert no.status_code == 201 and no.json()["emailConsent"] is False
    history = await api.get(
        f"/api/v2/visitors/{v['visitorId']}/email-consents", headers=supervisor(world)
    )
    assert [c["consent"] for c in history.json()["consents"]] == [True, False]
    assert all(c["consentText"] == CONSENT and c["at"] for c in history.json()["consents"])
    refused = await api.post(f"/api/v2/chats/{chat_id}/transcript", headers=v["headers"])
    assert refused.status_code == 409
    bad = await api.post(
        "/api/v2/visitors/me/email",
        json={"email": "not-an-address", "consent": True, "consentText": CONSENT},
        headers=v["headers"],
    )
    assert bad.status_code == 422


async def test_both_ways_in_write_one_consent_record(world: dict[str, Any]) -> None:
    """The e-mail line and the consents API record into the same rows: each way reads what
    the other wrote, and the later answer is the one in force."""
    api: httpx.AsyncClient = world["api"]
    v, chat_id = await chat_with_consent(world)
    vid = v["visitorId"]
    withdrawn = await api.post(
        f"/api/v2/visitors/{vid}/consents",
        json={"purpose": "email", "granted": False, "text": "No e-mail, thanks", "language": "es"},
        headers=v["headers"],
    )
    assert withdrawn.status_code == 201, withdrawn.text
    assert withdrawn.json()["source"] == "api"

    in_force = (await api.get(f"/api/v2/visitors/{vid}/consents", headers=v["headers"])).json()
    assert [(c["purpose"], c["granted"], c["source"]) for c in in_force["consents"]] == [
        ("email", False, "api")
    ]
    history = (
        await api.get(f"/api/v2/visitors/{vid}/email-consents", headers=supervisor(world))
    ).json()["consents"]
    assert [
        (c["consent"], c["consentText"], c["language"], c["chatId"], c["email"]) for c in history
    ] == [
        (True, CONSENT, "en", chat_id, VISITOR_EMAIL),
        (False, "No e-mail, thanks", "es", None, None),
    ]
    refused = await api.post(f"/api/v2/chats/{chat_id}/transcript", headers=v["headers"])
    assert refused.status_code == 409

    exported = (
        await api.get(
            f"/api/v2/privacy/visitors/{vid}/export", headers=supervisor(world, StaffRole.ADMIN)
        )
    ).json()
    assert sorted(c["source"] for c in exported["consents"]) == ["api", "email_line"]
    assert exported["emailConsents"] == exported["consents"]


async def test_open_connections_are_bounded(world: dict[str, Any]) -> None:
    runtime: Runtime = world["runtime"]
    assert runtime.inbound is not None
    runtime.inbound.config = dataclasses.replace(runtime.inbound.config, max_connections=2)

    def connect() -> smtplib.SMTP:
        return smtplib.SMTP("127.0.0.1", world["inbound"], timeout=10)

    first, second = await asyncio.to_thread(connect), await asyncio.to_thread(connect)
    with pytest.raises(smtplib.SMTPConnectError) as refused:
        await asyncio.to_thread(connect)
    assert refused.value.smtp_code == 421
    await asyncio.to_thread(first.quit)
    await eventually(lambda: runtime.inbound is not None and runtime.inbound.open_connections == 1)
    third = await asyncio.to_thread(connect)
    assert (await asyncio.to_thread(third.noop))[0] == 250
    await asyncio.to_thread(third.quit)
    await asyncio.to_thread(second.quit)
