"""Transcripts go to the address a visitor typed, unverified, and visitors are free to make: a
limit per visitor alone let an anonymous client have the company's mail server write its text
to anyone, as often as it made visitors (five visitors, five e-mails to one stranger). At most
three transcripts an hour now go to one address (case ignored), asked for or sent on close."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from guiders.services.mail_replies import TRANSCRIPT_KIND, TRANSCRIPTS_PER_ADDRESS
from tests.integration.test_api import visitor
from tests.integration.test_continue_by_email import CONSENT, supervisor, world

__all__ = ["world"]
VICTIM = "someone.else@example.org"


async def _chat_mailing(api: httpx.AsyncClient, demo: dict[str, Any], n: int) -> tuple[Any, str]:
    v = await visitor(api, demo, f"relay-{n}")
    chat = await api.post(
        "/api/v2/chats/with-message",
        json={"firstMessage": {"content": "CHEAP PILLS http://spam.example"}},
        headers=v["headers"],
    )
    chat_id = chat.json()["chatId"]
    address = VICTIM.upper() if n % 2 else VICTIM
    captured = await api.post(
        "/api/v2/visitors/me/email",
        json={"email": address, "consent": True, "consentText": CONSENT, "chatId": chat_id},
        headers=v["headers"],
    )
    assert captured.status_code == 201, captured.text
    return v, chat_id


async def test_one_address_gets_a_bounded_number_of_transcripts(world: dict[str, Any]) -> None:
    api: httpx.AsyncClient = world["api"]
    statuses = []
    for n in range(TRANSCRIPTS_PER_ADDRESS + 2):
        v, chat_id = await _chat_mailing(api, world["demo"], n)
        asked = await api.post(f"/api/v2/chats/{chat_id}/transcript", headers=v["headers"])
        statuses.append(asked.status_code)
        if asked.status_code == 429:
            assert asked.json()["error"] == "rate_limited"
            assert "retry-after" in asked.headers
    assert statuses == [202] * TRANSCRIPTS_PER_ADDRESS + [429, 429]

    # closing a chat with transcripts on close turned on is no way around it
    admin = supervisor(world)
    turned = await api.put(
        "/api/v2/company/mail-settings", json={"transcriptOnClose": True}, headers=admin
    )
    assert turned.status_code == 200, turned.text
    v, chat_id = await _chat_mailing(api, world["demo"], 99)
    closed = await api.put(f"/api/v2/chats/{chat_id}/close", json={}, headers=v["headers"])
    assert closed.status_code == 200, closed.text
    runtime = world["runtime"]
    await runtime.services.mailer.drain()
    mailer = runtime.services.mailer
    assert await mailer.transcript_on_close(uuid.UUID(chat_id)) is None
    async with runtime.services.uow() as uow:
        queued = await uow.mail.count_queued_to(
            uuid.UUID(world["demo"]["companyId"]),
            VICTIM,
            TRANSCRIPT_KIND,
            datetime.now(UTC) - timedelta(hours=1),
        )
    assert queued == TRANSCRIPTS_PER_ADDRESS
