"""Signing in: staff with e-mail and password (and a second factor), visitors with a site key;
refreshing both.

Staff sign-in is the one door an anonymous client can knock on without limit, so:

- every wrong password counts against the e-mail (hashed, known or not) and the client address,
  in the database so every node sees the same counts; past a cap the key is locked for growing
  periods (``domain/login_throttle.py``) and the attempt is refused before the password is
  checked (429 with ``Retry-After``);
- an unknown e-mail costs the same Argon2 verification as a known one (``PasswordHashing``);
- Argon2 runs in worker threads, two at a time, never on the event loop;
- each failure is logged as ``login.failed`` with the staff id when known (else a hash of the
  e-mail), the address and the reason; never the password.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog

from guiders.domain.company import StaffUser
from guiders.domain.errors import RateLimited, Unauthenticated
from guiders.domain.login_throttle import (
    ACCOUNT_POLICY,
    ADDRESS_POLICY,
    Throttle,
    ThrottlePolicy,
)
from guiders.services.access import Principal, PrincipalKind
from guiders.services.credentials import TokenPair, TokenService
from guiders.services.password_hashing import PasswordHashing
from guiders.services.ports import UnitOfWorkFactory
from guiders.services.two_factor import Enrolment, TwoFactorService
from guiders.services.visitors import Identified, VisitorService, visitor_principal

log = structlog.get_logger(__name__)
Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class VisitorLogin:
    identified: Identified
    tokens: TokenPair


@dataclass(frozen=True, slots=True)
class StaffLogin:
    """Either signed in (``tokens``), or half-way: a second factor is due (``challenge``)."""

    principal: Principal | None = None
    tokens: TokenPair | None = None
    challenge: str | None = None
    enrolment_required: bool = False
    recovery_codes: list[str] | None = None


def account_key(email: str) -> str:
    """The account's throttle key: a hash, so the table holds no e-mail addresses."""
    return "acct:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:40]


def address_key(address: str) -> str:
    return "addr:" + address[:80]


