"""The SDK consent calls' recorded text reads back as written, and the SDK's view of a record:
lapses, renewals keeping their version, answers given through /api/v2."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from guiders.api.sdk_consents import audit_logs, call_text, history, read_text
from guiders.services.consents import CONSENT_VALIDITY, ConsentRecord
from guiders.services.privacy_ports import Consent

NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("call", "kind", "version", "reason"),
    [
        ("grant", "analytics", "v2.1", None),
        ("renew", "marketing", None, None),
        ("revoke", "privacy_policy", "1.0.0-rc+2", "Usuario revocó: no (version 9)\nnunca"),
        ("refuse", "analytics", None, "a: b"),
    ],
)
def test_the_recorded_text_reads_back(
    call: str, kind: str, version: str | None, reason: str | None
) -> None:
    text = call_text(call, kind, version, reason)  # type: ignore[arg-type]
    assert text.startswith(f"Guiders SDK: {call} {kind}")
    assert read_text(text) == (call, version, reason)


def test_other_texts_are_not_read_as_sdk_calls() -> None:
    assert read_text("Remember the pages I visit") is None
    assert read_text("Guiders SDK: grant cookies") is None


def _answer(purpose: str, granted: bool, text: str, days_ago: float, source: str) -> Consent:
    return Consent(purpose, granted, text, NOW - timedelta(days=days_ago), source=source)


def test_the_sdk_view_of_a_record() -> None:
    visitor = uuid4()
    record = ConsentRecord(
        [
            _answer("tracking", True, "Guiders SDK: grant analytics (version 3)", 500, "sdk"),
            _answer("tracking", True, "Guiders SDK: grant analytics (version 4)", 30, "sdk"),
            _answer("tracking", True, "Guiders SDK: renew analytics", 10, "sdk"),
            _answer("email", True, "E-mail me", 20, "api"),
            _answer("email", False, "Guiders SDK: revoke marketing: bye", 5, "sdk"),
        ],
        None,
        None,
    )
    consents = {c["type"]: c for c in history(record, visitor, NOW)["consents"]}
    assert set(consents) == {"analytics", "marketing"}, "privacy_policy never answered"
    analytics = consents["analytics"]
    assert analytics["status"] == "granted" and analytics["version"] == "4"
    assert analytics["grantedAt"] == (NOW - timedelta(days=10)).isoformat()
    marketing = consents["marketing"]
    assert marketing["status"] == "revoked" and marketing["version"] == "unversioned"
    logs = audit_logs(record, visitor, NOW)["logs"]
    actions = [(log["consentType"], log["action"]) for log in logs]
    assert actions == [
        ("analytics", "granted"),
        ("analytics", "expired"),  # 500 days ago + 13 months: before the next grant
        ("analytics", "granted"),
        ("marketing", "granted"),
        ("analytics", "renewed"),
        ("marketing", "revoked"),
    ]
    assert logs[1]["timestamp"] == (NOW - timedelta(days=500) + CONSENT_VALIDITY).isoformat()
    assert logs[2]["metadata"] == {"previousStatus": "expired", "newStatus": "granted"}
    assert logs[5]["metadata"]["reason"] == "bye"
