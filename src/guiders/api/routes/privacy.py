"""The visitor's rights and the company's retention (``docs/privacy.md``).

Admins export and erase one visitor and set the retention period; the visitor (or staff, or a
key, for them) records a consent for e-mail, tracking or the privacy policy with the text that
was shown. The Guiders SDK's own consent calls are ``routes/consents.py``.
"""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter
from pydantic import Field

from guiders.api.deps import CurrentPrincipal, ServicesDep
from guiders.api.responses import WireRoute
from guiders.api.responses.privacy import (
    ConsentReply,
    Consents,
    Erasure,
    Retention,
    RetentionPreview,
    VisitorExport,
)
from guiders.api.schemas import Body
from guiders.services.consents import MAX_CONSENT_TEXT
from guiders.services.privacy import MAX_RETENTION_DAYS
from guiders.services.privacy_ports import Consent

router = APIRouter(prefix="/v2", tags=["privacy"], route_class=WireRoute)


class RetentionBody(Body):
    retention_days: int | None = Field(alias="retentionDays", ge=1, le=MAX_RETENTION_DAYS)


class ConsentBody(Body):
    purpose: Literal["email", "tracking", "privacy_policy"]
    granted: bool
    text: str = Field(min_length=1, max_length=MAX_CONSENT_TEXT)
    language: str | None = Field(default=None, max_length=20)


@router.get("/privacy/visitors/{visitor_id}/export", response_model=VisitorExport)
async def export_visitor(
    visitor_id: UUID, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    """Admins: everything held about the visitor, as JSON (rows, and the log's facts)."""
    return await services.privacy.export(principal, visitor_id)


@router.post("/privacy/visitors/{visitor_id}/erasure", response_model=Erasure)
async def erase_visitor(
    visitor_id: UUID, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    """Admins: erase the visitor everywhere, and shred their facts in the log. Final."""
    removed = await services.privacy.erase(principal, visitor_id)
    return {"visitorId": str(visitor_id), "erased": True, "removed": removed}


@router.get("/privacy/retention", response_model=Retention)
async def get_retention(principal: CurrentPrincipal, services: ServicesDep) -> dict[str, Any]:
    return {"retentionDays": await services.privacy.retention_days(principal)}


@router.put("/privacy/retention", response_model=Retention)
async def put_retention(
    body: RetentionBody, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    """Admins: delete conversations, visitors and tracking after this many days (null: keep)."""
    days = await services.privacy.set_retention_days(principal, body.retention_days)
    return {"retentionDays": days}


@router.get("/privacy/retention/preview", response_model=RetentionPreview)
async def preview_retention(principal: CurrentPrincipal, services: ServicesDep) -> dict[str, Any]:
    """Admins: what the next retention pass would delete now (a dry run: nothing is deleted)."""
    report = await services.privacy.preview_retention(principal)
    if report is None:
        return {"retentionDays": None, "dryRun": True, "counts": {}}
    return {
        "retentionDays": report.days,
        "before": report.before.isoformat(),
        "dryRun": True,
        "counts": report.counts(),
    }


@router.post("/visitors/{visitor_id}/consents", status_code=201, response_model=ConsentReply)
async def record_consent(
    visitor_id: UUID, body: ConsentBody, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    """The visitor (or staff, or a key, for them): consent given or refused, with its text."""
    consent = await services.privacy.record_consent(
        principal, visitor_id, body.purpose, body.granted, body.text, language=body.language
    )
    return _consent(consent)


@router.get("/visitors/{visitor_id}/consents", response_model=Consents)
async def list_consents(
    visitor_id: UUID, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    """The consent in force per purpose (the latest recorded)."""
    return {
        "consents": [_consent(c) for c in await services.privacy.consents(principal, visitor_id)]
    }


def _consent(c: Consent) -> dict[str, Any]:
    return {
        "purpose": c.purpose,
        "granted": c.granted,
        "text": c.text,
        "recordedAt": c.recorded_at.isoformat(),
        "language": c.language,
        "source": c.source,
    }
