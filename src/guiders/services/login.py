"""Signing in: staff with e-mail and password, visitors with a site key; refreshing both."""

from __future__ import annotations

from dataclasses import dataclass

from guiders.domain.errors import Unauthenticated
from guiders.services.access import Principal, PrincipalKind
from guiders.services.credentials import TokenPair, TokenService, verify_password
from guiders.services.ports import UnitOfWorkFactory
from guiders.services.visitors import Identified, VisitorService, visitor_principal


@dataclass(frozen=True, slots=True)
class VisitorLogin:
    identified: Identified
    tokens: TokenPair


class LoginService:
    def __init__(
        self, uow: UnitOfWorkFactory, tokens: TokenService, visitors: VisitorService
    ) -> None:
        self._uow = uow
        self._tokens = tokens
        self._visitors = visitors

    async def staff_login(self, email: str, password: str) -> tuple[Principal, TokenPair]:
        async with self._uow() as uow:
            user = await uow.tenancy.staff_by_email(email)
        if user is None or not verify_password(user.password_hash, password):
            raise Unauthenticated("Wrong e-mail or password")
        principal = Principal(
            kind=PrincipalKind.STAFF,
            company_id=user.company_id,
            subject_id=user.id,
            role=user.role,
            name=user.name,
        )
        return principal, await self._pair(principal)

    async def staff_refresh(self, refresh_token: str) -> tuple[Principal, TokenPair]:
        token, successor = await self._tokens.rotate_refresh(refresh_token, PrincipalKind.STAFF)
        async with self._uow() as uow:
            user = await uow.tenancy.get_staff(token.subject_id)
        if user is None:
            raise Unauthenticated("The staff member no longer exists")
        principal = Principal(
            kind=PrincipalKind.STAFF,
            company_id=user.company_id,
            subject_id=user.id,
            role=user.role,
            name=user.name,
        )
        return principal, TokenPair(
            self._tokens.sign(principal), successor, self._tokens.access_ttl_s
        )

    async def visitor_register(
        self, site_key: str, domain: str, *, fingerprint: str | None, user_agent: str | None
    ) -> VisitorLogin:
        site = await self._visitors.site_for(site_key, domain)
        identified = await self._visitors.identify(
            site, fingerprint=fingerprint, profile={"userAgent": user_agent}, consent_version=None
        )
        principal = visitor_principal(identified.visitor)
        return VisitorLogin(identified, await self._pair(principal))

    async def visitor_refresh(self, refresh_token: str) -> TokenPair:
        token, successor = await self._tokens.rotate_refresh(refresh_token, PrincipalKind.VISITOR)
        async with self._uow() as uow:
            visitor = await uow.visitors.get(token.subject_id)
        if visitor is None:
            raise Unauthenticated("The visitor no longer exists")
        principal = visitor_principal(visitor)
        return TokenPair(self._tokens.sign(principal), successor, self._tokens.visitor_ttl_s)

    async def _pair(self, principal: Principal) -> TokenPair:
        ttl = self._tokens.visitor_ttl_s if principal.is_visitor else self._tokens.access_ttl_s
        return TokenPair(
            self._tokens.sign(principal), await self._tokens.issue_refresh(principal), ttl
        )
