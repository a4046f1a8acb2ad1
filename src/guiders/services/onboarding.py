"""New tenants and new staff: a company with its site and site key, and invitations.

An invitation is a one-time link: a 256-bit random token (stored as SHA-256, like refresh
tokens), good for ``INVITATION_TTL`` and once. Accepting it creates the staff member with the
password they choose; nobody, not the platform admin either, ever knows it.
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from guiders.domain.company import Company, Site, StaffRole, StaffUser
from guiders.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from guiders.services.access import Principal
from guiders.services.credentials import digest
from guiders.services.ports import Invitation, UnitOfWorkFactory
from guiders.services.tenancy import TenancyService

INVITATION_TTL = timedelta(days=7)
MIN_PASSWORD = 10
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{2,63}$")


@dataclass(frozen=True, slots=True)
class IssuedInvitation:
    invitation: Invitation
    token: str
    """The plain token, shown once (in the link)."""


@dataclass(frozen=True, slots=True)
class NewTenant:
    company: Company
    site: Site
    invitation: IssuedInvitation


class OnboardingService:
    def __init__(self, uow: UnitOfWorkFactory, tenancy: TenancyService) -> None:
        self._uow = uow
        self._tenancy = tenancy

    async def create_tenant(
        self, *, name: str, domain: str, admin_email: str, site_name: str | None = None
    ) -> NewTenant:
        """A company, its first site (with its public site key) and the first admin's
        invitation. The platform's door: the caller is authorised before this."""
        name = name.strip()
        if not 1 <= len(name) <= 200:
            raise ValidationFailed("a company name is 1 to 200 characters", field="name")
        if not domain.strip() or len(domain) > 255:
            raise ValidationFailed("a domain is 1 to 255 characters", field="domain")
        email = _email(admin_email)
        async with self._uow() as uow:
            if await uow.tenancy.staff_by_email(email) is not None:
                raise Conflict("A staff member with this e-mail exists", field="adminEmail")
        company = await self._tenancy.create_company(name)
        site = await self._tenancy.add_site(
            company.id, name=site_name or name, domain=domain, aliases=[]
        )
        invitation = await self._issue(company.id, email, StaffRole.ADMIN)
        return NewTenant(company, site, invitation)

    async def invite(self, principal: Principal, email: str, role: StaffRole) -> IssuedInvitation:
        if not (principal.is_staff and principal.role == StaffRole.ADMIN):
            raise Forbidden("Only an admin invites staff")
        return await self._issue(principal.company_id, _email(email), role)

    async def accept(self, token: str, *, password: str, name: str) -> StaffUser:
        if len(password) < MIN_PASSWORD:
            raise ValidationFailed(
                f"a password has at least {MIN_PASSWORD} characters", field="password"
            )
        name = name.strip()
        if not 1 <= len(name) <= 200:
            raise ValidationFailed("a name is 1 to 200 characters", field="name")
        now = datetime.now(UTC)
        async with self._uow() as uow:
            invitation = await uow.security.invitation_by_hash(digest(token))
            if invitation is None or invitation.expires_at <= now:
                raise NotFound("The invitation is unknown or has expired", field="token")
            if not await uow.security.accept_invitation(invitation.id, now):
                raise Conflict("The invitation was already used", field="token")
            await uow.commit()
        return await self._tenancy.add_staff(
            invitation.company_id,
            email=invitation.email,
            name=name,
            role=StaffRole(invitation.role),
            password=password,
        )

    async def _issue(self, company_id: uuid.UUID, email: str, role: StaffRole) -> IssuedInvitation:
        token = secrets.token_urlsafe(32)
        invitation = Invitation(
            id=uuid.uuid4(),
            token_hash=digest(token),
            company_id=company_id,
            email=email,
            role=role.value,
            expires_at=datetime.now(UTC) + INVITATION_TTL,
        )
        async with self._uow() as uow:
            if await uow.tenancy.get_company(company_id) is None:
                raise NotFound("Company not found", field="companyId")
            if await uow.tenancy.staff_by_email(email) is not None:
                raise Conflict("A staff member with this e-mail exists", field="email")
            await uow.security.add_invitation(invitation)
            await uow.commit()
        return IssuedInvitation(invitation, token)


def _email(raw: str) -> str:
    email = raw.strip().lower()
    if not EMAIL.match(email):
        raise ValidationFailed("not an e-mail address", field="email")
    return email
