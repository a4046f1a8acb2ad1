"""A visitor's session id is a bearer credential: it must stop working. It was accepted for as
long as nobody ended the session, whatever its age; now a day after its last heartbeat it is
refused (401), over HTTP and at the socket handshake alike (both read ``session_principal``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx

from guiders.runtime import Runtime
from guiders.services.visitors import SESSION_CREDENTIAL_IDLE


async def test_an_idle_session_id_stops_being_a_credential(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    r = await api.post(
        "/api/visitors/identify",
        json={
            "fingerprint": "idle-sid",
            "domain": "localhost",
            "apiKey": demo["siteKey"],
            "hasAcceptedPrivacyPolicy": True,
        },
    )
    assert r.status_code in (200, 201), r.text
    sid = r.json()["sessionId"]
    headers = {"X-Guiders-Sid": sid}
    assert (await api.post("/api/v2/chats", json={}, headers=headers)).status_code == 201

    async with runtime.services.uow() as uow:
        session = await uow.visitors.get_session(UUID(sid))
        assert session is not None
        old = datetime.now(UTC) - SESSION_CREDENTIAL_IDLE - timedelta(minutes=1)
        session.started_at = old
        session.last_heartbeat_at = old
        await uow.visitors.save_session(session)
        await uow.commit()

    refused = await api.post("/api/v2/chats", json={}, headers=headers)
    assert refused.status_code == 401, refused.text
    assert refused.json()["error"] == "unauthorized"
