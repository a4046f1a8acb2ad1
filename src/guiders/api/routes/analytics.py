"""Conversion scores, conversions and the visitor's contact details and e-mail consent."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pydantic import Field

from guiders.api.deps import CurrentPrincipal, ServicesDep
from guiders.api.responses import WireRoute
from guiders.api.responses.people import Conversion as ConversionReply
from guiders.api.responses.people import Prediction, PredictionRecorded, VisitorContact
from guiders.api.routes.visitors import device_of
from guiders.api.schemas import Body, iso, visitor_response
from guiders.domain.analysis import Analysis, Conversion, Segment
from guiders.domain.strategy import persona_for
from guiders.services.analytics import AnalysisDraft

router = APIRouter(prefix="/v2/visitors", tags=["analytics"], route_class=WireRoute)


class Factor(Body):
    feature: str = Field(max_length=100)
    value: float | int | str | bool | None = None
    contribution: float


class PredictionBody(Body):
    conversion_probability: float = Field(alias="conversionProbability", ge=0.0, le=1.0)
    segment: Segment
    model_version: str = Field(alias="modelVersion", min_length=1, max_length=80)
    top_factors: list[Factor] = Field(default_factory=list, alias="topFactors", max_length=20)
    features: dict[str, float | int | str | bool | None] = Field(
        default_factory=dict, max_length=40
    )
    profile: dict[str, Any] = Field(default_factory=dict, max_length=40)
    context: dict[str, Any] = Field(default_factory=dict, max_length=20)
    session_id: UUID | None = Field(default=None, alias="sessionId")


class ConversionBody(Body):
    value: float | None = Field(default=None, ge=0.0, le=1e12)
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    session_id: UUID | None = Field(default=None, alias="sessionId")


class ContactBody(Body):
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=255)
    phone: str | None = Field(default=None, max_length=50)
    email_consent: bool | None = Field(default=None, alias="emailConsent")


def prediction_response(a: Analysis) -> dict[str, Any]:
    return {
        "visitorId": str(a.visitor_id),
        "conversionProbability": a.conversion_probability,
        "segment": a.segment.value,
        "modelVersion": a.model_version,
        "topFactors": a.top_factors,
        "scoredAt": iso(a.scored_at),
        "sessionId": str(a.session_id) if a.session_id else None,
        "profile": a.profile,
        "context": a.context,
        "persona": persona_for(a),
    }


def conversion_response(c: Conversion) -> dict[str, Any]:
    return {
        "conversionId": str(c.id),
        "visitorId": str(c.visitor_id),
        "sessionId": str(c.session_id) if c.session_id else None,
        "value": c.value,
        "currency": c.currency,
        "occurredAt": iso(c.occurred_at),
    }


@router.get("/{visitor_id}/prediction", response_model=Prediction)
async def get_prediction(
    visitor_id: UUID, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    """The latest score (staff or integration key); 404 ``not_scored`` until there is one."""
    return prediction_response(await services.analytics.prediction(principal, visitor_id))


@router.put("/{visitor_id}/prediction", response_model=PredictionRecorded)
async def put_prediction(
    visitor_id: UUID, body: PredictionBody, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    """Record a score (integration key: the analytics worker); the strategy runs with it."""
    recorded = await services.analytics.record(
        principal,
        visitor_id,
        AnalysisDraft(
            conversion_probability=body.conversion_probability,
            segment=body.segment,
            model_version=body.model_version,
            top_factors=[f.model_dump() for f in body.top_factors],
            features=body.features,
            profile=body.profile,
            context=body.context,
            session_id=body.session_id,
        ),
    )
    return prediction_response(recorded.analysis) | {
        "previousSegment": recorded.previous.value if recorded.previous else None,
        "segmentChanged": recorded.previous != recorded.analysis.segment,
    }


@router.post("/{visitor_id}/conversions", status_code=201, response_model=ConversionReply)
async def post_conversion(
    visitor_id: UUID,
    principal: CurrentPrincipal,
    services: ServicesDep,
    body: ConversionBody | None = None,
) -> dict[str, Any]:
    body = body or ConversionBody()
    conversion = await services.analytics.convert(
        principal,
        visitor_id,
        value=body.value,
        currency=body.currency.upper() if body.currency else None,
        session_id=body.session_id,
    )
    return conversion_response(conversion)


@router.patch("/{visitor_id}", response_model=VisitorContact)
async def patch_visitor(
    visitor_id: UUID, body: ContactBody, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    """Contact details and consent to e-mail follow-ups (the visitor, staff or a key)."""
    profile = {
        k: v for k, v in {"name": body.name, "email": body.email, "phone": body.phone}.items() if v
    }
    visitor = await services.analytics.update_contact(
        principal, visitor_id, profile=profile, email_consent=body.email_consent
    )
    return visitor_response(visitor, device_of(visitor.user_agent)) | {
        "emailConsentAt": iso(visitor.email_consent_at)
    }
