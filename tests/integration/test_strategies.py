"""Scores, segments and strategies end to end over the REST API, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import httpx

from guiders.runtime import Runtime
from guiders.store.replay import replay_and_compare
from tests.integration.test_api import key_headers, staff, visitor

FACTORS = [
    {"feature": "PageValues", "value": 42.0, "contribution": 0.61},
    {"feature": "ProductRelated", "value": 14, "contribution": 0.08},
]


def score(probability: float, segment: str, **extra: Any) -> dict[str, Any]:
    return {
        "conversionProbability": probability,
        "segment": segment,
        "modelVersion": "conv-test",
        "topFactors": FACTORS,
        "features": {"PageValues": 42.0, "ProductRelated": 14},
        "context": {"pagesSeen": ["/p/boots", "/cart"], "productOfInterest": "/p/boots"},
        **extra,
    }


async def online(api: httpx.AsyncClient, demo: dict[str, Any], *indexes: int) -> None:
    for i in indexes:
        r = await api.put(
            f"/api/v2/commercials/{demo['staff'][i]['commercialId']}/status",
            json={"status": "online"},
            headers=key_headers(demo),
        )
        assert r.status_code == 200, r.text


async def event_types(api: httpx.AsyncClient, demo: dict[str, Any], aggregate: str) -> list[str]:
    r = await api.get(f"/api/v2/events?aggregateId={aggregate}", headers=key_headers(demo))
    return [e["type"] for e in r.json()["events"]]


async def test_a_vip_gets_the_most_senior_available_agent_and_the_events(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    await online(api, demo, 1, 2)  # Ben (seniority 2) and Carla (1); Ana (3) stays offline
    v = await visitor(api, demo)
    chat = (await api.post("/api/v2/chats", json={}, headers=v["headers"])).json()
    url = f"/api/v2/visitors/{v['visitorId']}/prediction"

    missing = await api.get(url, headers=key_headers(demo))
    assert missing.status_code == 404 and missing.json()["reason"] == "not_scored"

    r = await api.put(url, json=score(0.91, "vip"), headers=key_headers(demo))
    assert r.status_code == 200, r.text
    assert r.json()["segmentChanged"] is True

    detail = (await api.get(f"/api/v2/chats/{chat['chatId']}", headers=key_headers(demo))).json()
    assert detail["priority"] == "HIGH"
    assert detail["status"] == "ASSIGNED"
    assert detail["assignedCommercialId"] == demo["staff"][1]["commercialId"]

    types = await event_types(api, demo, v["visitorId"])
    assert types[-3:] == ["visitor.analyzed", "visitor.segment_changed", "strategy.applied"]
    events = (
        await api.get(
            f"/api/v2/events?aggregateId={v['visitorId']}&type=strategy.applied",
            headers=key_headers(demo),
        )
    ).json()["events"]
    applied = events[0]["payload"]
    assert applied["segment"] == "vip" and applied["conversion_probability"] == 0.91
    assert {a["action"] for a in applied["actions"]} == {"raise_priority", "assign"}

    prediction = (await api.get(url, headers=await staff(api, demo, 0))).json()
    assert prediction["segment"] == "vip"
    assert prediction["modelVersion"] == "conv-test"
    assert prediction["topFactors"][0]["feature"] == "PageValues"
    assert prediction["persona"]["productOfInterest"] == "/p/boots"
    assert (await api.get(url, headers=v["headers"])).status_code == 403
    assert (await api.put(url, json=score(0.1, "nurturing"), headers=v["headers"])).status_code in (
        403,
    )

    # the same score again changes nothing: no second assignment, no second strategy event
    again = await api.put(url, json=score(0.93, "vip"), headers=key_headers(demo))
    assert again.json()["segmentChanged"] is False
    assert (await event_types(api, demo, v["visitorId"]))[-1] == "visitor.analyzed"
    assert (await replay_and_compare(runtime.db)).ok


async def test_a_vip_without_a_chat_is_offered_one_by_the_senior_agent(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    await online(api, demo, 0, 2)
    v = await visitor(api, demo, "fp-proactive")
    url = f"/api/v2/visitors/{v['visitorId']}/prediction"
    await api.put(url, json=score(0.85, "vip"), headers=key_headers(demo))
    chats = (await api.get(f"/api/v2/visitors/{v['visitorId']}/chats", headers=v["headers"])).json()
    listed = chats.get("chats") or chats.get("data")
    assert len(listed) == 1
    assert listed[0]["assignedCommercialId"] == demo["staff"][0]["commercialId"]
    assert listed[0]["priority"] == "HIGH"
    messages = (
        await api.get(f"/api/v2/chats/{listed[0]['id']}/messages", headers=v["headers"])
    ).json()["messages"]
    assert len(messages) == 1, "the visitor sees the offer, not the internal note"


async def test_standard_and_nurturing_strategies_and_conversions(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    v = await visitor(api, demo, "fp-std")
    url = f"/api/v2/visitors/{v['visitorId']}/prediction"
    r = await api.put(url, json=score(0.5, "standard"), headers=key_headers(demo))
    assert r.json()["persona"]["segment"] == "standard"
    r = await api.put(url, json=score(0.2, "nurturing"), headers=key_headers(demo))
    assert r.json()["previousSegment"] == "standard"
    events = (
        await api.get(
            f"/api/v2/events?aggregateId={v['visitorId']}&type=strategy.applied",
            headers=key_headers(demo),
        )
    ).json()["events"]
    assert [e["payload"]["strategy"] for e in events] == ["personalised_bot", "nurturing"]
    assert [a["action"] for a in events[1]["payload"]["actions"]] == ["content"]

    conv_url = f"/api/v2/visitors/{v['visitorId']}/conversions"
    bad = await api.post(conv_url, json={"value": -3}, headers=key_headers(demo))
    assert bad.status_code == 422 and bad.json()["field"] == "value"
    assert (await api.post(conv_url, json={}, headers=v["headers"])).status_code == 403
    done = await api.post(
        conv_url, json={"value": 120.5, "currency": "eur"}, headers=key_headers(demo)
    )
    assert done.status_code == 201, done.text
    assert done.json()["currency"] == "EUR" and done.json()["sessionId"] == v["sessionId"]
    profile = (await api.get(f"/api/v2/visitors/{v['visitorId']}", headers=v["headers"])).json()
    assert profile["lifecycle"] == "converted"
    assert (await replay_and_compare(runtime.db)).ok


async def test_contact_and_consent_are_validated(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    v = await visitor(api, demo, "fp-contact")
    url = f"/api/v2/visitors/{v['visitorId']}"
    no_email = await api.patch(url, json={"emailConsent": True}, headers=v["headers"])
    assert no_email.status_code == 422 and no_email.json()["field"] == "emailConsent"
    for address in ("not-an-address", "a,b@example.com", "Eve <eve@example.com>"):
        bad = await api.patch(url, json={"email": address}, headers=v["headers"])
        assert bad.status_code == 422 and bad.json()["field"] == "email"
    ok = await api.patch(
        url, json={"email": "eva@example.com", "emailConsent": True}, headers=v["headers"]
    )
    assert ok.status_code == 200 and ok.json()["emailConsent"] is True
    other = await visitor(api, demo, "fp-other")
    assert (await api.patch(url, json={"name": "x"}, headers=other["headers"])).status_code == 404


async def test_another_company_cannot_read_or_write_scores(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    v = await visitor(api, demo, "fp-tenant")
    other = await runtime.services.tenancy.create_company("Other Inc")
    other_key, _ = await runtime.services.tenancy.create_api_key(other.id, "other")
    foreign = {"authorization": f"Bearer {other_key}"}
    base = f"/api/v2/visitors/{v['visitorId']}"
    await api.put(f"{base}/prediction", json=score(0.5, "standard"), headers=key_headers(demo))
    assert (await api.get(f"{base}/prediction", headers=foreign)).status_code == 404
    assert (
        await api.put(f"{base}/prediction", json=score(0.9, "vip"), headers=foreign)
    ).status_code == 404
    assert (await api.post(f"{base}/conversions", json={}, headers=foreign)).status_code == 404
    assert (await api.patch(base, json={"name": "x"}, headers=foreign)).status_code == 404
    staff_put = await api.put(
        f"{base}/prediction", json=score(0.9, "vip"), headers=await staff(api, demo, 0)
    )
    assert staff_put.status_code == 403, "only the worker's key records scores"
    bad = await api.put(f"{base}/prediction", json=score(1.5, "vip"), headers=key_headers(demo))
    assert bad.status_code == 422 and bad.json()["field"] == "conversionProbability"
    unknown = await api.put(
        f"{base}/prediction", json=score(0.5, "gold"), headers=key_headers(demo)
    )
    assert unknown.status_code == 422 and unknown.json()["field"] == "segment"
    still = (await api.get(f"{base}/prediction", headers=key_headers(demo))).json()
    assert still["segment"] == "standard"


async def test_the_same_score_put_again_is_recorded_once(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    """A retried PUT (its first answer lost to a timeout) or a second replica scoring the same
    input must not log a second score or run the strategy again."""
    v = await visitor(api, demo, "fp-repeat")
    url = f"/api/v2/visitors/{v['visitorId']}/prediction"
    for _ in range(3):
        r = await api.put(url, json=score(0.5, "standard"), headers=key_headers(demo))
        assert r.status_code == 200, r.text
        assert r.json()["conversionProbability"] == 0.5
    types = await event_types(api, demo, v["visitorId"])
    assert types.count("visitor.analyzed") == 1
    assert types.count("strategy.applied") == 1
    moved = await api.put(url, json=score(0.51, "standard"), headers=key_headers(demo))
    assert moved.status_code == 200
    assert (await event_types(api, demo, v["visitorId"])).count("visitor.analyzed") == 2
