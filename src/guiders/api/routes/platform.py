"""The platform operator's API: creating tenants.

Authorised by one bearer token, the platform admin token: ``GUIDERS_PLATFORM_ADMIN_TOKEN``, or
the content of ``<data_dir>/platform-admin.token`` (``guiders company platform-token`` writes
one, mode 0600). Without either the API does not exist (404); there is no built-in token.
"""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import Field

from guiders.api.deps import ServicesDep, runtime_of
from guiders.api.responses import WireRoute
from guiders.api.responses.accounts import NewCompany as NewCompanyReply
from guiders.api.routes.security import invitation_response
from guiders.api.schemas import Body, iso
from guiders.config import Settings
from guiders.domain.errors import NotFound, Unauthenticated

router = APIRouter(prefix="/platform", tags=["platform"], route_class=WireRoute)
TOKEN_FILE = "platform-admin.token"
MIN_TOKEN = 32


def platform_token(settings: Settings) -> str | None:
    """The configured token, or None: the platform API is off."""
    if settings.platform_admin_token:
        return settings.platform_admin_token
    path = Path(settings.data_dir) / TOKEN_FILE
    try:
        token = path.read_text().strip()
    except (FileNotFoundError, PermissionError):
        return None
    return token or None


async def require_platform_admin(request: Request) -> None:
    expected = platform_token(runtime_of(request).settings)
    if expected is None or len(expected) < MIN_TOKEN:
        raise NotFound("The platform API is off: set GUIDERS_PLATFORM_ADMIN_TOKEN")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), expected.encode()
    ):
        raise Unauthenticated("The platform admin token is missing or wrong")


PlatformAdmin = Annotated[None, Depends(require_platform_admin)]


class NewCompany(Body):
    name: str = Field(min_length=1, max_length=200)
    domain: str = Field(min_length=1, max_length=255)
    admin_email: str = Field(alias="adminEmail", min_length=3, max_length=255)
    site_name: str | None = Field(default=None, alias="siteName", max_length=200)


@router.post("/companies", status_code=201, response_model=NewCompanyReply)
async def create_company(
    body: NewCompany, _: PlatformAdmin, services: ServicesDep
) -> dict[str, Any]:
    """A company, its site and site key, and the first admin's one-time invitation."""
    tenant = await services.onboarding.create_tenant(
        name=body.name, domain=body.domain, admin_email=body.admin_email, site_name=body.site_name
    )
    invitation = tenant.invitation.invitation
    return {
        "companyId": str(tenant.company.id),
        "name": tenant.company.name,
        "siteId": str(tenant.site.id),
        "domain": tenant.site.domain,
        "siteKey": tenant.site.site_key,
        "invitation": invitation_response(
            tenant.invitation.token, invitation.email, invitation.role, iso(invitation.expires_at)
        ),
    }
