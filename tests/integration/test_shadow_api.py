"""Shadow mode's API: agents' reviews per topic, a graduation proposed, an admin confirming."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from guiders.api.app import create_app
from guiders.config import Settings
from guiders.domain.shadow import GraduationPolicy
from guiders.runtime import Runtime
from guiders.services.shadow import ShadowService
from tests.integration.test_api import key_headers, staff, visitor
from tests.integration.test_model_health_api import admin


@pytest.fixture
async def api(runtime: Runtime, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, runtime)
    app.state.shadow = ShadowService(runtime.services.uow, GraduationPolicy(0.75, 4))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        yield client


async def review(
    api: httpx.AsyncClient, headers: dict[str, str], topic: str, action: str
) -> httpx.Response:
    body = {"topic": topic, "action": action, "draftId": str(uuid.uuid4())}
    return await api.post("/api/v2/bot/shadow/reviews", json=body, headers=headers)


async def test_a_topic_past_the_threshold_is_proposed_and_an_admin_graduates_it(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    agent = await staff(api, demo, 1)
    for action in ("sent", "sent", "edited", "sent"):
        assert (await review(api, agent, "shipping", action)).status_code == 201
    assert (await review(api, agent, "returns", "discarded")).status_code == 201
    supervisor = await staff(api, demo, 0)
    view = (await api.get("/api/v2/bot/shadow", headers=supervisor)).json()
    topics = {t["topic"]: t for t in view["topics"]}
    assert topics["shipping"] | {"acceptance": None} == {
        "topic": "shipping",
        "drafts": 4,
        "sentUnchanged": 3,
        "edited": 1,
        "discarded": 0,
        "acceptance": None,
        "proposed": True,
        "graduated": False,
    }
    assert topics["shipping"]["acceptance"] == 0.75 and not topics["returns"]["proposed"]

    url = "/api/v2/bot/shadow/topics/shipping/graduate"
    assert (await api.post(url, headers=supervisor)).status_code == 403
    boss = await admin(api, runtime, demo)
    done = await api.post(url, headers=boss)
    assert done.status_code == 200, done.text
    assert done.json()["graduated"] == ["shipping"]
    assert (await api.post(url, headers=boss)).status_code == 409
    not_proposed = await api.post("/api/v2/bot/shadow/topics/returns/graduate", headers=boss)
    assert not_proposed.status_code == 404
    bot_view = (await api.get("/api/v2/bot/shadow", headers=key_headers(demo))).json()
    assert bot_view["graduated"] == ["shipping"]
    events = (await api.get("/api/v2/events?limit=1000", headers=key_headers(demo))).json()
    types = [e["type"] for e in events["events"] if e["aggregateType"] == "shadow"]
    assert types.count("shadow.draft_reviewed") == 5
    assert types[-1] == "shadow.topic_graduated" and "shadow.graduation_proposed" in types


async def test_only_staff_review_drafts(api: httpx.AsyncClient, demo: dict[str, Any]) -> None:
    v = await visitor(api, demo)
    assert (await review(api, v["headers"], "shipping", "sent")).status_code == 403
    assert (await review(api, key_headers(demo), "shipping", "sent")).status_code == 403
    assert (await api.get("/api/v2/bot/shadow", headers=v["headers"])).status_code == 403
    bad = await review(api, await staff(api, demo, 1), "shipping", "accepted")
    assert bad.status_code == 422