class LoginService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        tokens: TokenService,
        visitors: VisitorService,
        hashing: PasswordHashing,
        two_factor: TwoFactorService,
        *,
        clock: Clock = _now,
        account_policy: ThrottlePolicy = ACCOUNT_POLICY,
        address_policy: ThrottlePolicy = ADDRESS_POLICY,
    ) -> None:
        self._uow = uow
        self._tokens = tokens
        self._visitors = visitors
        self._hashing = hashing
        self.two_factor = two_factor
        self.clock = clock
        self._account_policy = account_policy
        self._address_policy = address_policy
        self._failures = 0

    async def staff_login(self, email: str, password: str, address: str) -> StaffLogin:
        keys = [
            (account_key(email), self._account_policy),
            (address_key(address), self._address_policy),
        ]
        await self._refuse_if_locked(keys, who=account_key(email)[5:21], address=address)
        async with self._uow() as uow:
            user = await uow.tenancy.staff_by_email(email)
        ok = await self._hashing.verify(user.password_hash if user else None, password)
        if user is None or not ok:
            await self._failed(keys, who=_who(user, email), address=address, reason="password")
            raise Unauthenticated("Wrong e-mail or password")
        await self._forget(keys[0][0])
        _refuse_deactivated(user)
        if await self.two_factor.enabled(user.id):
            return StaffLogin(challenge=self.two_factor.challenge(user.id, enrol=False))
        if await self.two_factor.required(user.company_id, user.role):
            return StaffLogin(
                challenge=self.two_factor.challenge(user.id, enrol=True), enrolment_required=True
            )
        principal = _principal(user)
        return StaffLogin(principal=principal, tokens=await self._pair(principal))

    async def staff_login_code(self, challenge: str, code: str, address: str) -> StaffLogin:
        """The second step: the challenge from the first and a TOTP or recovery code. For an
        admin who must enrol, the first code confirms the enrolment started with
        ``begin_required_enrolment`` and the recovery codes come back with the tokens."""
        opened = self.two_factor.open_challenge(challenge)
        key = "totp:" + str(opened.staff_id)
        keys = [(key, self._account_policy), (address_key(address), self._address_policy)]
        await self._refuse_if_locked(keys, who=str(opened.staff_id), address=address)
        async with self._uow() as uow:
            user = await uow.tenancy.get_staff(opened.staff_id)
        if user is None:
            raise Unauthenticated("The staff member no longer exists")
        _refuse_deactivated(user)
        recovery: list[str] | None = None
        if opened.enrol:
            try:
                recovery = await self.two_factor.confirm(user.id, code)
            except Exception:
                await self._failed(keys, who=str(user.id), address=address, reason="totp")
                raise
        elif not await self.two_factor.check(user.id, code):
            await self._failed(keys, who=str(user.id), address=address, reason="totp")
            raise Unauthenticated("The code is not right", field="code")
        await self._forget(key)
        principal = _principal(user)
        return StaffLogin(
            principal=principal, tokens=await self._pair(principal), recovery_codes=recovery
        )

    async def begin_required_enrolment(self, challenge: str) -> Enrolment:
        """An admin whose company requires a second factor enrols before the first sign-in."""
        opened = self.two_factor.open_challenge(challenge)
        if not opened.enrol:
            raise Unauthenticated("This challenge is not for an enrolment", field="challenge")
        async with self._uow() as uow:
            user = await uow.tenancy.get_staff(opened.staff_id)
        if user is None:
            raise Unauthenticated("The staff member no longer exists")
        return await self.two_factor.begin(user.id, user.email)

    async def begin_enrolment(self, principal: Principal) -> Enrolment:
        if not principal.is_staff:
            raise Unauthenticated("Two-factor sign-in is for staff members")
        async with self._uow() as uow:
            user = await uow.tenancy.get_staff(principal.subject_id)
        if user is None:
            raise Unauthenticated("The staff member no longer exists")
        return await self.two_factor.begin(user.id, user.email)

    async def _refuse_if_locked(
        self, keys: list[tuple[str, ThrottlePolicy]], *, who: str, address: str
    ) -> None:
        now = self.clock()
        async with self._uow() as uow:
            states = [(await uow.security.throttle(k), p) for k, p in keys]
        waits = [(s.retry_after(now), p) for s, p in states]
        locked = [(w, p) for w, p in waits if w is not None]
        if locked:
            wait, policy = max(locked, key=lambda x: x[0])
            log.warning("login.failed", account=who, address=address, reason="locked")
            raise RateLimited(
                "Too many failed sign-ins; wait before trying again",
                retry_after=wait,
                limit=policy.max_failures,
            )

    async def _failed(
        self, keys: list[tuple[str, ThrottlePolicy]], *, who: str, address: str, reason: str
    ) -> None:
        now = self.clock()
        async with self._uow() as uow:
            for key, policy in keys:
                state = await uow.security.throttle(key, for_update=True)
                await uow.security.save_throttle(state.failed(now, policy))
            self._failures += 1
            if self._failures % 200 == 0:
                horizon = max(self._account_policy.window, self._address_policy.max_lock)
                await uow.security.prune_throttles(now - horizon - timedelta(minutes=1))
            await uow.commit()
        log.warning("login.failed", account=who, address=address, reason=reason)

    async def _forget(self, key: str) -> None:
        async with self._uow() as uow:
            state = await uow.security.throttle(key, for_update=True)
            if state.window_started_at is not None or state.locked_until is not None:
                await uow.security.save_throttle(Throttle(key=key))
                await uow.commit()

    async def staff_refresh(self, refresh_token: str) -> tuple[Principal, TokenPair]:
        token, successor = await self._tokens.rotate_refresh(refresh_token, PrincipalKind.STAFF)
        async with self._uow() as uow:
            user = await uow.tenancy.get_staff(token.subject_id)
        if user is None:
            raise Unauthenticated("The staff member no longer exists")
        _refuse_deactivated(user)
        if await self.two_factor.required(
            user.company_id, user.role
        ) and not await self.two_factor.enabled(user.id):
            # a session from before the company required a second factor ends here
            raise Unauthenticated("Two-factor sign-in is now required; sign in again")
        principal = _principal(user)
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


def _principal(user: StaffUser) -> Principal:
    return Principal(
        kind=PrincipalKind.STAFF,
        company_id=user.company_id,
        subject_id=user.id,
        role=user.role,
        name=user.name,
    )


def _who(user: StaffUser | None, email: str) -> str:
    """The staff id when the e-mail is known, else a short hash of it (never the e-mail)."""
    return str(user.id) if user is not None else account_key(email)[5:21]


def _refuse_deactivated(user: StaffUser) -> None:
    """An admin deactivated this account (the team page): no sign-in, no refreshed session."""
    if user.deactivated_at is not None:
        raise Unauthenticated("This account is deactivated; ask an admin of your company")
