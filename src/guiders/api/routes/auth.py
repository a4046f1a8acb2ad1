"""Sign-in for staff (password, then a TOTP code when two-factor sign-in is on) and visitors,
token refresh, and accepting an invitation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import Field

from guiders.api.client_address import client_address
from guiders.api.deps import ServicesDep
from guiders.api.responses import WireRoute
from guiders.api.responses.accounts import StaffMember, TotpEnrolment, TotpRequired
from guiders.api.responses.people import (
    StaffSignedIn,
    StaffTokens,
    VisitorRegistered,
    VisitorTokens,
)
from guiders.api.schemas import Body, RefreshBody, StaffLogin, VisitorRegister
from guiders.domain.errors import GuidersError
from guiders.observability.metrics import LOGIN_FAILURES
from guiders.services.login import StaffLogin as StaffLoginResult

router = APIRouter(tags=["auth"], route_class=WireRoute)


class TotpLogin(Body):
    challenge: str = Field(min_length=10, max_length=1000)
    code: str = Field(min_length=6, max_length=20, description="TOTP code or a recovery code")


class ChallengeBody(Body):
    challenge: str = Field(min_length=10, max_length=1000)


class AcceptInvitation(Body):
    password: str = Field(min_length=1, max_length=500)
    name: str = Field(min_length=1, max_length=200)


def _login_response(result: StaffLoginResult) -> dict[str, Any]:
    if result.tokens is None or result.principal is None:
        return {
            "totpRequired": True,
            "enrolmentRequired": result.enrolment_required,
            "challenge": result.challenge,
        }
    pair, principal = result.tokens, result.principal
    body: dict[str, Any] = {
        "access_token": pair.access_token,
        "refresh_token": pair.refresh_token,
        "accessToken": pair.access_token,
        "refreshToken": pair.refresh_token,
        "expiresIn": pair.expires_in,
        "token_type": "bearer",
        "totpRequired": False,
        "user": {
            "id": str(principal.subject_id),
            "name": principal.name,
            "role": principal.role.value if principal.role else None,
            "companyId": str(principal.company_id),
        },
    }
    if result.recovery_codes is not None:
        body["recoveryCodes"] = result.recovery_codes
    return body


@router.post("/user/auth/login", response_model=StaffSignedIn | TotpRequired)
async def staff_login(body: StaffLogin, request: Request, services: ServicesDep) -> dict[str, Any]:
    """Tokens; or, when the account has two-factor sign-in, ``{totpRequired: true, challenge}``
    to send with a code to ``/user/auth/login/totp`` (``enrolmentRequired``: the company
    requires it of admins and this one has none yet: get a secret from
    ``/user/auth/login/totp/enrolment`` first). Repeated failures answer 429 with Retry-After."""
    try:
        result = await services.login.staff_login(
            body.email, body.password, client_address(request.scope)
        )
    except GuidersError as exc:
        LOGIN_FAILURES.labels(exc.code).inc()
        raise
    return _login_response(result)


@router.post("/user/auth/login/totp", response_model=StaffSignedIn | TotpRequired)
async def staff_login_totp(
    body: TotpLogin, request: Request, services: ServicesDep
) -> dict[str, Any]:
    """The second step: the challenge and a current TOTP code (or an unused recovery code)."""
    try:
        result = await services.login.staff_login_code(
            body.challenge, body.code, client_address(request.scope)
        )
    except GuidersError as exc:
        LOGIN_FAILURES.labels(exc.code).inc()
        raise
    return _login_response(result)


@router.post("/user/auth/login/totp/enrolment", response_model=TotpEnrolment)
async def staff_login_enrolment(body: ChallengeBody, services: ServicesDep) -> dict[str, Any]:
    """For an admin who must enrol before signing in: the secret, shown this once."""
    enrolment = await services.login.begin_required_enrolment(body.challenge)
    return {"secret": enrolment.secret, "otpauthUri": enrolment.uri}


@router.post("/user/auth/invitations/{token}/accept", status_code=201, response_model=StaffMember)
async def accept_invitation(
    token: str, body: AcceptInvitation, services: ServicesDep
) -> dict[str, Any]:
    """Creates the invited staff member with the password they choose; the link works once."""
    user = await services.onboarding.accept(token[:200], password=body.password, name=body.name)
    return {
        "id": str(user.id),
        "email": user.email,
        "name": user.name,
        "role": user.role.value,
        "companyId": str(user.company_id),
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
