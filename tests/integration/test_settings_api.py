"""Company settings over HTTP, on SQLite and PostgreSQL: admins change them, the change is an
audited event, other roles and other companies are refused, and readers see it at once."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx

from guiders.runtime import Runtime
from tests.integration.test_api import key_headers, staff, visitor
from tests.integration.test_model_health_api import admin


async def test_an_admin_changes_a_section_and_the_change_is_audited(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    headers = await admin(api, runtime, demo)
    r = await api.get("/api/v2/settings/widget", headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["revision"] == 0
    values = {**r.json()["values"], "colour": "#ff0066", "title": "Talk to us"}
    r = await api.put(
        "/api/v2/settings/widget", json={"values": values, "revision": 0}, headers=headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["revision"] == 1
    assert r.json()["values"]["colour"] == "#ff0066"

    again = await api.get("/api/v2/settings", headers=headers)
    widget = next(s for s in again.json()["sections"] if s["section"] == "widget")
    assert widget["values"]["title"] == "Talk to us"

    log = await api.get("/api/v2/events?limit=1000", headers=key_headers(demo))
    (audit,) = [e for e in log.json()["events"] if e["type"] == "settings.changed"]
    assert audit["payload"]["section"] == "widget"
    assert audit["payload"]["changed"] == ["colour", "title"]
    assert audit["payload"]["before"]["colour"] == "#2563eb"
    assert audit["payload"]["after"]["colour"] == "#ff0066"


async def test_a_stale_revision_is_a_conflict_and_a_bad_value_names_its_field(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    headers = await admin(api, runtime, demo)
    ok = await api.put(
        "/api/v2/settings/bot", json={"values": {"name": "Robin"}, "revision": 0}, headers=headers
    )
    assert ok.status_code == 200, ok.text
    stale = await api.put(
        "/api/v2/settings/bot", json={"values": {"name": "Rob"}, "revision": 0}, headers=headers
    )
    assert stale.status_code == 409
    bad = await api.put(
        "/api/v2/settings/bot", json={"values": {"answer_threshold": 7}}, headers=headers
    )
    assert bad.status_code == 422
    assert "answer_threshold" in bad.text
    unknown = await api.put("/api/v2/settings/nope", json={"values": {}}, headers=headers)
    assert unknown.status_code == 422


async def test_only_admins_change_and_visitors_read_only_the_widget_view(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    agent = await staff(api, demo, 1)
    r = await api.put("/api/v2/settings/widget", json={"values": {}}, headers=agent)
    assert r.status_code == 403
    assert (await api.get("/api/v2/settings/bot", headers=key_headers(demo))).status_code == 200
    eva = await visitor(api, demo, "settings-eva")
    assert (await api.get("/api/v2/settings/routing", headers=eva["headers"])).status_code == 403
    view = await api.get("/api/v2/settings/visitor", headers=eva["headers"])
    assert view.status_code == 200, view.text
    assert set(view.json()["sections"]) == {"company", "widget", "bot", "business_hours"}
    assert (await api.get("/api/v2/settings/visitor")).status_code == 401


async def test_another_company_never_sees_the_change(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    headers = await admin(api, runtime, demo)
    await api.put("/api/v2/settings/company", json={"values": {"name": "Demo SA"}}, headers=headers)
    other = await runtime.services.tenancy.create_company("Other Inc")
    mine = await runtime.services.settings.effective(other.id, "company")
    assert mine.name == "My company"  # type: ignore[attr-defined]
    ours = await runtime.services.settings.effective(UUID(demo["companyId"]), "company")
    assert ours.name == "Demo SA"  # type: ignore[attr-defined]


async def test_retention_and_transcripts_have_one_place_whichever_screen_sets_them(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    headers = await admin(api, runtime, demo)
    r = await api.put("/api/v2/privacy/retention", json={"retentionDays": 30}, headers=headers)
    assert r.status_code == 200, r.text
    r = await api.put(
        "/api/v2/company/mail-settings", json={"transcriptOnClose": True}, headers=headers
    )
    assert r.status_code == 200, r.text
    privacy = (await api.get("/api/v2/settings/privacy", headers=headers)).json()
    assert privacy["values"] == {"retention_days": 30, "transcript_on_close": True}
    values = {"retention_days": 90, "transcript_on_close": False}
    r = await api.put(
        "/api/v2/settings/privacy",
        json={"values": values, "revision": privacy["revision"]},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    retention = await api.get("/api/v2/privacy/retention", headers=headers)
    assert retention.json()["retentionDays"] == 90
    mail = await api.get("/api/v2/company/mail-settings", headers=headers)
    assert mail.json()["transcriptOnClose"] is False


async def test_the_demo_has_an_admin_who_opens_settings(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    """Whoever tries ``guiders up`` can open Settings: the demo seeds an admin, kept apart from
    the three agents in ``staff`` (and offline, so routing goes on seeing those three)."""
    member = demo["admin"]
    assert member["role"] == "admin"
    assert member["email"] not in {s["email"] for s in demo["staff"]}
    r = await api.post(
        "/api/user/auth/login", json={"email": member["email"], "password": member["password"]}
    )
    assert r.status_code == 200, r.text
    headers = {"authorization": f"Bearer {r.json()['access_token']}"}
    assert (await api.get("/api/v2/settings/widget", headers=headers)).status_code == 200
    assert (await api.get("/api/v2/company/team", headers=headers)).status_code == 200
    available = await api.get("/api/v2/commercials?status=available", headers=key_headers(demo))
    assert member["commercialId"] not in {c["id"] for c in available.json()["data"]}


async def test_concurrent_readers_share_one_look_up_and_a_change_is_read_at_once(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    """Every send signed with the bot's name reads the ``bot`` section: when its cached values
    expire under load, the concurrent readers wait for one look-up, not one each."""
    import asyncio

    settings = runtime.services.settings
    company = UUID(demo["companyId"])
    before = settings.lookups
    read = await asyncio.gather(*(settings.effective(company, "bot") for _ in range(20)))
    assert settings.lookups - before == 1
    assert len({id(values) for values in read}) == 1

    headers = await admin(api, runtime, demo)
    current = (await api.get("/api/v2/settings/bot", headers=headers)).json()
    renamed = {**current["values"], "name": "Robin"}
    r = await api.put(
        "/api/v2/settings/bot",
        json={"values": renamed, "revision": current["revision"]},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    assert (await settings.effective(company, "bot")).name == "Robin"  # type: ignore[attr-defined]
