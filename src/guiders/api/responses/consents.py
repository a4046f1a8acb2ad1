"""The Guiders SDK's consent answers (``src/services/consent-backend-service.ts``), key for key.

The SDK's own types: ``BackendConsentResponse``, ``BackendConsentHistoryResponse``,
``BackendAuditLogEntry`` and ``BackendAuditLogsResponse``. ``ipAddress`` and ``userAgent`` are
optional there and never sent here: guiders does not keep them with a consent.
"""

from __future__ import annotations

from typing import Literal

from guiders.api.responses import Reply

SdkConsentType = Literal["privacy_policy", "marketing", "analytics"]


class SdkConsent(Reply):
    visitorId: str
    type: SdkConsentType
    status: Literal["granted", "revoked", "expired"]
    grantedAt: str
    """When the grant in force (or the last one) was given; the answer's own time if none was."""
    expiresAt: str
    """``grantedAt`` plus the validity of a consent (13 months, ``docs/privacy.md``)."""
    version: str


class SdkConsents(Reply):
    consents: list[SdkConsent]
    """One per type the visitor has answered: the answer in force."""
    total: int


class SdkAuditMetadata(Reply):
    reason: str | None = None
    previousStatus: str | None = None
    newStatus: str | None = None


class SdkAuditLog(Reply):
    id: str
    visitorId: str
    consentType: SdkConsentType
    action: Literal["granted", "revoked", "expired", "renewed"]
    timestamp: str
    metadata: SdkAuditMetadata


class SdkAuditLogs(Reply):
    logs: list[SdkAuditLog]
    """Oldest first."""
    total: int
