"""Model-health reports, model alerts and retrain proposals over the REST API."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx

from guiders.domain.company import StaffRole
from guiders.runtime import Runtime
from tests.integration.test_api import key_headers, staff, visitor


def report(ece: float | None, max_psi: float | None = 0.02) -> dict[str, Any]:
    bins = [
        {
            "lower": i / 15,
            "upper": (i + 1) / 15,
            "count": 10,
            "meanPredicted": (i + 0.5) / 15,
            "observedRate": (i + 0.5) / 15,
        }
        for i in range(15)
    ]
    return {
        "modelVersion": "conv-test",
        "measuredAt": "2026-12-06T12:00:00+00:00",
        "calibration": {
            "days": 30,
            "from": "2026-11-06T12:00:00+00:00",
            "to": "2026-12-06T12:00:00+00:00",
            "rows": 150,
            "positives": 70,
            "ece": ece,
            "noiseFloor": 0.03,
            "bins": bins,
        },
        "drift": {
            "hours": 24,
            "from": "2026-12-05T12:00:00+00:00",
            "to": "2026-12-06T12:00:00+00:00",
            "rows": 120,
            "psi": {"PageValues": max_psi or 0.0, "Month": 0.01},
            "maxPsi": max_psi,
            "feature": "PageValues",
        },
    }


async def admin(api: httpx.AsyncClient, runtime: Runtime, demo: dict[str, Any]) -> dict[str, str]:
    await runtime.services.tenancy.add_staff(
        UUID(demo["companyId"]),
        email="dora@demo.guiders.local",
        name="Dora Admin",
        role=StaffRole.ADMIN,
        password="admin-password-123",
    )
    r = await api.post(
        "/api/user/auth/login",
        json={"email": "dora@demo.guiders.local", "password": "admin-password-123"},
    )
    assert r.status_code == 200, r.text
    return {"authorization": f"Bearer {r.json()['access_token']}"}


async def model_events(api: httpx.AsyncClient, demo: dict[str, Any]) -> list[dict[str, Any]]:
    r = await api.get("/api/v2/events?limit=1000", headers=key_headers(demo))
    return [e for e in r.json()["events"] if e["aggregateType"] == "model"]


async def test_a_bad_report_raises_an_alert_and_proposes_one_retrain_an_admin_confirms(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    key = key_headers(demo)
    url = "/api/v2/analytics/model-health"
    r = await api.post(url, json=report(ece=0.02), headers=key)
    assert r.status_code == 201, r.text
    assert r.json()["alerts"] == [] and r.json()["proposal"] is None

    r = await api.post(url, json=report(ece=0.09, max_psi=0.4), headers=key)
    assert r.status_code == 201, r.text
    rules = {a["rule"] for a in r.json()["alerts"]}
    assert rules == {"ModelCalibrationDrift", "ModelInputDrift"}
    proposal = r.json()["proposal"]
    assert proposal["status"] == "proposed" and "guiders analytics retrain" in proposal["command"]

    again = (await api.post(url, json=report(ece=0.1, max_psi=0.5), headers=key)).json()
    assert again["proposal"]["proposalId"] == proposal["proposalId"]  # one open proposal

    supervisor = await staff(api, demo, 0)
    seen = await api.get(url, headers=supervisor)
    assert seen.status_code == 200
    assert seen.json()["latest"]["calibration"]["ece"] == 0.1
    assert seen.json()["latest"]["figures"] == {"modelEce": 0.1, "modelMaxPsi": 0.5}
    assert len(seen.json()["latest"]["calibration"]["bins"]) == 15

    confirm = f"/api/v2/analytics/retrain-proposals/{proposal['proposalId']}/confirm"
    assert (await api.post(confirm, headers=supervisor)).status_code == 403
    boss = await admin(api, runtime, demo)
    done = await api.post(confirm, headers=boss)
    assert done.status_code == 200, done.text
    assert done.json()["proposal"]["status"] == "confirmed"
    assert (await api.post(confirm, headers=boss)).json()["error"] == "conflict"

    outcome = f"/api/v2/analytics/retrain-proposals/{proposal['proposalId']}/outcome"
    body = {"promoted": False, "reason": "validation ECE worse than conv-test"}
    assert (await api.post(outcome, json=body, headers=boss)).status_code == 403
    closed = await api.post(outcome, json=body, headers=key)
    assert closed.status_code == 200, closed.text
    assert closed.json()["proposal"] is None
    assert closed.json()["lastOutcome"]["reason"] == body["reason"]

    healed = (await api.post(url, json=report(ece=0.01), headers=key)).json()
    assert [a["rule"] for a in healed["alerts"]] == []
    types = [e["type"] for e in await model_events(api, demo)]
    assert types == [
        "model.health_measured",
        "model.health_measured",
        "alert.raised",
        "alert.raised",
        "model.retrain_proposed",
        "model.health_measured",
        "model.retrain_confirmed",
        "model.retrain_completed",
        "model.health_measured",
        "alert.resolved",
        "alert.resolved",
    ]


async def test_who_may_read_and_write_model_health(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    url = "/api/v2/analytics/model-health"
    agent = await staff(api, demo, 1)
    v = await visitor(api, demo)
    assert (await api.get(url, headers=agent)).status_code == 403
    assert (await api.get(url, headers=v["headers"])).status_code == 403
    assert (await api.post(url, json=report(0.2), headers=agent)).status_code == 403
    assert (
        await api.post(url, json=report(0.2), headers=await staff(api, demo, 0))
    ).status_code == 403
    assert (await api.get(url)).status_code == 401
    bad = report(0.2) | {"calibration": {"days": 30}}
    r = await api.post(url, json=bad, headers=key_headers(demo))
    assert r.status_code == 422 and r.json()["error"] == "validation_error"
    empty = (await api.get(url, headers=key_headers(demo))).json()
    assert empty["latest"] is None and empty["thresholds"] == {
        "modelEce": 0.05,
        "modelMaxPsi": 0.25,
    }
