"""Who is in, the visitor's place in the queue, the AI disclosure record and SLA breaches, over
HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from guiders.runtime import Runtime
from guiders.services.service_levels import SlaMonitor
from guiders.supervision import BackgroundWorker, Readiness
from tests.integration.test_api import key_headers, visitor
from tests.integration.test_handoff_api import everyone, set_status
from tests.integration.test_model_health_api import admin


async def open_chat(api: httpx.AsyncClient, demo: dict[str, Any], fp: str) -> tuple[str, Any]:
    v = await visitor(api, demo, fp=fp)
    r = await api.post("/api/v2/chats", json={}, headers=v["headers"])
    assert r.status_code == 201, r.text
    return r.json()["chatId"], v


async def test_nobody_online_then_someone_and_the_queue_positions(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    agents = await everyone(api, demo, "offline")
    first, v1 = await open_chat(api, demo, "wait-1")
    second, v2 = await open_chat(api, demo, "wait-2")
    state = await api.get("/api/v2/availability", headers=v1["headers"])
    assert state.status_code == 200, state.text
    assert state.json()["state"] == "nobody_online"
    assert state.json()["openNow"] is True  # the default: always open
    assert state.json()["typicalWaitSeconds"] is None
    w1 = (await api.get(f"/api/v2/chats/{first}/wait", headers=v1["headers"])).json()
    w2 = (await api.get(f"/api/v2/chats/{second}/wait", headers=v2["headers"])).json()
    assert (w1["position"], w2["position"]) == (1, 2)
    assert w1["estimateSeconds"] is None and w1["samples"] == 0  # no data: no estimate
    # another visitor's chat looks missing
    assert (await api.get(f"/api/v2/chats/{first}/wait", headers=v2["headers"])).status_code == 404
    await set_status(api, demo, agents[0], "online")
    assert (await api.get("/api/v2/availability", headers=v1["headers"])).json()[
        "state"
    ] == "online"


async def test_outside_business_hours_says_when_people_are_back(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    headers = await admin(api, runtime, demo)
    today = datetime.now(UTC).date()
    hours = {"always_open": False, "week": {}, "holidays": [today.isoformat()]}
    # open one hour every day, but today is a holiday: closed now, back tomorrow at 10:00 UTC
    slot = [{"start": "10:00", "end": "11:00"}]
    hours["week"] = dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), slot)
    r = await api.put("/api/v2/settings/business_hours", json={"values": hours}, headers=headers)
    assert r.status_code == 200, r.text
    v = await visitor(api, demo, "closed-1")
    state = (await api.get("/api/v2/availability", headers=v["headers"])).json()
    assert state["state"] == "closed" and state["openNow"] is False
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert state["nextOpening"].startswith(f"{tomorrow}T10:00:00")
    assert state["outsideHours"] == "offer_email"
    assert (await api.get("/api/v2/availability")).status_code == 401


async def test_the_disclosure_shown_is_recorded_once_with_its_text(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    chat, v = await open_chat(api, demo, "disclosed")
    text = (await api.get("/api/v2/settings/visitor", headers=v["headers"])).json()["sections"][
        "bot"
    ]["disclosure"]["en"]
    url = f"/api/v2/chats/{chat}/ai-disclosure"
    first = await api.post(url, json={"language": "en", "text": text}, headers=v["headers"])
    assert first.status_code == 200, first.text
    assert first.json() == {"recorded": True}
    again = await api.post(url, json={"language": "en", "text": text}, headers=v["headers"])
    assert again.json() == {"recorded": False}
    forged = await api.post(url, json={"language": "en", "text": "anything"}, headers=v["headers"])
    assert forged.status_code == 422
    huge = await api.post(url, json={"language": "en", "text": "x" * 5000}, headers=v["headers"])
    assert huge.status_code == 422
    other = await visitor(api, demo, "not-mine")
    stolen = await api.post(url, json={"language": "en", "text": text}, headers=other["headers"])
    assert stolen.status_code == 404
    log = await api.get("/api/v2/events?limit=1000", headers=key_headers(demo))
    shown = [e for e in log.json()["events"] if e["type"] == "ai.disclosure_shown"]
    assert len(shown) == 1
    assert shown[0]["payload"]["text"] == text
    assert shown[0]["payload"]["chat_id"] == chat


async def test_a_first_response_breach_is_one_event_however_often_scanned_and_makes_it_urgent(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    await everyone(api, demo, "offline")
    chat, v = await open_chat(api, demo, "sla-1")
    r = await api.post(
        f"/api/v2/chats/{chat}/request-agent", json={"reason": "visitor_request"},
        headers=v["headers"],
    )  # fmt: skip
    assert r.status_code < 300, r.text

    async def priority() -> str:
        one = await api.get(f"/api/v2/chats/{chat}", headers=key_headers(demo))
        return str(one.json()["priority"])

    assert await priority() == "HIGH"  # asked for a person: not late yet
    early = SlaMonitor(runtime.services.uow, runtime.services.settings)
    assert await early.scan() == 0
    assert await priority() == "HIGH"
    later = datetime.now(UTC) + timedelta(minutes=6)  # the default target: 5 minutes
    monitor = SlaMonitor(runtime.services.uow, runtime.services.settings, clock=lambda: later)
    assert await monitor.scan() == 1
    assert await priority() == "URGENT"  # the SLA clock says it is late
    assert await monitor.scan() == 0
    log = await api.get("/api/v2/events?limit=1000", headers=key_headers(demo))
    [breach] = [e for e in log.json()["events"] if e["type"] == "chat.sla_breached"]
    assert breach["payload"]["kind"] == "first_response"
    assert breach["payload"]["chat_id"] == chat
    assert breach["payload"]["answered"] is False


async def test_ready_waits_for_the_in_process_bot(api: httpx.AsyncClient, runtime: Runtime) -> None:
    """``guiders up``: not ready while the bot loads its model, ready once it has."""
    plain = await api.get("/api/ready")
    assert plain.status_code == 200 and "workers" not in plain.json()
    bot = Readiness()
    runtime.background.append(BackgroundWorker("bot", _never, readiness=bot))
    try:
        loading = await api.get("/api/ready")
        assert loading.status_code == 503
        assert loading.json()["workers"] == {"bot": False}
        assert "bot" in loading.json()["message"]
        bot.set(True)
        ready = await api.get("/api/ready")
        assert ready.status_code == 200 and ready.json()["workers"] == {"bot": True}
    finally:
        runtime.background.clear()


async def _never() -> None:
    raise AssertionError("not started in this test")


async def test_a_flood_of_availability_and_wait_questions_costs_one_look_up_per_company(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    """docs/web.md, visitor behaviours: the company's part is cached a few seconds, and
    dropped when an agent's status changes."""
    agents = await everyone(api, demo, "offline")
    people = runtime.services.availability
    chats = [await open_chat(api, demo, f"flood-{i}") for i in range(4)]
    before_a, before_q = people.answers.lookups, people.queues.lookups

    async def ask(v: Any) -> dict[str, Any]:
        r = await api.get("/api/v2/availability", headers=v["headers"])
        assert r.status_code == 200, r.text
        return dict(r.json())

    async def wait(chat: str, v: Any) -> dict[str, Any]:
        r = await api.get(f"/api/v2/chats/{chat}/wait", headers=v["headers"])
        assert r.status_code == 200, r.text
        return dict(r.json())

    answers = await asyncio.gather(*[ask(v) for _, v in chats for _ in range(15)])
    assert {a["state"] for a in answers} == {"nobody_online"}
    waits = await asyncio.gather(*[wait(c, v) for c, v in chats for _ in range(15)])
    assert sorted({w["position"] for w in waits}) == [1, 2, 3, 4]
    assert people.answers.lookups - before_a == 1
    assert people.queues.lookups - before_q == 1

    await set_status(api, demo, agents[0], "online")  # dropped at once on this node
    assert (await ask(chats[0][1]))["state"] == "online"
    assert people.answers.lookups - before_a == 2
    newer, v = await open_chat(api, demo, "flood-new")  # newer than the cached queue
    assert (await wait(newer, v))["position"] == 5
    assert (await wait(newer, v))["position"] == 5
    assert people.queues.lookups - before_q == 2
