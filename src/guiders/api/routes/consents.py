"""The Guiders SDK's consent calls (``consent-backend-service.ts``), served as it makes them.

``POST /consents/grant|renew|revoke`` and ``GET /consents/visitors/{visitorId}[/audit-logs]``,
authenticated like the rest of the SDK surface (``X-Guiders-Sid``, ``api/deps.py``; a 401 makes
the SDK identify again and retry once). They read and write the one consent record through
``PrivacyService``, as ``/api/v2/visitors/{id}/consents`` does: a visitor may touch only their
own id (another's, or another company's, is 404), staff and keys their company's visitors. The
SDK's words are mapped at the edge (``api/sdk_consents.py``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Self
from uuid import UUID

from fastapi import APIRouter
from pydantic import Field, model_validator

from guiders.api.deps import CurrentPrincipal, ServicesDep
from guiders.api.responses import WireRoute
from guiders.api.responses.consents import SdkAuditLogs, SdkConsent, SdkConsents, SdkConsentType
from guiders.api.schemas import Body
from guiders.api.sdk_consents import (
    MAX_REASON,
    PREFERENCE_TYPE,
    TYPE_PURPOSE,
    VERSION_PATTERN,
    Call,
    audit_logs,
    call_text,
    history,
    timeline,
)
from guiders.services.access import Principal
from guiders.services.container import Services

router = APIRouter(prefix="/consents", tags=["sdk"], route_class=WireRoute)


class ConsentCall(Body):
    visitor_id: UUID = Field(alias="visitorId")
    kind: SdkConsentType = Field(alias="type")


class RevokeBody(ConsentCall):
    reason: str | None = Field(default=None, max_length=MAX_REASON)


class Preferences(Body):
    """An older SDK's categories; a category left out is not answered."""

    analytics: bool | None = None
    functional: bool | None = None
    personalization: bool | None = None


class GrantBody(Body):
    """``{visitorId, type, version?}``, or an older SDK's ``{visitorId, preferences}``."""

    visitor_id: UUID = Field(alias="visitorId")
    kind: SdkConsentType | None = Field(default=None, alias="type")
    version: str | None = Field(default=None, pattern=VERSION_PATTERN)
    preferences: Preferences | None = None

    @model_validator(mode="after")
    def _one_way(self) -> Self:
        if (self.kind is None) == (self.preferences is None):
            raise ValueError("give either type or preferences")
        if self.preferences is not None and not self.preferences.model_fields_set:
            raise ValueError("preferences names none of analytics, functional, personalization")
        return self


@router.post("/grant", response_model=SdkConsent | SdkConsents)
async def grant(body: GrantBody, principal: CurrentPrincipal, services: ServicesDep) -> Any:
    """Consent given for a type (or, from an older SDK, given or refused per category)."""
    if body.preferences is None:
        assert body.kind is not None  # the body's validator
        return await _answer(services, principal, body.visitor_id, body.kind, "grant", body.version)
    answers = []
    for category, given in body.preferences.model_dump(exclude_unset=True).items():
        kind = PREFERENCE_TYPE[category]
        call: Call = "grant" if given else "refuse"
        answers.append((TYPE_PURPOSE[kind], bool(given), call_text(call, kind, body.version, None)))
    await services.privacy.record_consents(principal, body.visitor_id, answers, source="sdk")
    record = await services.privacy.consent_record(principal, body.visitor_id)
    return history(record, body.visitor_id, datetime.now(UTC))


@router.post("/renew", response_model=SdkConsent)
async def renew(body: ConsentCall, principal: CurrentPrincipal, services: ServicesDep) -> Any:
    """A fresh grant of a consent in force, for another validity period (409 when it was
    revoked, has expired or was never given: the visitor is asked again, and grants)."""
    return await _answer(services, principal, body.visitor_id, body.kind, "renew")


@router.post("/revoke", response_model=SdkConsent)
async def revoke(body: RevokeBody, principal: CurrentPrincipal, services: ServicesDep) -> Any:
    """Consent withdrawn (also when none was given: the refusal is what is recorded)."""
    return await _answer(
        services, principal, body.visitor_id, body.kind, "revoke", reason=body.reason
    )


@router.get("/visitors/{visitor_id}", response_model=SdkConsents)
async def consent_history(
    visitor_id: UUID, principal: CurrentPrincipal, services: ServicesDep
) -> Any:
    """The answer in force per type, as ``{consents, total}``."""
    record = await services.privacy.consent_record(principal, visitor_id)
    return history(record, visitor_id, datetime.now(UTC))


@router.get("/visitors/{visitor_id}/audit-logs", response_model=SdkAuditLogs)
async def consent_audit_logs(
    visitor_id: UUID, principal: CurrentPrincipal, services: ServicesDep
) -> Any:
    """Every grant, renewal, revoke and lapse of every type, oldest first."""
    record = await services.privacy.consent_record(principal, visitor_id)
    return audit_logs(record, visitor_id, datetime.now(UTC))


async def _answer(
    services: Services,
    principal: Principal,
    visitor_id: UUID,
    kind: SdkConsentType,
    call: Call,
    version: str | None = None,
    *,
    reason: str | None = None,
) -> dict[str, Any] | None:
    """Records one SDK call, then answers with the type's state as the SDK reads it."""
    text = call_text(call, kind, version, reason)
    await services.privacy.record_consents(
        principal,
        visitor_id,
        [(TYPE_PURPOSE[kind], call != "revoke", text)],
        source="sdk",
        renewal=call == "renew",
    )
    record = await services.privacy.consent_record(principal, visitor_id)
    return timeline(record, visitor_id, kind, datetime.now(UTC)).state()
