"""Sign-in for staff and visitors, and token refresh."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from guiders.api.deps import ServicesDep
from guiders.api.responses import WireRoute
from guiders.api.responses.people import (
    StaffSignedIn,
    StaffTokens,
    VisitorRegistered,
    VisitorTokens,
)
from guiders.api.schemas import RefreshBody, StaffLogin, VisitorRegister

router = APIRouter(tags=["auth"], route_class=WireRoute)


@router.post("/user/auth/login", response_model=StaffSignedIn)
async def staff_login(body: StaffLogin, services: ServicesDep) -> dict[str, Any]:
    principal, pair = await services.login.staff_login(body.email, body.password)
    return {
        "access_token": pair.access_token,
        "refresh_token": pair.refresh_token,
        "accessToken": pair.access_token,
        "refreshToken": pair.refresh_token,
        "expiresIn": pair.expires_in,
        "token_type": "bearer",
        "user": {
            "id": str(principal.subject_id),
            "name": principal.name,
            "role": principal.role.value if principal.role else None,
            "companyId": str(principal.company_id),
        },
    }


@router.post("/user/auth/refresh", response_model=StaffTokens)
async def staff_refresh(body: RefreshBody, services: ServicesDep) -> dict[str, Any]:
    _, pair = await services.login.staff_refresh(body.refresh_token)
    return {
        "access_token": pair.access_token,
        "refresh_token": pair.refresh_token,
        "accessToken": pair.access_token,
        "refreshToken": pair.refresh_token,
        "expiresIn": pair.expires_in,
    }


@router.post("/auth/visitor/register", response_model=VisitorRegistered)
async def visitor_register(body: VisitorRegister, services: ServicesDep) -> dict[str, Any]:
    login = await services.login.visitor_register(
        body.api_key, body.domain, fingerprint=body.fingerprint, user_agent=body.user_agent
    )
    return {
        "visitorId": str(login.identified.visitor.id),
        "sessionId": str(login.identified.session.id),
        "accessToken": login.tokens.access_token,
        "refreshToken": login.tokens.refresh_token,
        "expiresIn": login.tokens.expires_in,
    }


@router.post("/auth/visitor/refresh", response_model=VisitorTokens)
async def visitor_refresh(body: RefreshBody, services: ServicesDep) -> dict[str, Any]:
    pair = await services.login.visitor_refresh(body.refresh_token)
    return {
        "accessToken": pair.access_token,
        "refreshToken": pair.refresh_token,
        "expiresIn": pair.expires_in,
    }
