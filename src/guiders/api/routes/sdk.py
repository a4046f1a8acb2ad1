"""The widget SDK's own calls: pixel metadata, identify, session heartbeat and end, tracking
batches and agent availability.

An unmodified Guiders browser SDK calls these exactly as written here. Its visitor credential is
the session id that ``identify`` hands out: in the ``x-guiders-sid`` cookie (HttpOnly) and in the
body, which the SDK then sends back as ``X-Guiders-Sid``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Query, Request, Response
from pydantic import Field

from guiders.api.deps import SID_HEADER, ServicesDep, get_principal
from guiders.api.responses import SuccessMessage, WireRoute
from guiders.api.responses.people import Availability, Heartbeat, Identified, PixelMetadata, Tracked
from guiders.api.schemas import Body as BodyModel
from guiders.api.schemas import iso
from guiders.domain.company import Site, normalise_domain
from guiders.domain.errors import ConsentRequired, Forbidden, Unauthenticated, ValidationFailed
from guiders.services.access import Principal

router = APIRouter(tags=["sdk"], route_class=WireRoute)
SESSION_COOKIE_MAX_AGE_S = 24 * 3600
GRANTED_ACTIONS = ["chat", "forms", "tracking"]


class IdentifyBody(BodyModel):
    fingerprint: str = Field(min_length=1, max_length=200)
    domain: str = Field(min_length=1, max_length=255)
    api_key: str = Field(alias="apiKey", min_length=4, max_length=200)
    has_accepted_privacy_policy: bool | None = Field(default=None, alias="hasAcceptedPrivacyPolicy")
    consent_version: str | None = Field(default=None, alias="consentVersion", max_length=50)
    current_url: str | None = Field(default=None, alias="currentUrl", max_length=2000)


class SessionBody(BodyModel):
    session_id: str | None = Field(default=None, alias="sessionId", max_length=100)
    current_url: str | None = Field(default=None, alias="currentUrl", max_length=2000)


class TrackingV2Body(BodyModel):
    tenant_id: str | None = Field(default=None, alias="tenantId", max_length=200)
    site_id: str = Field(alias="siteId", min_length=1, max_length=200)
    events: list[Any]


class AvailabilityBody(BodyModel):
    domain: str = Field(min_length=1, max_length=255)
    api_key: str = Field(alias="apiKey", min_length=4, max_length=200)


def check_origin(request: Request, site: Site) -> None:
    """A browser's ``Origin`` must be one of the site's hosts too; servers send none."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and not site.serves(origin):
        raise Forbidden("The page's origin does not match the site API key", field="domain")


