"""Companies, sites, staff, integration keys and refresh tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from guiders.domain.company import ApiKey, Company, Site, StaffRole, StaffUser
from guiders.services.ports import RefreshToken, Tenancy
from guiders.store.tables import api_keys, companies, refresh_tokens, sites, staff_users


class SqlTenancy(Tenancy):
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def _one(self, stmt: Any) -> Any:
        row = (await self._conn.execute(stmt)).first()
        return row._mapping if row else None

    async def add_company(self, company: Company) -> None:
        await self._conn.execute(
            companies.insert().values(
                id=company.id, name=company.name, created_at=company.created_at
            )
        )

    async def get_company(self, company_id: UUID) -> Company | None:
        r = await self._one(select(companies).where(companies.c.id == company_id))
        return Company(id=r["id"], name=r["name"], created_at=r["created_at"]) if r else None

    async def add_site(self, site: Site) -> None:
        await self._conn.execute(
            sites.insert().values(
                id=site.id,
                company_id=site.company_id,
                name=site.name,
                domain=site.domain,
                aliases=site.aliases,
                site_key=site.site_key,
            )
        )

    async def site_by_key(self, site_key: str) -> Site | None:
        r = await self._one(
            select(sites).where(sites.c.site_key == site_key, sites.c.revoked_at.is_(None))
        )
        return _site(r) if r else None

    async def get_site(self, site_id: UUID) -> Site | None:
        r = await self._one(select(sites).where(sites.c.id == site_id))
        return _site(r) if r else None

    async def all_sites(self) -> list[Site]:
        live = select(sites).where(sites.c.revoked_at.is_(None))
        return [_site(r._mapping) for r in await self._conn.execute(live)]

    async def sites_of(self, company_id: UUID) -> list[Site]:
        rows = await self._conn.execute(select(sites).where(sites.c.company_id == company_id))
        return [_site(r._mapping) for r in rows]

    async def save_site(self, site: Site) -> None:
        await self._conn.execute(
            update(sites)
            .where(sites.c.id == site.id, sites.c.company_id == site.company_id)
            .values(
                name=site.name, domain=site.domain, aliases=site.aliases, revoked_at=site.revoked_at
            )
        )

    async def staff_of(self, company_id: UUID) -> list[StaffUser]:
        stmt = (
            select(staff_users)
            .where(staff_users.c.company_id == company_id)
            .order_by(staff_users.c.email)
        )
        return [_staff(r._mapping) for r in await self._conn.execute(stmt)]

    async def save_staff(self, user: StaffUser) -> None:
        await self._conn.execute(
            update(staff_users)
            .where(staff_users.c.id == user.id, staff_users.c.company_id == user.company_id)
            .values(name=user.name, role=user.role.value, deactivated_at=user.deactivated_at)
        )

    async def add_staff(self, user: StaffUser) -> None:
        await self._conn.execute(
            staff_users.insert().values(
                id=user.id,
                company_id=user.company_id,
                email=user.email.lower(),
                name=user.name,
                role=user.role.value,
                password_hash=user.password_hash,
            )
        )

    async def staff_by_email(self, email: str) -> StaffUser | None:
        r = await self._one(select(staff_users).where(staff_users.c.email == email.lower()))
        return _staff(r) if r else None

    async def get_staff(self, user_id: UUID) -> StaffUser | None:
        r = await self._one(select(staff_users).where(staff_users.c.id == user_id))
        return _staff(r) if r else None

    async def add_api_key(self, key: ApiKey) -> None:
        await self._conn.execute(
            api_keys.insert().values(
                id=key.id,
                company_id=key.company_id,
                name=key.name,
                prefix=key.prefix,
                key_hash=key.key_hash,
                created_at=key.created_at,
                revoked_at=key.revoked_at,
            )
        )

    async def api_key_by_hash(self, key_hash: str) -> ApiKey | None:
        r = await self._one(select(api_keys).where(api_keys.c.key_hash == key_hash))
        return _key(r) if r else None

    async def revoke_api_key(self, key_id: UUID, company_id: UUID, at: datetime) -> bool:
        result = await self._conn.execute(
            update(api_keys)
            .where(
                api_keys.c.id == key_id,
                api_keys.c.company_id == company_id,
                api_keys.c.revoked_at.is_(None),
            )
            .values(revoked_at=at)
        )
        return bool(result.rowcount)

    async def list_api_keys(self, company_id: UUID | None) -> list[ApiKey]:
        stmt = select(api_keys).order_by(api_keys.c.created_at)
        if company_id is not None:
            stmt = stmt.where(api_keys.c.company_id == company_id)
        return [_key(r._mapping) for r in await self._conn.execute(stmt)]

    async def add_refresh_token(self, token: RefreshToken) -> None:
        await self._conn.execute(
            refresh_tokens.insert().values(
                id=token.id,
                token_hash=token.token_hash,
                family_id=token.family_id,
                subject_id=token.subject_id,
                subject_type=token.subject_type,
                company_id=token.company_id,
                expires_at=token.expires_at,
            )
        )

    async def refresh_token_by_hash(self, token_hash: str) -> RefreshToken | None:
        r = await self._one(select(refresh_tokens).where(refresh_tokens.c.token_hash == token_hash))
        if r is None:
            return None
        return RefreshToken(
            id=r["id"],
            token_hash=r["token_hash"],
            family_id=r["family_id"],
            subject_id=r["subject_id"],
            subject_type=r["subject_type"],
            company_id=r["company_id"],
            expires_at=r["expires_at"],
            used_at=r["used_at"],
            revoked_at=r["revoked_at"],
        )

    async def mark_refresh_used(self, token_id: UUID, at: datetime) -> bool:
        result = await self._conn.execute(
            update(refresh_tokens)
            .where(refresh_tokens.c.id == token_id, refresh_tokens.c.used_at.is_(None))
            .values(used_at=at)
        )
        return bool(result.rowcount)

    async def revoke_refresh_family(self, family_id: UUID, at: datetime) -> None:
        await self._conn.execute(
            update(refresh_tokens)
            .where(refresh_tokens.c.family_id == family_id, refresh_tokens.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )


def _site(r: Any) -> Site:
    return Site(
        id=r["id"],
        company_id=r["company_id"],
        name=r["name"],
        domain=r["domain"],
        site_key=r["site_key"],
        aliases=list(r["aliases"] or []),
        revoked_at=r["revoked_at"],
    )


def _staff(r: Any) -> StaffUser:
    return StaffUser(
        id=r["id"],
        company_id=r["company_id"],
        email=r["email"],
        name=r["name"],
        role=StaffRole(r["role"]),
        password_hash=r["password_hash"],
        deactivated_at=r["deactivated_at"],
    )


def _key(r: Any) -> ApiKey:
    return ApiKey(
        id=r["id"],
        company_id=r["company_id"],
        name=r["name"],
        prefix=r["prefix"],
        key_hash=r["key_hash"],
        created_at=r["created_at"],
        revoked_at=r["revoked_at"],
    )
