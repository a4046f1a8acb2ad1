"""A staff member's two-factor sign-in, and a company's sign-in policy, secrets and
invitations (admins)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import Field

from guiders.api.deps import CurrentPrincipal, ServicesDep
from guiders.api.responses import WireRoute
from guiders.api.responses.accounts import (
    Invitation,
    SecretList,
    TotpEnabled,
    TotpEnrolment,
    TotpStatus,
)
from guiders.api.responses.accounts import MaskedSecret as MaskedSecretReply
from guiders.api.responses.accounts import SecretValue as SecretValueReply
from guiders.api.responses.accounts import SecurityPolicy as SecurityPolicyReply
from guiders.api.schemas import Body, iso
from guiders.domain.company import StaffRole
from guiders.domain.errors import Forbidden
from guiders.services.company_secrets import MaskedSecret

router = APIRouter(tags=["security"], route_class=WireRoute)


class CodeBody(Body):
    code: str = Field(min_length=6, max_length=20)


class SecurityPolicy(Body):
    admins_need_totp: bool = Field(alias="adminsNeedTotp")


class SecretValue(Body):
    value: str = Field(min_length=1, max_length=4096)


class InvitationBody(Body):
    email: str = Field(min_length=3, max_length=255)
    role: StaffRole = StaffRole.AGENT


def _masked(secret: MaskedSecret) -> dict[str, Any]:
    return {"name": secret.name, "masked": secret.masked, "updatedAt": iso(secret.updated_at)}


@router.get("/user/totp", response_model=TotpStatus)
async def totp_status(principal: CurrentPrincipal, services: ServicesDep) -> dict[str, Any]:
    return await services.login.two_factor.status(principal)


@router.post("/user/totp/enrolment", response_model=TotpEnrolment)
async def totp_begin(principal: CurrentPrincipal, services: ServicesDep) -> dict[str, Any]:
    """A new secret, shown this once; it counts after ``/user/totp/confirm``."""
    enrolment = await services.login.begin_enrolment(principal)
    return {"secret": enrolment.secret, "otpauthUri": enrolment.uri}


@router.post("/user/totp/confirm", response_model=TotpEnabled)
async def totp_confirm(
    body: CodeBody, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    """The first code turns it on; the recovery codes are shown this once."""
    if not principal.is_staff:
        raise Forbidden("Two-factor sign-in is for staff members")
    codes = await services.login.two_factor.confirm(principal.subject_id, body.code)
    return {"enabled": True, "recoveryCodes": codes}


@router.post("/user/totp/disable", status_code=204)
async def totp_disable(
    body: CodeBody, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    await services.login.two_factor.disable(principal, body.code)
    return Response(status_code=204)


@router.get("/v2/company/security", response_model=SecurityPolicyReply)
async def get_policy(principal: CurrentPrincipal, services: ServicesDep) -> dict[str, Any]:
    status = await services.login.two_factor.status(principal)
    return {"adminsNeedTotp": status["requiredForAdmins"]}


@router.put("/v2/company/security", response_model=SecurityPolicyReply)
async def put_policy(
    body: SecurityPolicy, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    await services.login.two_factor.set_required_for_admins(principal, body.admins_need_totp)
    return {"adminsNeedTotp": body.admins_need_totp}


@router.get("/v2/company/secrets", response_model=SecretList)
async def list_secrets(principal: CurrentPrincipal, services: ServicesDep) -> dict[str, Any]:
    """Every secret, masked (``sk-…abcd``); the plain value is never shown again."""
    return {"secrets": [_masked(s) for s in await services.secrets.list_masked(principal)]}


@router.put("/v2/company/secrets/{name}", response_model=MaskedSecretReply)
async def put_secret(
    name: str, body: SecretValue, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    """``llm_api_key``, ``smtp_password`` or ``webhook:<name>``; stored encrypted."""
    return _masked(await services.secrets.put(principal, name, body.value))


@router.delete("/v2/company/secrets/{name}", status_code=204)
async def delete_secret(name: str, principal: CurrentPrincipal, services: ServicesDep) -> Response:
    await services.secrets.delete(principal, name)
    return Response(status_code=204)


@router.get("/v2/company/secrets/{name}/value", response_model=SecretValueReply)
async def secret_value(
    name: str, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    """The plain value, for the company's integration key only (the bot, the pipeline)."""
    return {"name": name, "value": await services.secrets.reveal(principal, name)}


@router.post("/v2/company/invitations", status_code=201, response_model=Invitation)
async def invite(
    body: InvitationBody, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, Any]:
    issued = await services.onboarding.invite(principal, body.email, body.role)
    return invitation_response(
        issued.token,
        issued.invitation.email,
        issued.invitation.role,
        iso(issued.invitation.expires_at),
    )


def invitation_response(
    token: str, email: str, role: str, expires_at: str | None
) -> dict[str, Any]:
    return {
        "token": token,
        "email": email,
        "role": role,
        "expiresAt": expires_at,
        "acceptPath": f"/api/user/auth/invitations/{token}/accept",
        "consoleUrl": f"/console/#invitation={token}",
    }
