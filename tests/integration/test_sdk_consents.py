"""The Guiders SDK's consent calls (``consent-backend-service.ts``) as the unmodified SDK makes
them: identified like the SDK, ``X-Guiders-Sid`` on every call, its exact wire shapes; on
SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from guiders.runtime import Runtime
from guiders.services.consents import CONSENT_VALIDITY
from guiders.services.privacy_ports import Consent
from tests.integration.test_sdk_surface import SID, identify, key_headers, sdk_visitor

TYPES = ("privacy_policy", "marketing", "analytics")
CONSENT_KEYS = {"visitorId", "type", "status", "grantedAt", "expiresAt", "version"}
LOG_KEYS = {"id", "visitorId", "consentType", "action", "timestamp", "metadata"}


async def call(
    api: httpx.AsyncClient, who: dict[str, Any], path: str, body: dict[str, Any] | None = None
) -> httpx.Response:
    """As the SDK's ``makeRequest``: JSON content type and the session header, no cookie."""
    headers = {"content-type": "application/json", **who["headers"]}
    if body is None:
        return await api.get(f"/api/consents{path}", headers=headers)
    return await api.post(f"/api/consents{path}", headers=headers, json=body)


def assert_consent(body: dict[str, Any], who: dict[str, Any], kind: str, status: str) -> None:
    assert set(body) == CONSENT_KEYS, body
    assert body["visitorId"] == who["visitorId"]
    assert body["type"] == kind and body["status"] == status
    granted = datetime.fromisoformat(body["grantedAt"])
    expires = datetime.fromisoformat(body["expiresAt"])
    assert granted.tzinfo is not None and expires - granted == CONSENT_VALIDITY
    assert isinstance(body["version"], str) and body["version"]


@pytest.fixture
async def other_company(api: httpx.AsyncClient, runtime: Runtime) -> dict[str, Any]:
    """A visitor of a second company, identified through its own site key like the SDK."""
    company = await runtime.services.tenancy.create_company("Other Inc")
    site = await runtime.services.tenancy.add_site(
        company.id, name="o", domain="other.example", aliases=[]
    )
    r = await identify(api, {"siteKey": site.site_key}, "fp-other", domain="other.example")
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    body["headers"] = {SID: body["sessionId"]}
    api.cookies.clear()
    return body


