"""Saga state, consumer positions, dead letters and chat automation over HTTP."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from guiders.runtime import Runtime
from guiders.store.replay import replay_and_compare
from tests.integration.test_api import key_headers, staff, visitor


def saga_body(revision: int, status: str = "STARTED", **kw: Any) -> dict[str, Any]:
    return {"type": "conversation", "status": status, "expectedRevision": revision, **kw}


async def test_a_saga_is_created_moved_on_and_guarded_against_lost_updates(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    key = key_headers(demo)
    sid = str(uuid.uuid4())
    assert (await api.get(f"/api/v2/sagas/{sid}", headers=key)).status_code == 404
    r = await api.put(f"/api/v2/sagas/{sid}", json=saga_body(0, context={"a": 1}), headers=key)
    assert r.status_code == 200, r.text
    assert r.json()["revision"] == 1 and r.json()["status"] == "STARTED"
    step = {"name": "create_chat", "status": "done"}
    r = await api.put(f"/api/v2/sagas/{sid}", json=saga_body(1, steps=[step]), headers=key)
    assert r.json()["revision"] == 2 and r.json()["steps"] == [step]
    stale = await api.put(f"/api/v2/sagas/{sid}", json=saga_body(1), headers=key)
    assert stale.status_code == 409 and stale.json()["error"] == "conflict"
    done = await api.put(f"/api/v2/sagas/{sid}", json=saga_body(2, "COMPLETED"), headers=key)
    assert done.json()["status"] == "COMPLETED"
    back = await api.put(f"/api/v2/sagas/{sid}", json=saga_body(3, "STARTED"), headers=key)
    assert back.status_code == 409
    listed = await api.get("/api/v2/sagas?status=STARTED,COMPENSATING", headers=key)
    assert sid not in [s["id"] for s in listed.json()["sagas"]]
    events = await api.get(f"/api/v2/events?aggregateId={sid}", headers=key)
    assert [e["type"] for e in events.json()["events"]] == [
        "saga.started",
        "saga.step_recorded",
        "saga.status_changed",
    ]


async def test_sagas_are_for_keys_and_supervisors_and_bodies_are_checked(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    v = await visitor(api, demo)
    sid = str(uuid.uuid4())
    r = await api.put(f"/api/v2/sagas/{sid}", json=saga_body(0), headers=v["headers"])
    assert r.status_code == 403
    agent = await staff(api, demo, 1)  # an agent, not a supervisor
    assert (await api.get("/api/v2/sagas", headers=agent)).status_code == 403
    supervisor = await staff(api, demo, 0)
    assert (await api.get("/api/v2/sagas", headers=supervisor)).status_code == 200
    bad = await api.put(
        f"/api/v2/sagas/{sid}", json=saga_body(0, "NOPE"), headers=key_headers(demo)
    )
    assert bad.status_code == 422
    bad_filter = await api.get("/api/v2/sagas?status=NOPE", headers=key_headers(demo))
    assert bad_filter.status_code == 422


async def test_consumer_position_and_dead_letters(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    key = key_headers(demo)
    base = "/api/v2/consumers/pipeline"
    assert (await api.get(f"{base}/position", headers=key)).json()["seq"] is None
    assert (await api.put(f"{base}/position", json={"seq": 7}, headers=key)).status_code == 200
    assert (await api.put(f"{base}/position", json={"seq": 9}, headers=key)).status_code == 200
    assert (await api.get(f"{base}/position", headers=key)).json()["seq"] == 9
    event = {"eventId": str(uuid.uuid4()), "seq": 5, "type": "message.sent"}
    body = {"event": event, "error": "boom", "attempts": 3}
    first = await api.post(f"{base}/dead-letters", json=body, headers=key)
    assert first.status_code == 201, first.text
    again = await api.post(f"{base}/dead-letters", json=body | {"error": "bang"}, headers=key)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["attempts"] == 6 and again.json()["error"] == "bang"
    parked = (await api.get(f"{base}/dead-letters?status=parked", headers=key)).json()
    assert [d["eventId"] for d in parked["deadLetters"]] == [event["eventId"]]
    lid = first.json()["id"]
    r = await api.put(f"{base}/dead-letters/{lid}", json={"status": "resolved"}, headers=key)
    assert r.json()["status"] == "resolved"
    r = await api.put(f"{base}/dead-letters/{lid}", json={"status": "bogus"}, headers=key)
    assert r.status_code == 422
    missing = await api.post(f"{base}/dead-letters", json=body | {"event": {}}, headers=key)
    assert missing.status_code == 422


async def test_priority_tags_custom_fields_and_release(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    key = key_headers(demo)
    v = await visitor(api, demo)
    chat_id = (await api.post("/api/v2/chats", json={}, headers=v["headers"])).json()["chatId"]
    r = await api.put(f"/api/v2/chats/{chat_id}/priority", json={"priority": "HIGH"}, headers=key)
    assert r.json()["priority"] == "HIGH"
    for _ in range(2):
        r = await api.post(f"/api/v2/chats/{chat_id}/tags", json={"tags": ["vip"]}, headers=key)
    assert r.json()["metadata"]["tags"] == ["vip"]
    r = await api.patch(
        f"/api/v2/chats/{chat_id}/custom-fields",
        json={"customFields": {"botMuted": True}},
        headers=key,
    )
    assert r.json()["metadata"]["customFields"]["botMuted"] is True
    ana = demo["staff"][0]["commercialId"]
    assert (await api.put(f"/api/v2/chats/{chat_id}/assign/{ana}", headers=key)).status_code == 200
    r = await api.put(f"/api/v2/chats/{chat_id}/release", json={"reason": "no answer"}, headers=key)
    assert r.json()["status"] == "PENDING" and r.json()["assignedCommercialId"] is None
    r = await api.put(f"/api/v2/chats/{chat_id}/release", json={}, headers=v["headers"])
    assert r.status_code == 403
    types = [
        e["type"]
        for e in (await api.get(f"/api/v2/events?aggregateId={chat_id}", headers=key)).json()[
            "events"
        ]
    ]
    assert types.count("chat.tagged") == 1 and "chat.custom_fields_changed" in types
    report = await replay_and_compare(runtime.db)
    assert report.ok, report.lines()