def is_https(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def set_session_cookie(request: Request, response: Response, session_id: UUID) -> None:
    """Cross-site widgets need ``SameSite=None``, which browsers take only with ``Secure``, and
    ``Partitioned`` keeps it working where third-party cookies are blocked (it is kept per
    embedding site). Over plain HTTP (local development, where page and API are same-site anyway)
    ``Lax`` is used."""
    _cookie(request, response, str(session_id), SESSION_COOKIE_MAX_AGE_S)


def clear_session_cookie(request: Request, response: Response) -> None:
    _cookie(request, response, "", 0)


def _cookie(request: Request, response: Response, value: str, max_age: int) -> None:
    # Written by hand: Starlette sets ``Partitioned`` only on Python 3.14 and later.
    parts = [f"{SID_HEADER}={value}", "Path=/", f"Max-Age={max_age}", "HttpOnly"]
    if is_https(request):
        parts += ["Secure", "SameSite=None", "Partitioned"]
    else:
        parts.append("SameSite=Lax")
    response.headers.append("set-cookie", "; ".join(parts))


@router.get("/pixel/metadata", response_model=PixelMetadata)
async def pixel_metadata(
    services: ServicesDep,
    api_key: Annotated[str, Query(alias="apiKey", min_length=4, max_length=200)],
) -> dict[str, Any]:
    site = await services.visitors.site_for(api_key, None)
    return {
        "tenantId": str(site.company_id),
        "siteId": str(site.id),
        "domain": site.domain,
        "aliases": site.aliases,
    }


@router.post("/visitors/identify", response_model=Identified)
async def identify(
    body: IdentifyBody, request: Request, response: Response, services: ServicesDep
) -> dict[str, Any]:
    site = await services.visitors.site_for(body.api_key, body.domain)
    check_origin(request, site)
    if not body.has_accepted_privacy_policy:
        # Nothing is stored without consent; the id is derived, so the SDK's read-only mode has
        # a stable id to show without the visitor existing anywhere on our side.
        raise ConsentRequired(
            "The visitor has not accepted the privacy policy; only read-only use is allowed",
            field="hasAcceptedPrivacyPolicy",
            consentStatus="denied",
            allowedActions=["read_only"],
            visitorId=str(uuid.uuid5(site.id, body.fingerprint)),
            lifecycle="anon",
            isNewVisitor=True,
        )
    identified = await services.visitors.identify(
        site,
        fingerprint=body.fingerprint,
        profile={
            "userAgent": request.headers.get("user-agent"),
            "currentUrl": body.current_url,
        },
        consent_version=body.consent_version or "unversioned",
    )
    set_session_cookie(request, response, identified.session.id)
    return {
        "visitorId": str(identified.visitor.id),
        "tenantId": str(site.company_id),
        "siteId": str(site.id),
        "sessionId": str(identified.session.id),
        "lifecycle": identified.visitor.lifecycle.value,
        "isNewVisitor": identified.is_new,
        "consentStatus": "granted",
        "allowedActions": GRANTED_ACTIONS,
    }


async def _session_caller(
    request: Request, services: ServicesDep, body: SessionBody
) -> tuple[Principal, UUID | None]:
    """The caller and the session meant: header, cookie, or (for ``sendBeacon``, which cannot set
    headers) the ``sessionId`` in the body, itself the credential."""
    wanted = _uuid(body.session_id, "sessionId")
    has_credential = any(
        request.headers.get(h) for h in ("authorization", "x-api-key", SID_HEADER)
    ) or request.cookies.get(SID_HEADER)
    if has_credential:
        principal = await get_principal(request)
        if wanted is None:
            wanted = _uuid(
                request.headers.get(SID_HEADER) or request.cookies.get(SID_HEADER), "sessionId"
            )
        return principal, wanted
    if wanted is None:
        raise Unauthenticated("No session: send X-Guiders-Sid, the cookie or sessionId")
    return await services.visitors.session_principal(wanted), wanted


def _uuid(value: str | None, field: str) -> UUID | None:
    if not value:
        return None
    try:
        return UUID(value)
    except ValueError as exc:
        if field == "sessionId":
            raise Unauthenticated("The session id is not valid", field=field) from exc
        raise ValidationFailed(f"{field} must be a UUID", field=field) from exc


@router.post("/visitors/session/heartbeat", response_model=Heartbeat)
async def heartbeat(
    request: Request,
    services: ServicesDep,
    body: Annotated[SessionBody, Body()] = SessionBody(),
) -> dict[str, Any]:
    principal, session_id = await _session_caller(request, services, body)
    session = await services.visitors.heartbeat(principal, session_id, body.current_url)
    return {
        "success": True,
        "message": "Heartbeat recorded",
        "sessionId": str(session.id),
        "lastHeartbeatAt": iso(session.last_heartbeat_at),
    }


@router.post("/visitors/session/end", response_model=SuccessMessage)
async def end_session(
    request: Request,
    response: Response,
    services: ServicesDep,
    body: Annotated[SessionBody, Body()] = SessionBody(),
) -> dict[str, Any]:
    principal, session_id = await _session_caller(request, services, body)
    await services.visitors.end_session(principal, session_id)
    clear_session_cookie(request, response)
    return {"success": True, "message": "Session ended"}


@router.post("/tracking-v2/events", response_model=Tracked)
async def tracking_v2(body: TrackingV2Body, services: ServicesDep) -> dict[str, Any]:
    site = await services.visitors.site_by_ref(body.site_id)
    if body.tenant_id not in (None, "", str(site.company_id), body.site_id):
        raise Forbidden("tenantId does not own siteId", field="tenantId")
    result = await services.visitors.track_sessions(site, body.events)
    return {
        "success": result.processed > 0,
        "received": result.received,
        "processed": result.processed,
        "discarded": result.discarded,
        "errors": result.errors,
    }


@router.post("/v2/commercials/availability", response_model=Availability)
async def availability(
    body: AvailabilityBody, request: Request, services: ServicesDep
) -> dict[str, Any]:
    site = await services.visitors.site_for(body.api_key, body.domain)
    check_origin(request, site)
    # the same per-company cached answer as /v2/availability (services/availability.py)
    people = await services.availability.availability(site.company_id)
    return {
        "available": people.agents_available > 0,
        "onlineCount": people.agents_online,
        "timestamp": datetime.now(UTC).isoformat(),
        "siteId": str(site.id),
        "tenantId": str(site.company_id),
        "domain": normalise_domain(body.domain),
    }
