"""Setting up tenants: companies, sites, staff (and their commercial profile), API keys."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime
from uuid import UUID

from guiders.domain.agent import Agent
from guiders.domain.company import ApiKey, Company, Site, StaffRole, StaffUser, normalise_domain
from guiders.domain.errors import Conflict, NotFound
from guiders.domain.events import Stream
from guiders.services.credentials import TokenService, hash_password, new_api_key
from guiders.services.ports import UnitOfWorkFactory


class TenancyService:
    def __init__(self, uow: UnitOfWorkFactory, tokens: TokenService) -> None:
        self._uow = uow
        self._tokens = tokens

    async def create_company(self, name: str) -> Company:
        company = Company(id=uuid.uuid4(), name=name, created_at=datetime.now(UTC))
        async with self._uow() as uow:
            await uow.tenancy.add_company(company)
            uow.record_fact(
                Stream("company", company.id, company.id),
                "company.created",
                {"company_id": str(company.id), "name": name},
            )
            await uow.commit()
        return company

    async def site_hosts(self) -> list[tuple[str, UUID]]:
        """Every registered site's domain and aliases, with the owning company (for CORS)."""
        async with self._uow() as uow:
            sites = await uow.tenancy.all_sites()
        return [(host, site.company_id) for site in sites for host in (site.domain, *site.aliases)]

    async def add_site(
        self, company_id: UUID, *, name: str, domain: str, aliases: list[str]
    ) -> Site:
        site = Site(
            id=uuid.uuid4(),
            company_id=company_id,
            name=name,
            domain=normalise_domain(domain),
            site_key="gsk_" + secrets.token_urlsafe(18),
            aliases=[normalise_domain(a) for a in aliases],
        )
        async with self._uow() as uow:
            if await uow.tenancy.get_company(company_id) is None:
                raise NotFound("Company not found", field="companyId")
            await uow.tenancy.add_site(site)
            uow.record_fact(
                Stream("site", site.id, company_id),
                "site.created",
                {"site_id": str(site.id), "domain": site.domain, "aliases": site.aliases},
            )
            await uow.commit()
        return site

    async def add_staff(
        self,
        company_id: UUID,
        *,
        email: str,
        name: str,
        role: StaffRole,
        password: str,
        seniority: int = 1,
        max_chats: int = 5,
        skills: list[str] | None = None,
    ) -> StaffUser:
        """Every staff member also gets an agent profile so anyone can take a chat."""
        user = StaffUser(
            id=uuid.uuid4(),
            company_id=company_id,
            email=email.lower(),
            name=name,
            role=role,
            password_hash=hash_password(password),
        )
        async with self._uow() as uow:
            if await uow.tenancy.staff_by_email(user.email) is not None:
                raise Conflict("A staff member with this e-mail exists", field="email")
            await uow.tenancy.add_staff(user)
            uow.record_fact(
                Stream("staff", user.id, company_id),
                "staff.created",
                {"user_id": str(user.id), "email": user.email, "role": role.value},
            )
            agent = Agent.hire(
                id=user.id,
                company_id=company_id,
                name=name,
                max_chats=max_chats,
                skills=skills or [],
                seniority=seniority,
                avatar_url=None,
                at=datetime.now(UTC),
            )
            uow.track(agent)
            await uow.agents.add(agent)
            await uow.commit()
        return user

    async def create_api_key(
        self, company_id: UUID, name: str, *, live: bool = True
    ) -> tuple[str, ApiKey]:
        plain, key = new_api_key(company_id, name, live=live)
        async with self._uow() as uow:
            if await uow.tenancy.get_company(company_id) is None:
                raise NotFound("Company not found", field="companyId")
            await uow.tenancy.add_api_key(key)
            uow.record_fact(
                Stream("api_key", key.id, company_id),
                "api_key.created",
                {"key_id": str(key.id), "name": name, "prefix": key.prefix},
            )
            await uow.commit()
        return plain, key

    async def revoke_api_key(self, company_id: UUID, key_id: UUID) -> None:
        async with self._uow() as uow:
            keys = {k.id: k for k in await uow.tenancy.list_api_keys(company_id)}
            if key_id not in keys:
                raise NotFound("API key not found", field="keyId")
            if not await uow.tenancy.revoke_api_key(key_id, company_id, datetime.now(UTC)):
                raise Conflict("The API key is already revoked", field="keyId")
            uow.record_fact(
                Stream("api_key", key_id, company_id), "api_key.revoked", {"key_id": str(key_id)}
            )
            await uow.commit()
        self._tokens.forget_key(keys[key_id].key_hash)

    async def list_api_keys(self, company_id: UUID | None) -> list[ApiKey]:
        async with self._uow() as uow:
            return await uow.tenancy.list_api_keys(company_id)
