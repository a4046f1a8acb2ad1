"""The Guiders SDK's consent words, kept at the edge: its types, the text recorded for its
calls, and the SDK's view (state and audit log) of the one consent record.

The SDK names three types; guiders keeps one internal purpose per concept and maps them here:
``analytics`` is ``tracking``, ``marketing`` is ``email``, ``privacy_policy`` is
``privacy_policy``. The SDK sends no consent text, so each of its calls is recorded with a fixed
text naming the call (``Guiders SDK: renew analytics``), the version when given and the reason
of a revoke; that text is also where its version, call and reason are read back from (the
``visitor_consents`` table has no column for them, and does not need one for this).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, cast
from uuid import UUID, uuid5

from guiders.api.responses.consents import SdkConsentType
from guiders.services.consents import CONSENT_VALIDITY, ConsentRecord

SDK_TYPES: tuple[SdkConsentType, ...] = ("privacy_policy", "marketing", "analytics")
TYPE_PURPOSE: dict[str, str] = {
    "privacy_policy": "privacy_policy",
    "marketing": "email",
    "analytics": "tracking",
}
"""The SDK's type -> the internal purpose."""
PREFERENCE_TYPE: dict[str, SdkConsentType] = {
    "functional": "privacy_policy",
    "personalization": "marketing",
    "analytics": "analytics",
}
"""Older SDKs' ``preferences`` keys -> the SDK's type (the SDK's own mapping)."""
VERSION_PATTERN = r"^[A-Za-z0-9._+\-]{1,50}$"
MAX_REASON = 500

Call = Literal["grant", "renew", "revoke", "refuse"]
"""The SDK call an answer came from (``refuse``: ``false`` in an older SDK's ``preferences``)."""

_TEXT = re.compile(
    r"Guiders SDK: (grant|renew|revoke|refuse) (privacy_policy|marketing|analytics)"
    r"(?: \(version ([A-Za-z0-9._+\-]{1,50})\))?(?:: (.*))?",
    re.DOTALL,
)


def call_text(call: Call, kind: SdkConsentType, version: str | None, reason: str | None) -> str:
    """The consent text recorded for an SDK call; :func:`read_text` reads it back."""
    text = f"Guiders SDK: {call} {kind}"
    if version:
        text += f" (version {version})"
    if reason and reason.strip():
        text += f": {reason.strip()}"
    return text


def read_text(text: str) -> tuple[Call, str | None, str | None] | None:
    """The call, version and reason of a text made by :func:`call_text` (else ``None``)."""
    found = _TEXT.fullmatch(text)
    if found is None:
        return None
    return cast(Call, found[1]), found[3], found[4]


@dataclass(frozen=True, slots=True)
class _Answer:
    id: UUID
    at: datetime
    granted: bool
    call: Call
    version: str | None
    reason: str | None


def _answers(record: ConsentRecord, kind: SdkConsentType) -> list[_Answer]:
    """Every answer for the type, oldest first, whichever way in it took (an answer given
    through ``/api/v2`` or the e-mail line is a grant or a revoke without version)."""
    purpose = TYPE_PURPOSE[kind]
    found = []
    for c in record.answers:
        if c.purpose != purpose:
            continue
        read = read_text(c.text) if c.source == "sdk" else None
        call, version, reason = read or ("grant" if c.granted else "revoke", None, None)
        found.append(_Answer(c.id, c.recorded_at, c.granted, call, version, reason))
    accepted = record.policy_acceptance
    if kind == "privacy_policy" and accepted is not None:
        found.append(
            _Answer(accepted.id, accepted.recorded_at, True, "grant", record.policy_version, None)
        )
    return sorted(found, key=lambda a: a.at)


@dataclass
class _Timeline:
    """One type's answers walked in order: its audit log and the state they leave."""

    visitor_id: str
    kind: SdkConsentType
    status: str | None = None
    version: str = "unversioned"
    granted_at: datetime | None = None
    last: _Answer | None = None
    logs: list[dict[str, Any]] = field(default_factory=list)

    def lapse(self, before: datetime) -> None:
        """A grant left unanswered past its validity expired then: logged as ``expired``."""
        if self.status != "granted" or self.granted_at is None or self.last is None:
            return
        expires = self.granted_at + CONSENT_VALIDITY
        if expires <= before:
            self._log(uuid5(self.last.id, "expired"), "expired", expires, None, "expired")

    def answer(self, a: _Answer) -> None:
        self.lapse(a.at)
        if a.granted:
            renewed = a.call == "renew"
            self.version = a.version or (self.version if renewed else "unversioned")
            self.granted_at = a.at
            self._log(a.id, "renewed" if renewed else "granted", a.at, a.reason, "granted")
        else:
            self.version = a.version or self.version
            self._log(a.id, "revoked", a.at, a.reason, "revoked")
        self.last = a

    def _log(
        self, id: UUID, action: str, at: datetime, reason: str | None, new_status: str
    ) -> None:
        metadata: dict[str, Any] = {"newStatus": new_status}
        if self.status is not None:
            metadata["previousStatus"] = self.status
        if reason:
            metadata["reason"] = reason
        self.logs.append(
            {
                "id": str(id),
                "visitorId": self.visitor_id,
                "consentType": self.kind,
                "action": action,
                "timestamp": at.isoformat(),
                "metadata": metadata,
            }
        )
        self.status = new_status

    def state(self) -> dict[str, Any] | None:
        """The SDK's ``BackendConsentResponse`` for the type, ``None`` if never answered."""
        if self.last is None or self.status is None:
            return None
        granted_at = self.granted_at or self.last.at
        return {
            "visitorId": self.visitor_id,
            "type": self.kind,
            "status": self.status,
            "grantedAt": granted_at.isoformat(),
            "expiresAt": (granted_at + CONSENT_VALIDITY).isoformat(),
            "version": self.version,
        }


def timeline(
    record: ConsentRecord, visitor_id: UUID, kind: SdkConsentType, now: datetime
) -> _Timeline:
    walked = _Timeline(str(visitor_id), kind)
    for a in _answers(record, kind):
        walked.answer(a)
    walked.lapse(now)
    return walked


def history(record: ConsentRecord, visitor_id: UUID, now: datetime) -> dict[str, Any]:
    """``BackendConsentHistoryResponse``: the answer in force per type the visitor answered
    (one per type: the SDK takes any ``granted`` in the list as in force)."""
    states = [timeline(record, visitor_id, kind, now).state() for kind in SDK_TYPES]
    consents = [s for s in states if s is not None]
    return {"consents": consents, "total": len(consents)}


def audit_logs(record: ConsentRecord, visitor_id: UUID, now: datetime) -> dict[str, Any]:
    """``BackendAuditLogsResponse``: every grant, renewal, revoke and lapse, oldest first."""
    logs = [log for kind in SDK_TYPES for log in timeline(record, visitor_id, kind, now).logs]
    logs.sort(key=lambda log: datetime.fromisoformat(log["timestamp"]))
    return {"logs": logs, "total": len(logs)}