async def test_grant_renew_revoke_each_type_in_the_sdk_shapes(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    eva = await sdk_visitor(api, demo, "fp-eva")
    vid = eva["visitorId"]
    for kind in TYPES:
        r = await call(api, eva, "/grant", {"visitorId": vid, "type": kind, "version": "v2.1"})
        assert r.status_code == 200, r.text
        assert_consent(r.json(), eva, kind, "granted")
        assert r.json()["version"] == "v2.1"
        r = await call(api, eva, "/renew", {"visitorId": vid, "type": kind})
        assert r.status_code == 200, r.text
        assert_consent(r.json(), eva, kind, "granted")
        assert r.json()["version"] == "v2.1", "a renewal keeps the version it renews"
        r = await call(api, eva, "/revoke", {"visitorId": vid, "type": kind, "reason": "No more"})
        assert r.status_code == 200, r.text
        assert_consent(r.json(), eva, kind, "revoked")

    r = await call(api, eva, f"/visitors/{vid}")
    assert r.status_code == 200, r.text
    history = r.json()
    assert set(history) == {"consents", "total"} and history["total"] == 3
    assert sorted(c["type"] for c in history["consents"]) == sorted(TYPES)
    for consent in history["consents"]:
        assert_consent(consent, eva, consent["type"], "revoked")

    r = await call(api, eva, f"/visitors/{vid}/audit-logs")
    assert r.status_code == 200, r.text
    audit = r.json()
    assert set(audit) == {"logs", "total"} and audit["total"] == len(audit["logs"])
    stamps = [datetime.fromisoformat(log["timestamp"]) for log in audit["logs"]]
    assert stamps == sorted(stamps), "oldest first"
    for log in audit["logs"]:
        assert set(log) == LOG_KEYS and log["visitorId"] == vid
        uuid.UUID(log["id"])
        assert set(log["metadata"]) <= {"reason", "previousStatus", "newStatus", "ipAddress"}
    by_type = {k: [log for log in audit["logs"] if log["consentType"] == k] for k in TYPES}
    # identify's acceptance of the privacy policy is its first grant
    assert [log["action"] for log in by_type["privacy_policy"]] == [
        "granted",
        "granted",
        "renewed",
        "revoked",
    ]
    for kind in ("marketing", "analytics"):
        logs = by_type[kind]
        assert [log["action"] for log in logs] == ["granted", "renewed", "revoked"]
        assert logs[0]["metadata"] == {"newStatus": "granted"}
        assert logs[2]["metadata"] == {
            "reason": "No more",
            "previousStatus": "granted",
            "newStatus": "revoked",
        }


async def test_identify_accepting_the_policy_is_the_privacy_policy_grant(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    eva = await sdk_visitor(api, demo, "fp-policy")
    r = await call(api, eva, f"/visitors/{eva['visitorId']}")
    assert r.status_code == 200, r.text
    [policy] = r.json()["consents"]
    assert_consent(policy, eva, "privacy_policy", "granted")
    assert policy["version"] == "v1.0", "the consentVersion sent to identify"
    r = await call(api, eva, "/renew", {"visitorId": eva["visitorId"], "type": "privacy_policy"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "granted" and r.json()["version"] == "v1.0"


async def test_only_a_consent_in_force_is_renewed(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime
) -> None:
    eva = await sdk_visitor(api, demo, "fp-renew")
    vid = eva["visitorId"]
    never = await call(api, eva, "/renew", {"visitorId": vid, "type": "analytics"})
    assert never.status_code == 409 and "grant it anew" in never.json()["message"]
    await call(api, eva, "/revoke", {"visitorId": vid, "type": "marketing"})
    revoked = await call(api, eva, "/renew", {"visitorId": vid, "type": "marketing"})
    assert revoked.status_code == 409, "a withdrawn consent is asked for again, not renewed"

    # a grant older than the validity has expired: reported so, and not renewable
    long_ago = datetime.now(UTC) - CONSENT_VALIDITY - timedelta(days=2)
    async with runtime.services.uow() as uow:
        visitor = await uow.visitors.get(uuid.UUID(vid))
        assert visitor is not None
        old = Consent("tracking", True, "Guiders SDK: grant analytics", long_ago, source="sdk")
        await uow.privacy.add_consent(visitor.company_id, visitor.id, old)
        await uow.commit()
    history = (await call(api, eva, f"/visitors/{vid}")).json()
    [analytics] = [c for c in history["consents"] if c["type"] == "analytics"]
    assert analytics["status"] == "expired" and analytics["version"] == "unversioned"
    logs = (await call(api, eva, f"/visitors/{vid}/audit-logs")).json()["logs"]
    assert [log["action"] for log in logs if log["consentType"] == "analytics"] == [
        "granted",
        "expired",
    ]
    expired = await call(api, eva, "/renew", {"visitorId": vid, "type": "analytics"})
    assert expired.status_code == 409
    again = await call(api, eva, "/grant", {"visitorId": vid, "type": "analytics"})
    assert again.status_code == 200 and again.json()["status"] == "granted"


async def test_the_sdk_types_are_our_purposes(api: httpx.AsyncClient, demo: dict[str, Any]) -> None:
    """``analytics`` is tracking, ``marketing`` is e-mail: seen through our own consents API,
    and a revoked analytics consent stops tracking being stored."""
    eva = await sdk_visitor(api, demo, "fp-map")
    vid = eva["visitorId"]
    await call(api, eva, "/grant", {"visitorId": vid, "type": "marketing"})
    r = await call(api, eva, "/revoke", {"visitorId": vid, "type": "analytics"})
    assert r.status_code == 200, r.text
    r = await api.get(f"/api/v2/visitors/{vid}/consents", headers=eva["headers"])
    assert r.status_code == 200, r.text
    by_purpose = {c["purpose"]: c for c in r.json()["consents"]}
    assert set(by_purpose) == {"tracking", "email"}
    assert by_purpose["tracking"]["granted"] is False and by_purpose["tracking"]["source"] == "sdk"
    assert by_purpose["tracking"]["text"].startswith("Guiders SDK: revoke analytics")
    assert by_purpose["email"]["granted"] is True
    # e-mail consent given without an address on file leaves the visitor's e-mail consent off
    visitor = (await api.get(f"/api/v2/visitors/{vid}", headers=key_headers(demo))).json()
    assert visitor["emailConsent"] is False
    # our own API's privacy_policy answers show in the SDK's view too
    r = await api.post(
        f"/api/v2/visitors/{vid}/consents",
        headers=eva["headers"],
        json={"purpose": "privacy_policy", "granted": False, "text": "I withdraw"},
    )
    assert r.status_code == 201, r.text
    history = (await call(api, eva, f"/visitors/{vid}")).json()
    assert {c["type"]: c["status"] for c in history["consents"]} == {
        "privacy_policy": "revoked",
        "marketing": "granted",
        "analytics": "revoked",
    }
    # staff and keys read a visitor of their company, as on /api/v2
    by_key = await api.get(f"/api/consents/visitors/{vid}", headers=key_headers(demo))
    assert by_key.status_code == 200 and by_key.json() == history


async def test_an_older_sdks_preferences_grant(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    eva = await sdk_visitor(api, demo, "fp-prefs")
    body = {
        "visitorId": eva["visitorId"],
        "preferences": {"analytics": True, "functional": True, "personalization": False},
    }
    r = await call(api, eva, "/grant", body)
    assert r.status_code == 200, r.text
    assert r.json()["total"] == 3
    states = {c["type"]: c["status"] for c in r.json()["consents"]}
    assert states == {"privacy_policy": "granted", "marketing": "revoked", "analytics": "granted"}


async def test_without_a_valid_session_the_sdk_is_told_to_identify_again(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    eva = await sdk_visitor(api, demo, "fp-401")
    vid = eva["visitorId"]
    ended = await sdk_visitor(api, demo, "fp-401")
    await api.post("/api/visitors/session/end", headers=ended["headers"])
    for headers in ({}, {SID: "not-a-session"}, {SID: str(uuid.uuid4())}, ended["headers"]):
        who = {"headers": headers}
        for path, body in _every_call(vid):
            r = await call(api, who, path, body)
            assert r.status_code == 401, (path, headers, r.text)
            assert r.json()["error"] == "unauthorized" and r.json()["message"]


async def test_another_visitors_consents_are_not_found(
    api: httpx.AsyncClient, demo: dict[str, Any], other_company: dict[str, Any]
) -> None:
    eva = await sdk_visitor(api, demo, "fp-eva")
    bob = await sdk_visitor(api, demo, "fp-bob")
    for who, target in ((bob, eva), (other_company, eva), (eva, other_company)):
        for path, body in _every_call(target["visitorId"]):
            r = await call(api, who, path, body)
            assert r.status_code == 404, (path, r.text)
            assert r.json()["error"] == "not_found"
    # nothing was written for eva by the others
    logs = (await call(api, eva, f"/visitors/{eva['visitorId']}/audit-logs")).json()["logs"]
    assert [log["consentType"] for log in logs] == ["privacy_policy"]
    staff_of_other = await call(
        api, {"headers": key_headers(demo)}, f"/visitors/{other_company['visitorId']}"
    )
    assert staff_of_other.status_code == 404


async def test_bad_bodies_are_refused_in_the_apis_error_shape(
    api: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    eva = await sdk_visitor(api, demo, "fp-422")
    vid = eva["visitorId"]
    bad: list[tuple[str, Any]] = [
        ("/grant", {"visitorId": vid, "type": "cookies"}),
        ("/revoke", {"visitorId": vid, "type": "functional"}),
        ("/renew", {"visitorId": "eva", "type": "analytics"}),
        ("/renew", {"type": "analytics"}),
        ("/grant", {"visitorId": vid}),
        ("/grant", {"visitorId": vid, "type": "analytics", "preferences": {"analytics": True}}),
        ("/grant", {"visitorId": vid, "preferences": {}}),
        ("/grant", {"visitorId": vid, "type": "analytics", "version": "1) or (x"}),
        ("/revoke", {"visitorId": vid, "type": "analytics", "reason": "x" * 501}),
        ("/revoke", [vid, "analytics"]),
    ]
    for path, body in bad:
        r = await call(api, eva, path, body)
        assert r.status_code == 422, (path, body, r.text)
        assert r.json()["error"] == "validation_error" and r.json()["message"]
    unknown = await call(api, eva, "/grant", {"visitorId": vid, "type": "cookies"})
    assert unknown.json()["field"] == "type"
    headers = {"content-type": "application/json", **eva["headers"]}
    for raw in (b"{not json", b"", b"\xff\xfe"):
        r = await api.post("/api/consents/revoke", headers=headers, content=raw)
        assert r.status_code in (400, 422), r.text
        assert r.json()["message"]
    r = await call(api, eva, "/visitors/not-a-uuid")
    assert r.status_code == 422 and r.json()["error"] == "validation_error"
    # nothing of it was recorded
    logs = (await call(api, eva, f"/visitors/{vid}/audit-logs")).json()["logs"]
    assert [log["consentType"] for log in logs] == ["privacy_policy"]


def _every_call(visitor_id: str) -> list[tuple[str, dict[str, Any] | None]]:
    return [
        ("/grant", {"visitorId": visitor_id, "type": "analytics"}),
        ("/renew", {"visitorId": visitor_id, "type": "privacy_policy"}),
        ("/revoke", {"visitorId": visitor_id, "type": "marketing", "reason": "x"}),
        (f"/visitors/{visitor_id}", None),
        (f"/visitors/{visitor_id}/audit-logs", None),
    ]


async def test_reads_stay_bounded_however_often_a_visitor_answers(
    api: httpx.AsyncClient, demo: dict[str, Any], runtime: Runtime, monkeypatch: Any
) -> None:
    """A visitor may answer again and again: the history holds only the newest answers of each
    purpose, and a purpose's answer is still found behind many newer answers of another."""
    from guiders.store import privacy as store_privacy

    monkeypatch.setattr(store_privacy, "MAX_CONSENT_HISTORY", 5)
    who = await sdk_visitor(api, demo, "bounded-reads")
    assert (
        await call(api, who, "/revoke", {"visitorId": who["visitorId"], "type": "marketing"})
    ).status_code == 200
    for _ in range(8):
        body = {"visitorId": who["visitorId"], "type": "analytics"}
        assert (await call(api, who, "/grant", body)).status_code == 200
    logs = (await call(api, who, f"/visitors/{who['visitorId']}/audit-logs")).json()
    recorded = [
        entry for entry in logs["logs"] if entry["consentType"] in ("analytics", "marketing")
    ]
    kinds = [e["consentType"] for e in recorded]
    assert kinds.count("analytics") == 5 and kinds.count("marketing") == 1, kinds
    state = (await call(api, who, f"/visitors/{who['visitorId']}")).json()
    status = {c["type"]: c["status"] for c in state["consents"]}
    assert status["marketing"] == "revoked" and status["analytics"] == "granted"
    v2 = await api.get(f"/api/v2/visitors/{who['visitorId']}/consents", headers=who["headers"])
    in_force = {c["purpose"]: c["granted"] for c in v2.json()["consents"]}
    assert in_force["email"] is False and in_force["tracking"] is True
